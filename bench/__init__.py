"""Benchmarks: warm/cold latency and build time on the real corpus (``bench.bench``) and
growth curves on a synthetic national corpus (``bench.synth`` + ``bench.scale``)."""
