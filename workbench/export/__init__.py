"""Parallel-corpus export: the formats and the export of a workspace's alignments."""
