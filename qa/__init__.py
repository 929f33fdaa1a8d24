"""policy-qa: answers about Chinese entrepreneurship-support policies with verbatim quotes.

Importing ``qa`` is cheap: torch, sentence-transformers, faiss, gradio and langchain are
imported inside the functions that need them.
"""

__version__ = "0.1.0"
