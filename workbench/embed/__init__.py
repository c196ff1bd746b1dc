"""Sentence embeddings: the offline models, their backends and cache."""
