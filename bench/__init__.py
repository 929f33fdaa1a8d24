"""Benchmarks: warm/cold latency and build time on the real corpus (``bench.bench``,
``bench.cold``) and growth curves on a synthetic national corpus (``bench.scale``: corpus
``bench.synth``, vector search ``bench.vectors``, BM25 ``bench.lexical``, answers
``bench.answer``, Milvus Lite ``bench.milvus``, outputs ``bench.report``)."""
