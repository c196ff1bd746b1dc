"""What every page of the review app shares: the keyboard shortcuts and their help, the styles and script
(``static/``), the messages kept for the next run, the editing session of this browser tab, buttons with
their shortcut, and the HTML of sentences and badges."""

from __future__ import annotations

import html
from pathlib import Path

import streamlit as st

from workbench.app.editing import Session
from workbench.app.plain import plain
from workbench.store import alignments as store

STATIC = Path(__file__).parent / "static"

# Keyboard shortcuts of the frequent actions, by button key (Streamlit shows them on the buttons).
KEYS = {
    "prev": "K",
    "next": "J",
    "first": "Home",
    "last": "End",
    "next_unconfirmed": "U",
    "next_low": "L",
    "find_next": "N",
    "find_prev": "Shift+N",
    "confirm": "Enter",
    "confirm_through": "Shift+Enter",
    "merge_prev": "Shift+M",
    "merge_next": "M",
    "split": "S",
    "unaligned": "X",
    "edit_text": "E",
    "join_next": "Shift+J",
    "src_first": "Alt+Up",
    "src_last": "Alt+Down",
    "tgt_first": "Alt+Shift+Up",
    "tgt_last": "Alt+Shift+Down",
    "undo": "Mod+Z",
    "redo": "Mod+Shift+Z",
    "save": "Mod+S",
    "page_up": "PageUp",
    "page_down": "PageDown",
    # the queue of document pairs
    "pair_prev": "K",
    "pair_next": "J",
    "pair_accept": "A",
    "pair_reject": "X",
    "pair_none": "N",
    "pair_clear": "Backspace",
    "pair_open": "O",
    **{f"pair_choose_{n}": str(n) for n in range(1, 10)},
}

# The keyboard help ("?"): keys and what they do, as the README's table has them.
HELP = (
    (("K", "J"), "previous / next bead"),
    (("PageUp", "PageDown"), "a page up / down"),
    (("Home", "End"), "the first / last bead"),
    (("U",), "next unconfirmed bead"),
    (("L",), "next low-confidence bead"),
    (("/",), "find: the search box"),
    (("N", "Shift+N"), "next / previous bead with a match"),
    (("Enter",), "confirm the bead and go to the next"),
    (("Shift+Enter",), "confirm every bead up to here"),
    (("M", "Shift+M"), "merge with the next / previous bead"),
    (("Alt+Up", "Alt+Down"), "move the first / last source sentence to the bead above / below"),
    (("Alt+Shift+Up", "Alt+Shift+Down"), "the same for the translation's sentences"),
    (("S",), "split the bead after the chosen sentences"),
    (("X",), "mark the chosen sentence unaligned"),
    (("E",), "edit the chosen sentence's text (a line break splits it; Ctrl+Enter saves)"),
    (("Shift+J",), "join the chosen sentence with the next one"),
    (("Ctrl+Z", "Ctrl+Shift+Z"), "undo / redo"),
    (("Ctrl+S",), "save (Cmd instead of Ctrl on a Mac)"),
    (("A", "X", "N"), "document pairs: accept / reject the pair; no translation in the archive"),
    (("1", "2", "…", "9"), "document pairs: take candidate 1, 2, … instead"),
    (("Backspace",), "document pairs: forget my decision"),
    (("O",), "document pairs: open the pair's sentence alignment for review"),
    (("?",), "this list"),
    (("Esc",), "close it; leave a field (shortcuts are off while the cursor is in one)"),
)


def help_html() -> str:
    """The keyboard help (hidden until "?") and the hint that shortcuts are off while in a field."""
    rows = "".join(
        "<tr><td>"
        + " ".join(f"<kbd>{html.escape(k)}</kbd>" for k in keys)
        + f"</td><td>{html.escape(what)}</td></tr>"
        for keys, what in HELP
    )
    return (
        '<div id="wb-help" class="wb-help" hidden><div class="wb-help-box" role="dialog" '
        f'aria-label="Keyboard shortcuts"><h4>Keyboard shortcuts</h4><table>{rows}</table></div></div>'
        '<div id="wb-hint" class="wb-hint" hidden>Shortcuts are off while the cursor is in a field: '
        "<kbd>Esc</kbd> or a click on the page turns them back on</div>"
    )


def page_head() -> str:
    """The app's styles, its keyboard help and its script (``static/app.css``, ``static/app.js``)."""
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    return f"<style>\n{css}</style>\n{help_html()}<script>\n{js}</script>"


# --- the session of this tab ---------------------------------------------------------------------------


def session() -> Session:
    """The editing session of this browser tab: its open alignments (``docs``), the messages for the next
    run (``flash``), and the autosave switch as it is now."""
    state = st.session_state
    return Session(state.setdefault("docs", {}), state.setdefault("flash", []), state.get("autosave", True))


def flash(kind: str, text: str) -> None:
    """Say ``text`` (``kind``: info, success, warning, error) where the page shows its messages."""
    st.session_state.setdefault("flash", []).append((kind, text))


def show_flash() -> None:
    """The messages, as plain text: they quote what the user typed or linked, which must not render as
    Markdown (an image in a link parameter would make the browser fetch it)."""
    for kind, text in st.session_state.pop("flash", []):
        getattr(st, kind)(plain(text))


def failed(box, label: str, exc: Exception) -> None:
    """A job failed: the status says so, and the reason is shown beside it, where it cannot be folded away."""
    box.update(label=label, state="error", expanded=True)
    st.error(f"**{plain(label)}.** {plain(exc)}")


def btn(where, label: str, key: str, on_click, *args, icon: str | None = None, **options) -> bool:
    """A button with the shortcut KEYS gives its key."""
    return where.button(
        label,
        key=key,
        icon=f":material/{icon}:" if icon else None,
        shortcut=KEYS.get(key),
        on_click=on_click,
        args=args,
        **options,
    )


# --- HTML ----------------------------------------------------------------------------------------------


def marked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` as HTML, the character ranges ``spans`` highlighted."""
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out += [html.escape(text[pos:start]), f"<mark>{html.escape(text[start:end])}</mark>"]
        pos = end
    return "".join([*out, html.escape(text[pos:])])


def sentences_html(
    sentences: list, lang: str = "", marks: dict[str, list[tuple[int, int]]] | None = None, empty="unaligned"
) -> str:
    if not sentences:
        return f'<p class="wb-none">{empty}</p>'
    marks = marks or {}
    attr = f' lang="{html.escape(lang)}"' if lang else ""  # the right CJK glyphs for the language
    return "".join(
        f'<p class="wb-sent"{attr}><span class="wb-sid">{html.escape(s.id)}</span>'
        f"{marked(s.text, marks.get(s.id, []))}</p>"
        for s in sentences
    )


def conf_colour(score: float) -> str:
    return {"low": "#d64541", "medium": "#d99400", "high": "#2f9d5a"}[store.confidence_level(score)]


def badge(link: store.Link) -> str:
    status = {"confirmed": "✔ confirmed", "edited": "✎ edited", "auto": "auto"}[link.status]
    return (
        f'<span class="wb-conf" style="background:{conf_colour(link.score)}" title="confidence">'
        f'{link.score:.2f}</span><span class="wb-status wb-{link.status}">{status}'
        f' <span class="wb-kind" title="sentences: source-translation">{len(link.src)}-{len(link.tgt)}</span>'
        "</span>"
    )


def note_html(link: store.Link) -> str:
    """The bead's flag and note (a reviewer's), if it has them."""
    note, flag = getattr(link, "note", ""), getattr(link, "flag", False)
    if not note and not flag:
        return ""
    icon = "🚩" if flag else "📝"
    return f'<span class="wb-note" title="{html.escape(note or "flagged")}">{icon} {html.escape(note)}</span>'


def head(name: str) -> str:
    return f'<span class="wb-head" title="{html.escape(name)}">{html.escape(name)}</span>'


def short(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
