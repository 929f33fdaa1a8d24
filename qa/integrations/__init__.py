"""Adapters to other frameworks (LangChain), kept at the edge."""
