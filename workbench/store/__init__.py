"""Files: atomic writes and locks, articles (texts/), alignments (alignments/)."""
