"""The review app (Streamlit): ``workbench app``."""
