"""The review app: pick an article and a translation, align it, review and correct the links bead by bead,
save. A thin Streamlit shell: every change goes through ``workbench.review`` and ``workbench.alignments``;
this file holds only what is on the screen.

Start it with ``workbench app``, which serves it on 127.0.0.1 only (or ``streamlit run workbench/app.py
--server.address 127.0.0.1``: without that option Streamlit listens on every network interface);
``WORKBENCH_ROOT`` names the workbench folder (default: the current folder). The rules about the files
(saving, conflicts, copies kept beside a file) are ``workbench.alignments``'; the CLI follows them too.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import streamlit as st

from workbench import alignments as store
from workbench import review, texts
from workbench.align import PRESETS, Aligner, AlignParams, Similarities
from workbench.embed import get_embedder
from workbench.errors import WorkbenchError
from workbench.workspace import (
    DEFAULT_PRESET,
    OddTextsError,
    Workspace,
    align_version,
    changed_texts,
    make_aligner,
    models_of,
    side,
)

log = logging.getLogger("workbench.app")

PAGE_SIZES = (10, 20, 50)
VIEWS = ("Review", "Similarity matrix", "Machine vs human", "Translate")
FAILURES = (WorkbenchError, OSError)  # shown as a message; anything else is a bug and shows its traceback

# Keyboard shortcuts of the frequent actions, by button key (Streamlit shows them on the buttons).
KEYS = {
    "prev": "K",
    "next": "J",
    "next_unconfirmed": "U",
    "next_low": "L",
    "confirm": "Enter",
    "confirm_through": "Shift+Enter",
    "merge_prev": "Shift+M",
    "merge_next": "M",
    "split": "S",
    "unaligned": "X",
    "src_first": "Alt+Up",
    "src_last": "Alt+Down",
    "tgt_first": "Alt+Shift+Up",
    "tgt_last": "Alt+Shift+Down",
    "undo": "Mod+Z",
    "redo": "Mod+Shift+Z",
    "save": "Mod+S",
    "page_up": "PageUp",
    "page_down": "PageDown",
}

# Edits of the current bead k: the operation and where the current bead goes afterwards.
ACTIONS = {
    "confirm": (review.confirm, 1),
    "unconfirm": (review.unconfirm, 0),
    "confirm_through": (review.confirm_through, 0),
    "merge_prev": (review.merge_prev, -1),
    "merge_next": (review.merge_next, 0),
    "src_first": (lambda a, k: review.move_first(a, k, "src"), 0),
    "src_last": (lambda a, k: review.move_last(a, k, "src"), 0),
    "tgt_first": (lambda a, k: review.move_first(a, k, "tgt"), 0),
    "tgt_last": (lambda a, k: review.move_last(a, k, "tgt"), 0),
}

CSS = """
<style>
.block-container {padding-top: 3rem;}
h3 {padding-top: .2rem !important;}
[class*="st-key-bead_"] {padding: .3rem .5rem; border-radius: .45rem; border-left: 4px solid transparent;
  border-bottom: 1px solid rgba(49,51,63,.07);}
.st-key-bead_current {background: #fff5d6; border-left: 4px solid #f08c00;}
.st-key-bead_tools {background: #fffbef; border-radius: .45rem; padding: .45rem .7rem .6rem .7rem;
  border: 1px dashed #f0c060;}
[class*="st-key-row_"] button {padding: .2rem .45rem; min-height: 2rem; min-width: 2rem;}
.wb-sent {margin: 0 0 .25rem 0; line-height: 1.45;}
.wb-sid {color: #8a8f98; font: .7rem ui-monospace, monospace; margin-right: .35rem;}
.wb-none {color: #a0a4ab; font-style: italic; margin: 0;}
.wb-head {font-weight: 600; color: #4a4f58; font-size: .8rem; letter-spacing: .04em;}
.wb-conf {display: inline-block; min-width: 3.1rem; text-align: center; padding: .1rem .45rem;
  border-radius: .8rem; color: #fff; font-weight: 600; font-variant-numeric: tabular-nums; font-size: .85rem;}
.wb-status {display: block; font-size: .75rem; color: #5a5f68; margin-top: .25rem; white-space: nowrap;}
.wb-confirmed {color: #2f9d5a; font-weight: 600;}
.wb-edited {color: #1f6feb;}
.wb-kind {display: block; font: .7rem ui-monospace, monospace; color: #8a8f98; white-space: nowrap;}
</style>
"""


# --- state ---------------------------------------------------------------------------------------------


@dataclass
class Doc:
    """One alignment open for review: its undo history and what is known about the file on disk."""

    article: str
    target: str
    path: Path
    history: review.History
    revision: int  # the revision on disk when last loaded or saved
    mtime: int  # the file's st_mtime_ns then
    cur: int = 0  # the current bead
    dirty: bool = False  # changes not saved yet
    conflict: str = ""  # why the file on disk and this tab disagree, until the user chooses what to do
    saved_at: str = ""


def _flash(kind: str, text: str) -> None:
    st.session_state.setdefault("flash", []).append((kind, text))


def _show_flash() -> None:
    for kind, text in st.session_state.pop("flash", []):
        getattr(st, kind)(text)


def _docs() -> dict[tuple[str, str], Doc]:
    return st.session_state.setdefault("docs", {})


_mtime = store.file_mtime


def _open(path: Path, article: str, target: str) -> Doc:
    mtime = _mtime(path)  # before reading: a change after it is noticed by the next check
    record = store.load_alignment(path)
    return Doc(article, target, path, review.History(record), record.revision, mtime)


def _reload(doc: Doc, note: str = "") -> None:
    try:
        fresh = _open(doc.path, doc.article, doc.target)
    except FileNotFoundError:
        _docs().pop((doc.article, doc.target), None)
        _flash("warning", f"{doc.path} is gone: align the translation again.")
        return
    except store.AlignmentError as exc:
        _docs().pop((doc.article, doc.target), None)  # the next run shows the corrupt-file screen
        _flash("error", f"Cannot reload: {exc}")
        return
    fresh.cur = max(0, min(doc.cur, len(fresh.history.present.links) - 1))
    _docs()[(doc.article, doc.target)] = fresh
    _flash("info", note or f"Reloaded {doc.path.name} (revision {fresh.revision}).")


# --- saving --------------------------------------------------------------------------------------------


def _save(doc: Doc, auto: bool = False) -> bool:
    """Save atomically, refusing (and saying so) if the file changed on disk since it was loaded."""
    try:
        saved = store.save_alignment(doc.path, doc.history.present, expected_revision=doc.revision)
    except store.ConflictError as exc:
        doc.conflict = str(exc)
        return False
    except store.CorruptAlignmentError as exc:
        doc.conflict = f"the file on disk cannot be read any more ({exc})"
        return False
    except (WorkbenchError, OSError) as exc:  # cannot be written, or another process holds it too long
        _flash("error", f"Could not save {doc.path}: {exc}")
        return False
    doc.revision, doc.mtime, doc.dirty, doc.conflict = saved.revision, _mtime(doc.path), False, ""
    doc.saved_at = datetime.now().strftime("%H:%M:%S")
    if not auto:
        _flash("success", f"Saved {doc.path.name} (revision {saved.revision}).")
    return True


def _changed(doc: Doc) -> None:
    doc.dirty = True
    if st.session_state.get("autosave", True) and not doc.conflict:
        _save(doc, auto=True)


def _keep_both(doc: Doc) -> None:
    """Write this tab's version next to the file as a copy of its own, then load the file on disk."""
    try:
        copy = store.keep_both(doc.path, doc.history.present)
    except (WorkbenchError, OSError) as exc:
        _flash("error", f"Could not keep your version beside {doc.path}: {exc}")
        return
    _reload(doc, f"Your version is kept as `{copy}`; the editor now shows the file on disk.")


# --- edits and moves -----------------------------------------------------------------------------------


def _push(doc: Doc, new: store.Alignment, cur: int) -> None:
    doc.history.push(new)
    doc.cur = max(0, min(cur, len(new.links) - 1))
    _changed(doc)


def _act(doc: Doc, name: str) -> None:
    """Apply the edit ``name`` (see ACTIONS) to the current bead."""
    op, then = ACTIONS[name]
    _edit(doc, lambda a: op(a, doc.cur), doc.cur + then)


def _edit(doc: Doc, op, cur: int) -> None:
    """Apply ``op`` (alignment -> new alignment), then make bead ``cur`` current; a refused edit warns."""
    try:
        new = op(doc.history.present)
    except review.ReviewError as exc:
        _flash("warning", str(exc))
        return
    _push(doc, new, cur)


def _split(doc: Doc, widgets: tuple[str, str]) -> None:
    src_at, tgt_at = (st.session_state[w] for w in widgets)
    _edit(doc, lambda a: review.split(a, doc.cur, src_at, tgt_at), doc.cur)


def _unalign(doc: Doc, widget: str) -> None:
    side_, sid = st.session_state[widget].split(":", 1)
    _edit(doc, lambda a: review.mark_unaligned(a, doc.cur, side_, sid), doc.cur)


def _undo(doc: Doc, redo: bool = False) -> None:
    try:
        new = doc.history.redo() if redo else doc.history.undo()
    except review.ReviewError as exc:
        _flash("info", f"{str(exc).capitalize()}.")
        return
    doc.cur = max(0, min(doc.cur, len(new.links) - 1))
    _changed(doc)


def _move(doc: Doc, how: str) -> None:
    """Change the current bead: ``prev``, ``next``, ``page_up``, ``page_down``, ``unconfirmed``, ``low``, or
    a bead number."""
    a = doc.history.present
    n = len(a.links)
    page = st.session_state.get("page_size", PAGE_SIZES[0])
    thr = st.session_state.get("threshold", review.LOW_CONFIDENCE)
    moves = {"prev": doc.cur - 1, "next": doc.cur + 1, "page_up": doc.cur - page, "page_down": doc.cur + page}
    if how in moves:
        k = moves[how]
    elif how == "unconfirmed":
        k = review.next_unconfirmed(a, doc.cur)
        if k is None:
            _flash("success", "Every bead is confirmed.")
            return
    elif how == "low":
        k = review.next_low_confidence(a, doc.cur, thr)
        if k is None:
            _flash("info", f"No unconfirmed bead has a confidence below {thr:.2f}.")
            return
    else:
        k = int(how)
    doc.cur = max(0, min(k, n - 1))


# --- models --------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading the embedding model…")
def _load_models(names: tuple[str, ...]) -> None:
    """Load the embedding models once per process (get_embedder shares them from then on)."""
    for name in names:
        get_embedder(name, cache=False).backend.encode_batch(["warm-up"])


def _aligner(names: list[str], params: AlignParams, bar=None) -> Aligner:
    """An aligner over the loaded models; ``bar`` (a st.progress) shows the embedding progress."""
    _load_models(tuple(names))

    def report(model: str, done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"embedding with {model}: {done:,} of {total:,}")

    return make_aligner(names, params, on_embed=report if bar is not None else None)


def _record_aligner(record: store.Alignment, bar=None) -> Aligner:
    """An aligner with the models and parameters this alignment was made with (see models_of)."""
    return _aligner(*models_of(record), bar)


@st.cache_resource(max_entries=4, show_spinner="Computing sentence similarities…")
def _similarities(
    src: tuple[str, ...], tgt: tuple[str, ...], names: tuple[str, ...], params: AlignParams
) -> Similarities:
    """The pair's rescaled sentence vectors (linear in length); the view computes only the cells it shows."""
    return _aligner(list(names), params).similarities(list(src), list(tgt))


# --- long jobs -----------------------------------------------------------------------------------------


def _align_now(
    ws: Workspace, article: texts.Article, target: str, anyway: bool = False, force: bool = False
) -> None:
    names, params = PRESETS[st.session_state.get("preset", DEFAULT_PRESET)]
    with st.status(f"Aligning {target} with {'+'.join(names)}…", expanded=True) as box:
        bar = st.progress(0.0, text="loading the model")
        try:
            aligner = _aligner(names, params, bar)
            record = align_version(ws, article, target, aligner, "+".join(names), anyway=anyway, force=force)
        except OddTextsError as exc:  # the page offers to align anyway
            st.session_state["odd_texts"] = (article.id, target, str(exc))
            st.rerun()
        except FAILURES as exc:
            box.update(label="Alignment failed", state="error")
            st.error(str(exc))
            return
        box.update(label=f"Aligned: {len(record.links)} beads", state="complete")
    _docs().pop((article.id, target), None)
    st.rerun()


def _long_edit(doc: Doc, label: str, job) -> None:
    """Run a slow operation (it gets a progress bar) and push its result as one undoable edit."""
    with st.status(label, expanded=True) as box:
        bar = st.progress(0.0, text="loading the model")
        try:
            new = job(bar)
        except FAILURES as exc:
            box.update(label=f"{label} failed", state="error")
            st.error(str(exc))
            return
        box.update(label="Done", state="complete")
    _push(doc, new, doc.cur)
    st.rerun()


# --- pieces of the page --------------------------------------------------------------------------------


def _btn(where, label: str, key: str, on_click, *args, icon: str | None = None, **options) -> bool:
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


def _sentences_html(sentences: list, empty: str = "unaligned") -> str:
    if not sentences:
        return f'<p class="wb-none">{empty}</p>'
    return "".join(
        f'<p class="wb-sent"><span class="wb-sid">{html.escape(s.id)}</span>{html.escape(s.text)}</p>'
        for s in sentences
    )


def _conf_colour(score: float) -> str:
    return {"low": "#d64541", "medium": "#d99400", "high": "#2f9d5a"}[store.confidence_level(score)]


def _badge(link: store.Link) -> str:
    status = {"confirmed": "✔ confirmed", "edited": "✎ edited", "auto": "auto"}[link.status]
    return (
        f'<span class="wb-conf" style="background:{_conf_colour(link.score)}" title="confidence">'
        f'{link.score:.2f}</span><span class="wb-status wb-{link.status}">{status}</span>'
        f'<span class="wb-kind">{len(link.src)}-{len(link.tgt)} bead</span>'
    )


def _short(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _nav_buttons(doc: Doc, row) -> None:
    n = len(doc.history.present.links)
    _btn(row, "Previous", "prev", _move, doc, "prev", icon="arrow_upward", disabled=doc.cur == 0)
    _btn(row, "Next", "next", _move, doc, "next", icon="arrow_downward", disabled=doc.cur >= n - 1)
    _btn(
        row, "Next unconfirmed", "next_unconfirmed", _move, doc, "unconfirmed", icon="radio_button_unchecked"
    )
    _btn(row, "Next low confidence", "next_low", _move, doc, "low", icon="priority_high")


def _toolbar(doc: Doc, a: store.Alignment) -> None:
    n = len(a.links)
    row = st.container(horizontal=True, gap="small", key="toolbar_nav")
    _nav_buttons(doc, row)
    _btn(row, "Undo", "undo", _undo, doc, icon="undo", disabled=not doc.history.can_undo)
    _btn(row, "Redo", "redo", _undo, doc, True, icon="redo", disabled=not doc.history.can_redo)
    row = st.container(horizontal=True, gap="small", key="toolbar_edit")
    _btn(row, "Confirm & next", "confirm", _act, doc, "confirm", icon="check", type="primary")
    _btn(row, "Confirm all up to here", "confirm_through", _act, doc, "confirm_through", icon="done_all")
    _btn(
        row,
        "Merge with previous",
        "merge_prev",
        _act,
        doc,
        "merge_prev",
        icon="vertical_align_top",
        disabled=doc.cur == 0,
    )
    _btn(
        row,
        "Merge with next",
        "merge_next",
        _act,
        doc,
        "merge_next",
        icon="vertical_align_bottom",
        disabled=doc.cur >= n - 1,
    )
    help_ = "Re-run the aligner between the confirmed and edited beads, which stay as they are."
    if _btn(row, "Re-align the rest", "realign", None, icon="auto_fix_high", help=help_):
        _long_edit(
            doc,
            "Re-aligning the unreviewed stretches…",
            lambda bar: review.realign_rest(a, _record_aligner(a, bar)),
        )


def _bead_tools(doc: Doc, a: store.Alignment, k: int) -> None:
    """The edits of the current bead that need a choice: move a sentence, split, mark unaligned."""
    link = a.links[k]
    last = len(a.links) - 1
    src_name, tgt_name = a.source.language.upper(), a.target.language.upper()
    ns, nt = len(link.src), len(link.tgt)
    with st.container(key="bead_tools"):
        row = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
        for key, name, where, off in (
            ("src_first", src_name, "first", not ns or k == 0),
            ("src_last", src_name, "last", not ns or k == last),
            ("tgt_first", tgt_name, "first", not nt or k == 0),
            ("tgt_last", tgt_name, "last", not nt or k == last),
        ):
            arrow, goes = ("↑", "the bead above") if where == "first" else ("↓", "the bead below")
            _btn(
                row,
                f"{name} {where} {arrow}",
                key,
                _act,
                doc,
                key,
                disabled=off,
                help=f"Move the {where} {name} sentence of this bead to {goes}",
            )
        if link.status == "confirmed":
            _btn(row, "Unconfirm", "unconfirm", _act, doc, "unconfirm", icon="remove_done")
        row = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
        shape = f"{k}_{ns}_{nt}"  # fresh widgets for another bead
        if ns + nt > 2 or (ns + nt == 2 and ns != 1):
            widgets = (f"split_src_{shape}", f"split_tgt_{shape}")
            for w, name, count in ((widgets[0], src_name, ns), (widgets[1], tgt_name, nt)):
                row.selectbox(
                    f"split after {name} sentence",
                    range(count + 1),
                    index=max(1, count // 2) if count else 0,
                    key=w,
                    width=170,
                    format_func=lambda i: str(i) if i else "none (0)",
                )
            _btn(row, "Split", "split", _split, doc, widgets, icon="call_split")
        if ns + nt > 1:
            by_id = {("src", s.id): s.text for s in a.source.sentences if s.id in link.src}
            by_id |= {("tgt", s.id): s.text for s in a.target.sentences if s.id in link.tgt}
            ends = dict.fromkeys(
                [("src", i) for i in link.src[:1] + link.src[-1:]]
                + [("tgt", i) for i in link.tgt[:1] + link.tgt[-1:]]
            )
            names = {"src": src_name, "tgt": tgt_name}

            def label(option: str) -> str:
                side_, sid = option.split(":", 1)
                return f"{names[side_]} {sid}: {_short(by_id[(side_, sid)], 36)}"

            widget = f"unaligned_{shape}"
            row.selectbox(
                "sentence to unalign", [f"{s}:{i}" for s, i in ends], key=widget, width=320, format_func=label
            )
            _btn(row, "Mark unaligned", "unaligned", _unalign, doc, widget, icon="link_off")


def _window(cur: int, indices: list[int], size: int) -> list[int]:
    """The rows to show: a page of ``indices`` around the current bead."""
    pos = next((i for i, k in enumerate(indices) if k >= cur), len(indices) - 1)
    start = max(0, min(pos - size // 4, len(indices) - size))
    return indices[start : start + size]


def _review_view(doc: Doc, a: store.Alignment, extra: dict[str, list[str]]) -> None:
    _toolbar(doc, a)
    n = len(a.links)
    only_low = st.session_state.get("only_low", False)
    thr = st.session_state.get("threshold", review.LOW_CONFIDENCE)
    indices = review.low_confidence(a, thr) if only_low else list(range(n))
    if not indices:
        st.success(f"No unconfirmed bead has a confidence below {thr:.2f}.")
        return
    size = st.session_state.get("page_size", PAGE_SIZES[0])
    rows = _window(doc.cur, indices, size)
    src = {s.id: s for s in a.source.sentences}
    tgt = {s.id: s for s in a.target.sentences}
    widths = [0.6, 5, 5, *([4.5] * len(extra)), 1.35]
    head = st.columns(widths, vertical_alignment="bottom")
    for c, name in zip(head[1:], [a.source.version, a.target.version, *extra, "confidence"], strict=True):
        c.markdown(f'<span class="wb-head">{html.escape(name)}</span>', unsafe_allow_html=True)
    for k in rows:
        link = a.links[k]
        current = k == doc.cur
        with st.container(key="bead_current" if current else f"bead_{k}"):
            cols = st.columns(widths)
            cols[0].button(
                str(k + 1),
                key=f"row_{k}",
                on_click=_move,
                args=(doc, str(k)),
                type="primary" if current else "tertiary",
                help="Make this the current bead",
            )
            cols[1].markdown(_sentences_html([src[i] for i in link.src]), unsafe_allow_html=True)
            cols[2].markdown(_sentences_html([tgt[i] for i in link.tgt]), unsafe_allow_html=True)
            for c, name in zip(cols[3:-1], extra, strict=True):
                text = extra[name][k]
                body = f'<p class="wb-sent">{html.escape(text)}</p>' if text else '<p class="wb-none">–</p>'
                c.markdown(body, unsafe_allow_html=True)
            cols[-1].markdown(_badge(link), unsafe_allow_html=True)
        if current:
            _bead_tools(doc, a, k)
    nav = st.container(horizontal=True, vertical_alignment="center")
    _btn(
        nav,
        "Earlier",
        "page_up",
        _move,
        doc,
        "page_up",
        icon="keyboard_double_arrow_up",
        disabled=rows[0] == indices[0],
    )
    _btn(
        nav,
        "Later",
        "page_down",
        _move,
        doc,
        "page_down",
        icon="keyboard_double_arrow_down",
        disabled=rows[-1] == indices[-1],
    )
    shown = f"beads {rows[0] + 1}–{rows[-1] + 1} of {n}"
    nav.caption(shown + (f" · showing the {len(indices)} below {thr:.2f}" if only_low else ""))


def _centre(mid: int, span: int, total: int) -> tuple[int, int]:
    lo = max(0, min(mid - span // 2, total - span))
    return lo, min(total, lo + span)


def _similarity_view(doc: Doc, a: store.Alignment) -> None:
    import altair as alt
    import pandas as pd

    src, tgt = a.source.sentences, a.target.sentences
    try:
        names, params = models_of(a)  # the models and parameters the alignment was made with
        every = _similarities(tuple(s.text for s in src), tuple(s.text for s in tgt), tuple(names), params)
    except FAILURES as exc:
        st.error(f"Cannot compute the similarities: {exc}")
        return
    boxes = review.bead_boxes(a)
    span = st.session_state.get("heat_span", 40)
    r0, r1, c0, c1 = boxes[doc.cur]
    rows, cols = _centre((r0 + r1) // 2, span, len(src)), _centre((c0 + c1) // 2, span, len(tgt))
    sims = every.block(*rows, *cols)
    cells = [(i, j) for i in range(*rows) for j in range(*cols)]
    # Sentence k (1-based) is drawn from k - 0.5 to k + 0.5, so that the axis ticks sit on the cells.
    data = pd.DataFrame(
        {
            "en": [i + 0.5 for i, _ in cells],
            "tr": [j + 0.5 for _, j in cells],
            "similarity": [round(float(sims[i - rows[0], j - cols[0]]), 3) for i, j in cells],
            "source": [f"{src[i].id} {_short(src[i].text, 70)}" for i, _ in cells],
            "target": [f"{tgt[j].id} {_short(tgt[j].text, 70)}" for _, j in cells],
        }
    )
    data["en2"], data["tr2"] = data["en"] + 1, data["tr"] + 1
    beads = pd.DataFrame(
        [
            {
                "bead": k + 1,
                "r0": b[0] + 0.5,
                "r1": b[1] + 0.5,
                "c0": b[2] + 0.5,
                "c1": b[3] + 0.5,
                "current": k == doc.cur,
            }
            for k, b in enumerate(boxes)
            if b[1] >= rows[0] and b[0] <= rows[1] and b[3] >= cols[0] and b[2] <= cols[1]
        ]
    )
    x_dom, y_dom = [cols[0] + 0.5, cols[1] + 0.5], [rows[0] + 0.5, rows[1] + 0.5]
    axis = {"tickMinStep": 1, "format": "d", "grid": False}
    x = alt.X(
        "tr:Q",
        title=f"{a.target.version} sentence",
        scale=alt.Scale(domain=x_dom, nice=False),
        axis=alt.Axis(orient="top", **axis),
    )
    y = alt.Y(
        "en:Q",
        title=f"{a.source.version} sentence",
        axis=alt.Axis(**axis),
        scale=alt.Scale(domain=y_dom, nice=False, reverse=True),
    )
    heat = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=x,
            x2="tr2:Q",
            y=y,
            y2="en2:Q",
            color=alt.Color("similarity:Q", scale=alt.Scale(scheme="blues", domain=[-0.05, 0.6], clamp=True)),
            tooltip=["source:N", "target:N", "similarity:Q"],
        )
    )
    path = (
        alt.Chart(beads)
        .mark_rect(fill=None)
        .encode(
            x="c0:Q",
            x2="c1:Q",
            y="r0:Q",
            y2="r1:Q",
            stroke=alt.condition("datum.current", alt.value("#f08c00"), alt.value("#1d2433")),
            strokeWidth=alt.condition("datum.current", alt.value(4), alt.value(1.3)),
            tooltip=["bead:Q"],
        )
    )
    cell = max(12, min(44, 560 // max(rows[1] - rows[0], cols[1] - cols[0], 1)))
    chart = (heat + path).properties(width=cell * (cols[1] - cols[0]), height=cell * (rows[1] - rows[0]))
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.altair_chart(chart, width="content", key="heatmap")
        st.caption(
            "Each cell is the similarity of an English sentence (row) and a translated sentence (column): "
            "the darker, the more alike. Black boxes are the beads of the alignment, the orange box is the "
            f"current bead. Sentences {rows[0] + 1}–{rows[1]} × {cols[0] + 1}–{cols[1]} of "
            f"{len(src)} × {len(tgt)}."
        )
    with right:
        link = a.links[doc.cur]
        st.markdown(f"**Bead {doc.cur + 1} of {len(a.links)}** &nbsp; {_badge(link)}", unsafe_allow_html=True)
        st.markdown(f'<span class="wb-head">{html.escape(a.source.version)}</span>', unsafe_allow_html=True)
        st.markdown(_sentences_html([s for s in src if s.id in link.src]), unsafe_allow_html=True)
        st.markdown(f'<span class="wb-head">{html.escape(a.target.version)}</span>', unsafe_allow_html=True)
        st.markdown(_sentences_html([s for s in tgt if s.id in link.tgt]), unsafe_allow_html=True)
        _nav_buttons(doc, st.container(horizontal=True, gap="small"))
        st.slider("sentences shown", 10, 120, 40, 10, key="heat_span")


@st.cache_data(max_entries=16, show_spinner="Comparing the translations…")
def _comparison(root: str, article_id: str, human: str, machine: str, stamp: tuple):
    """compare_versions, cached until one of the texts or alignments changes (``stamp``)."""
    from workbench.compare import compare_versions

    ws = Workspace(Path(root))

    def factory():
        names, params = PRESETS[DEFAULT_PRESET]
        return _aligner(names, params), "+".join(names)

    return compare_versions(ws, ws.article(article_id), human, machine, aligner_factory=factory)


def _compare_view(ws: Workspace, article: texts.Article) -> None:
    import pandas as pd

    humans = [v for v in article.translations() if v.kind == "human"]
    machines = [v for v in article.translations() if v.kind == "machine"]
    if not humans or not machines:
        st.info(
            "**Machine vs human** compares a machine translation with a human one of the same language, "
            f"sentence by sentence. {article.id} has {len(humans)} human and {len(machines)} machine "
            "translation(s): make a machine one in the Translate view."
        )
        return
    row = st.container(horizontal=True)
    human = row.selectbox("Human translation", [v.id for v in humans], key="cmp_human", width=260)
    lang = article.version(human).language
    same = [v.id for v in machines if v.language.split("-")[0] == lang.split("-")[0]]
    if not same:
        st.info(f"No machine translation into {lang} yet: make one in the Translate view.")
        return
    machine = row.selectbox("Machine translation", same, key="cmp_machine", width=260)
    files = [article.path / article.version(v).file for v in (article.source().id, human, machine)]
    files += [ws.alignment_path(article.id, v) for v in (human, machine)]
    try:
        result = _comparison(str(ws.root), article.id, human, machine, tuple(_mtime(f) for f in files))
    except FAILURES as exc:
        st.error(f"Cannot compare: {exc}")
        return
    left, right = st.columns([1, 3])
    left.metric(
        "chrF, whole article",
        f"{result.chrf:.1f}",
        help="sacrebleu chrF of the machine text "
        "against the human one: 100 is identical; below about 40, the two say it differently",
    )
    right.caption(" · ".join(f"{v}: {how}" for v, how in result.alignments.items()))
    st.markdown(f"**Where {human} departs most from {machine}**")
    head = st.columns([1, 4, 4, 4])
    for c, name in zip(head, ["chrF", result.source, human, machine], strict=True):
        c.markdown(f'<span class="wb-head">{html.escape(name)}</span>', unsafe_allow_html=True)
    for r in result.most_different(5):
        with st.container(border=True):
            c = st.columns([1, 4, 4, 4])
            c[0].markdown(
                f'<span class="wb-conf" style="background:{_chrf_colour(r.chrf)}">{r.chrf:.0f}</span>'
                f'<span class="wb-kind">{html.escape(" ".join(r.source_ids))}</span>',
                unsafe_allow_html=True,
            )
            for col, text in zip(c[1:], (r.source, r.human, r.machine), strict=True):
                col.markdown(f'<p class="wb-sent">{html.escape(text)}</p>', unsafe_allow_html=True)
    st.markdown("**Every English sentence**")
    table = pd.DataFrame(
        {
            "sentence": [" ".join(r.source_ids) for r in result.rows],
            "chrF": [round(r.chrf, 1) for r in result.rows],
            result.source: [r.source for r in result.rows],
            human: [r.human for r in result.rows],
            machine: [r.machine for r in result.rows],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        key="cmp_table",
        column_config={
            "chrF": st.column_config.ProgressColumn("chrF", min_value=0, max_value=100, format="%.1f")
        },
    )


def _chrf_colour(chrf: float) -> str:
    return "#d64541" if chrf < 30 else "#d99400" if chrf < 50 else "#2f9d5a"


def _translate_view(ws: Workspace, article: texts.Article) -> None:
    from workbench import translate as mt

    source = article.source()
    try:
        packages = mt.installed_packages()
    except FAILURES as exc:
        st.warning(f"Cannot list the Argos models: {exc}")
        packages = []
    pairs = [p for p in mt.served_pairs(packages) if p.from_code == mt.argos_code(source.language)]
    modes = mt.apertium_modes()
    argos = ", ".join(
        f"{p.from_code}→{p.to_code}" + ("" if p.via == "direct" else f" ({p.via})") for p in pairs
    )
    st.markdown(
        f"Machine-translate **{source.id}** sentence by sentence into another language. The "
        "translation becomes a new version of the article, aligned 1-1 to the English."
    )
    st.caption(
        f"Argos models for {source.language}: {argos or 'none'} · Apertium: {', '.join(modes) or 'none'}"
    )
    if not pairs and not modes:
        st.warning(
            "**No translation engine is installed.** Install an Argos model with `workbench models install "
            f"{source.language} ko` (downloads it) or, offline, `workbench models install "
            f"./translate-{source.language}_ko.argosmodel`; or Apertium with "
            "`sudo apt-get install apertium apertium-eng-spa`."
        )
        return
    row = st.container(horizontal=True, vertical_alignment="bottom")
    engine_name = row.radio("Engine", mt.ENGINES, key="mt_engine", horizontal=True, index=0 if pairs else 1)
    default = pairs[0].to_code if engine_name == "argos" and pairs else "es"
    lang = row.text_input("Into (language code)", value=default, key="mt_lang", width=180).strip()
    force = row.toggle("Translate again if it exists", key="mt_force")
    if not row.button("Translate", key="translate", type="primary", icon=":material/translate:"):
        return
    with st.status(f"Translating {source.id} into {lang} with {engine_name}…", expanded=True) as box:
        bar = st.progress(0.0, text="loading the model")
        try:
            batch = mt.plan_batch(ws, [article], lang, engine_name, force=force)
            if batch.skipped:
                version_id = batch.skipped[0].version_id
                box.update(label=f"{version_id} exists already", state="complete")
                st.info(f"{article.id} already has {version_id}; switch on *Translate again* to redo it.")
                return
            progress = lambda d, t: bar.progress(d / max(t, 1), text=f"{d} of {t}")  # noqa: E731
            ((_, done),) = mt.run_batch(ws, batch, progress)
            if isinstance(done, Exception):
                raise done
        except FAILURES as exc:
            box.update(label="Translation failed", state="error")
            st.error(str(exc))
            return
        box.update(label=f"Translated: {done.version.id}", state="complete")
    _docs().pop((article.id, done.version.id), None)
    _flash(
        "success",
        f"Made {done.version.id} ({done.sentences} sentences, {done.version.origin}). "
        "Pick it as the translation to review, or compare it in Machine vs human.",
    )
    st.rerun()


# --- the page ------------------------------------------------------------------------------------------


def _pick_article(ws: Workspace) -> texts.Article | None:
    try:
        arts = ws.articles()
    except texts.TextsError as exc:
        st.error(str(exc))
        return None
    if not arts:
        st.info(
            f"No articles in {ws.texts} yet. Add one with "
            "`workbench add story.txt --article my-story --lang en --kind source`."
        )
        return None
    by_id = {a.id: a for a in arts}
    chosen = st.sidebar.selectbox(
        "Article", list(by_id), key="article", format_func=lambda i: f"{_short(by_id[i].title, 48)} · {i}"
    )
    return by_id[chosen]


def _not_aligned(ws: Workspace, article: texts.Article, target: str) -> None:
    st.info(f"**{target}** is not aligned to the English yet.")
    if not _offer_anyway(ws, article, target) and st.button(
        "Align now", key="align", type="primary", icon=":material/join:"
    ):
        _align_now(ws, article, target)


def _offer_anyway(ws: Workspace, article: texts.Article, target: str) -> bool:
    """After an alignment refused because the texts look wrong for it: say why and offer to align anyway."""
    held = st.session_state.get("odd_texts")
    if not held or held[:2] != (article.id, target):
        return False
    st.warning(held[2])
    if st.button("Align anyway", key="align_anyway", icon=":material/join:"):
        del st.session_state["odd_texts"]
        _align_now(ws, article, target, anyway=True)
    return True


def _corrupt(ws: Workspace, article: texts.Article, target: str, path: Path, exc: Exception) -> None:
    if path.is_dir():  # nothing to copy: Start again moves it aside
        kept = f"Start again moves it aside (as `{path.name}.corrupt-<time>`) and aligns {target} afresh."
    else:
        try:
            kept = f"A copy of it is kept as `{store.keep_corrupt(path)}`."
        except (WorkbenchError, OSError) as why:
            kept = f"No copy could be kept ({why})."
        kept += f" Fix the file by hand and reload, or start again: align {target} from scratch."
    st.error(f"**The alignment file cannot be read.** {exc}\n\n{kept}")
    if _offer_anyway(ws, article, target):
        return
    row = st.container(horizontal=True)
    if row.button("Start again", key="start_again", type="primary", icon=":material/restart_alt:"):
        _align_now(ws, article, target, force=True)  # the broken file is kept as a .corrupt copy
    row.button("Reload", key="reload_corrupt", icon=":material/refresh:")


def _check_disk(doc: Doc) -> None:
    """Notice a file changed by another tab or the CLI: reload it if nothing here is unsaved, else say so."""
    if doc.conflict:
        return
    check = store.check_disk(doc.path, doc.revision, doc.mtime)
    if check.reload(unsaved=doc.dirty):
        _reload(doc, f"{doc.path.name} changed on disk (revision {check.revision}): loaded the new version.")
    elif check.state == "unchanged":
        doc.mtime = check.mtime
    else:
        doc.conflict = check.conflict(doc.path, unsaved=doc.dirty)


def _conflict_banner(doc: Doc) -> None:
    st.error(
        f"**Not saved: the file changed since you loaded it.** {doc.conflict}\n\n"
        "Reload it from disk (your changes since your last save are dropped), or keep both: your version "
        "is written next to it as a copy and the editor loads the file on disk. Nothing is overwritten."
    )
    row = st.container(horizontal=True)
    row.button(
        "Reload from disk", key="conflict_reload", icon=":material/refresh:", on_click=_reload, args=(doc,)
    )
    row.button("Keep both", key="keep_both", icon=":material/file_copy:", on_click=_keep_both, args=(doc,))


def _stale_banner(doc: Doc, article: texts.Article, a: store.Alignment) -> None:
    try:
        changed = changed_texts(article, a)
    except texts.TextsError as exc:
        st.warning(f"Cannot check the texts: {exc}")
        return
    if not changed:
        return
    st.warning(
        f"**The text of {' and '.join(changed)} changed since this alignment was made.** Re-align it: "
        "confirmed and edited beads whose sentences are unchanged are kept."
    )
    if st.button("Re-align, keeping reviewed beads", key="rebase", icon=":material/sync:"):

        def job(bar):
            source, target = side(article, a.source.version), side(article, a.target.version)
            new, dropped = review.rebase(a, source, target, _record_aligner(a, bar))
            if dropped:
                _flash("warning", f"{len(dropped)} reviewed beads changed and were re-aligned automatically.")
            return new

        _long_edit(doc, "Re-aligning the changed text…", job)


@st.cache_data(max_entries=16, show_spinner=False)
def _load_cached(path: Path, mtime: int) -> store.Alignment:
    return store.load_alignment(path)


def _other_columns(ws: Workspace, article: texts.Article, a: store.Alignment, chosen: list[str]):
    others = []
    for vid in chosen:
        path = ws.alignment_path(article.id, vid)
        if not path.exists():
            st.sidebar.caption(f"{vid} is not aligned yet: choose it as the translation and align it.")
            continue
        try:
            others.append(_load_cached(path, _mtime(path)))
        except store.AlignmentError as exc:
            st.sidebar.warning(f"{vid}: {exc}")
    try:
        return review.version_columns(a, others)
    except review.ReviewError as exc:
        st.sidebar.warning(str(exc))
        return {}


def _sidebar_doc(doc: Doc | None) -> None:
    sb = st.sidebar
    if doc is not None:
        row = sb.container(horizontal=True, gap="small")
        _btn(row, "Save", "save", _save, doc, icon="save", type="primary" if doc.dirty else "secondary")
        _btn(
            row,
            "Reload",
            "reload",
            _reload,
            doc,
            icon="refresh",
            help="Read the file again (drops unsaved changes)",
        )
    sb.toggle("Autosave after each edit", value=True, key="autosave")


def _sidebar_settings() -> None:
    sb = st.sidebar
    sb.toggle("Only low-confidence beads", key="only_low")
    sb.slider("Low confidence: below", 0.05, 0.95, review.LOW_CONFIDENCE, 0.05, key="threshold")
    sb.selectbox("Beads per page", PAGE_SIZES, key="page_size")
    sb.radio(
        "Aligner",
        list(PRESETS),
        key="preset",
        horizontal=True,
        help="fast: use-m3, seconds; accurate: use-m3 + e5-small, slower and better",
    )


def _download(article: texts.Article, a: store.Alignment) -> None:
    """The alignment as it is now (saved or not): this file format, or a corpus format of the export."""
    from workbench import export

    box = st.sidebar.expander("Download", icon=":material/download:")
    base = f"{a.article}.{a.target.version}"
    box.download_button(
        "Alignment (workbench JSON)",
        data=lambda: store.dumps(a),
        file_name=f"{base}.json",
        mime="application/json",
        key="dl_json",
        on_click="ignore",
        icon=":material/data_object:",
    )
    fmt = box.selectbox("Corpus format", list(export.FORMATS), key="dl_format")
    reviewed = box.toggle("Only confirmed and edited beads", key="dl_reviewed")
    options = export.ExportOptions(status="confirmed" if reviewed else "any", allow_stale=True)
    info = export.FORMATS[fmt]

    def data() -> bytes:
        return export.export_bytes([export.record_for(article, a)], fmt, options, name=base)[0]

    box.download_button(
        f"{fmt.upper()} file",
        data=data,
        file_name=f"{base}{info.extension}",
        mime=info.media_type,
        key="dl_corpus",
        on_click="ignore",
        icon=":material/download:",
    )
    both = sum(1 for x in a.links if x.src and x.tgt and (not reviewed or store.is_reviewed(x)))
    box.caption(f"{both} bead(s) with text on both sides go into the file.")


def _progress_line(doc: Doc, a: store.Alignment) -> None:
    reviewed, total = review.progress(a)
    state = (
        "unsaved changes" if doc.dirty else f"saved at {doc.saved_at}" if doc.saved_at else "no changes yet"
    )
    st.progress(
        reviewed / max(total, 1),
        text=f"**{reviewed} of {total} beads reviewed** · {a.source.version} → {a.target.version} · "
        f"revision {doc.revision} · {state}",
    )


def _load(ws: Workspace, article: texts.Article, target: str) -> tuple[Doc | None, Exception | None]:
    """The open alignment of ``target`` (opened now if needed), or why it cannot be opened."""
    key, path = (article.id, target), ws.alignment_path(article.id, target)
    doc = _docs().get(key)
    if doc is None:
        if not path.exists():
            return None, None
        try:
            doc = _docs()[key] = _open(path, article.id, target)
        except store.AlignmentError as exc:
            return None, exc
    _check_disk(doc)
    if _docs().get(key) is not doc:  # reloaded from disk, or gone
        st.rerun()
    return doc, None


def main() -> None:
    st.set_page_config(page_title="workbench · review", page_icon=":material/translate:", layout="wide")
    st.html(CSS)
    ws = Workspace.find()
    st.sidebar.markdown("## workbench")
    st.sidebar.caption(f"folder: **{ws.root.name or ws.root}**", help=str(ws.root))
    article = _pick_article(ws)
    if article is None:
        return
    st.subheader(article.title)
    try:
        article.source()
    except texts.TextsError as exc:
        st.error(str(exc))
        return
    view = st.segmented_control(
        "View", VIEWS, default=VIEWS[0], key="view", required=True, label_visibility="collapsed"
    )
    by_id = {v.id: v for v in article.translations()}
    doc = problem = target = None
    chosen: list[str] = []
    if by_id:  # the sidebar is the same in every view, so that no choice is forgotten
        target = st.sidebar.selectbox(
            "Translation",
            list(by_id),
            key="target",
            format_func=lambda v: f"{v} · {by_id[v].kind}, {_short(by_id[v].origin, 30)}",
        )
        chosen = st.sidebar.multiselect(
            "Other versions as columns",
            [v for v in by_id if v != target],
            key="extra",
            help="Other translations, lined up with these beads through the English",
        )
        doc, problem = _load(ws, article, target)
    _sidebar_doc(doc)
    _sidebar_settings()
    if view == "Translate":
        _show_flash()
        _translate_view(ws, article)
        return
    if target is None:
        _show_flash()
        st.warning(
            f"**This article has no translations yet.** Add one with `workbench add FILE --article "
            f"{article.id} --lang es --kind human`, or machine-translate it in the Translate view."
        )
        return
    if view == "Machine vs human":
        _show_flash()
        _compare_view(ws, article)
        return
    if doc is None:
        _show_flash()
        if problem is not None:
            _corrupt(ws, article, target, ws.alignment_path(article.id, target), problem)
        else:
            _not_aligned(ws, article, target)
        return
    a = doc.history.present
    doc.cur = max(0, min(doc.cur, len(a.links) - 1))
    _progress_line(doc, a)
    _show_flash()
    if doc.conflict:
        _conflict_banner(doc)
    _stale_banner(doc, article, a)
    _download(article, a)
    if view == "Similarity matrix":
        _similarity_view(doc, a)
    else:
        _review_view(doc, a, _other_columns(ws, article, a, chosen))


if __name__ == "__main__":
    main()
