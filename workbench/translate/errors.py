"""The errors of machine translation, and its check of language codes."""

from __future__ import annotations

from collections.abc import Collection

from workbench.errors import TextsError, WorkbenchError
from workbench.text import language as languages

__all__ = ["ModelError", "TranslateError", "check_language_code"]


class TranslateError(WorkbenchError):
    """A translation cannot be made as asked; the message says what to do."""


class ModelError(TranslateError):
    """A translation model is missing, cannot be installed or is broken."""


def check_language_code(language: str, known: Collection[str] = ()) -> str:
    """Return ``language`` if it is a language code we can use (see
    :func:`workbench.text.language.check_language_code`; ``known``: codes of installed packages, such as
    Argos's "zt"), else TranslateError."""
    try:
        return languages.check_language_code(language, known)
    except TextsError as exc:
        raise TranslateError(str(exc)) from None
