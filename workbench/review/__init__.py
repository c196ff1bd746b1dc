"""Reviewing an alignment: bead edits, text edits, search."""
