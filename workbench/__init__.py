"""Translation and bilingual sentence-alignment workbench."""

__version__ = "0.1.0"
