"""The one ``KEY=VALUE`` settings parser: the aligner's ``--param`` and the corpus's ``--set``.

A setting names a field of a frozen dataclass of settings; its value is read as that field's type (bool:
true/false, yes/no, 1/0). A float must be finite: ``nan``, ``inf`` or ``1e999`` would break the
computations that use it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from typing import TypeVar

from workbench.errors import WorkbenchError

__all__ = ["SettingsError", "apply_settings"]

P = TypeVar("P")

_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


class SettingsError(WorkbenchError, ValueError):
    """A ``KEY=VALUE`` setting that names no setting or whose value does not fit it."""


def apply_settings(
    params: P,
    items: Iterable[str] | None,
    *,
    option: str = "setting",
    error: type[WorkbenchError] = SettingsError,
) -> P:
    """``params`` (a frozen dataclass) with the settings ``items`` (``["accept=2.9", "serials=false"]``)
    applied, each value read as its field's type. ``error``, with a message that quotes ``option`` and the
    item, for a text that is not KEY=VALUE, an unknown key, a value of the wrong kind or a float that is not
    finite."""
    names = [f.name for f in dataclasses.fields(params)]
    hint = f"use KEY=VALUE with KEY one of {', '.join(names)}"
    values: dict[str, object] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        where = f"{option} {item!r}"
        if not sep or not key:
            raise error(f"{where}: a setting is KEY=VALUE; {hint}")
        if key not in names:
            raise error(f"{where}: unknown setting {key!r}; {hint}")
        kind = type(getattr(params, key))
        value = _read(text, kind)
        if value is None:
            what = "a bool (true or false)" if kind is bool else _article(kind.__name__)
            raise error(f"{where}: setting {key} takes {what}, not {text!r}")
        if kind is float and not math.isfinite(value):
            raise error(f"{where}: setting {key} = {value!r} should be a finite number")
        values[key] = value
    return dataclasses.replace(params, **values)


def _read(text: str, kind: type) -> object | None:
    """``text`` as a ``kind``, or None where it is not one."""
    if kind is bool:
        low = text.lower()
        return True if low in _TRUE else False if low in _FALSE else None
    if kind is str:
        return text
    try:
        return kind(text)
    except (TypeError, ValueError):
        return None


def _article(name: str) -> str:
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"
