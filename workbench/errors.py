"""The one base exception for problems a user can act on.

Every error whose message tells the user what to fix derives from :class:`WorkbenchError`; the CLI and the
app show such errors as a message. Anything else is a bug and shows its traceback.
"""

from __future__ import annotations

__all__ = ["WorkbenchError"]


class WorkbenchError(Exception):
    """A problem the user can fix (bad input, a missing file, a refused action); the message says how."""
