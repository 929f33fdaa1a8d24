"""One module per tab of the web app; each has ``build(gr, lazy, private) -> parts``."""
