"""Sentence alignment: parameters, the dynamic programme, the aligner, scoring against a gold."""
