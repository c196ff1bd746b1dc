"""User-supplied text shown in the app as plain text: Streamlit renders a message's Markdown (images,
links, colour directives, LaTeX), so a link parameter or a file name that carries ``![x](http://host/)``
would make the reviewer's browser fetch that address. Every such text goes through :func:`plain`."""

from __future__ import annotations

import re

__all__ = ["plain"]

_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def plain(text: object) -> str:
    """``text`` with every Markdown and HTML special character escaped, so it renders as typed."""
    return _MARKUP.sub(r"\\\1", str(text))
