"""Text: sentence splitting, languages, reading a text file's bytes."""
