"""Reading published policy files (HTML, DOCX, PDF, TXT) into corpus texts.

``qa add`` runs the steps in order: :mod:`qa.ingest.extract` turns a file into the text
that is saved in ``corpus/`` (one reader per format: :mod:`~qa.ingest.html_reader`,
:mod:`~qa.ingest.docx_reader`, :mod:`~qa.ingest.pdf_reader`), :mod:`qa.ingest.metadata`
proposes the ``[[document]]`` fields from that text, :mod:`qa.ingest.validity` reads the
period a document is valid for, and :mod:`qa.ingest.entry` renders and appends the entry.
The heavy readers (trafilatura, python-docx, pypdf) are imported inside the functions
that use them, so ``import qa`` stays cheap.
"""
