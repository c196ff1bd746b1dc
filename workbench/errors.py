"""The one base exception for problems a user can act on.

Every error whose message tells the user what to fix derives from :class:`WorkbenchError`; the CLI and the
app show such errors as a message. Anything else is a bug and shows its traceback. :class:`TextsError`
lives here because three modules raise it (texts, encoding, language).
"""

from __future__ import annotations

__all__ = ["TextsError", "WorkbenchError"]


class WorkbenchError(Exception):
    """A problem the user can fix (bad input, a missing file, a refused action); the message says how."""


class TextsError(WorkbenchError):
    """A problem with the texts the user can fix; the message says which file, what and how."""
