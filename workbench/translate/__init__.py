"""Machine translation: the Argos and Apertium engines, Argos models, the translation job."""
