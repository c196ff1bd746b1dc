"""User-supplied text shown in the app as plain text: Streamlit renders a message's Markdown (images,
links, colour directives, LaTeX), so a link parameter or a file name that carries ``![x](http://host/)``
would make the reviewer's browser fetch that address. Every such text goes through :func:`plain`."""

from __future__ import annotations

import re

__all__ = ["plain"]

# What can make Markdown fetch, link or run something: the brackets of images and links, the "<" of HTML and
# autolinks, the "$" of LaTeX (and the backslash itself). Emphasis, code spans and punctuation stay as they
# are, so a message reads as written.
_MARKUP = re.compile(r"([\\\[\]<$])")


def plain(text: object) -> str:
    """``text`` with the characters that make images, links, HTML or LaTeX escaped: it renders as typed."""
    return _MARKUP.sub(r"\\\1", str(text))
