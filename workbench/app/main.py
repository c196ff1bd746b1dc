"""The review app: pick an article and a translation, align it, review and correct the links bead by bead
(and the texts, sentence by sentence), find things, save; and a queue of a corpus's document pairs to
decide. A thin Streamlit shell: every change goes through ``workbench.review.beads``,
``workbench.review.textedit``,
``workbench.review.search``, ``workbench.store.alignments`` and ``workbench.corpus.review``; this file holds
only what
is on the screen.

Start it with ``workbench app``, which serves it on 127.0.0.1 only (or ``streamlit run workbench/app/main.py
--server.address 127.0.0.1``: without that option Streamlit listens on every network interface);
``WORKBENCH_ROOT`` names the workbench folder (default: the current folder). The rules about the files
(saving, conflicts, copies kept beside a file) are ``workbench.store.alignments``'; the CLI follows them too.
A link such as ``?article=ID&target=VERSION&bead=N`` opens that bead.
"""

from __future__ import annotations

import hashlib
import html
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import streamlit as st

from workbench.align.aligner import PRESETS, Aligner, AlignParams, Similarities
from workbench.embed.embedder import get_embedder
from workbench.errors import WorkbenchError
from workbench.review import beads as review
from workbench.review import search, textedit
from workbench.store import alignments as store
from workbench.store import texts
from workbench.workspace import (
    DEFAULT_PRESET,
    OddTextsError,
    Workspace,
    align_version,
    changed_texts,
    coverage_warning,
    make_aligner,
    models_of,
    side,
)

log = logging.getLogger("workbench.app.main")

PAGE_SIZES = (10, 20, 50)
VIEWS = ("Review", "Similarity matrix", "Statistics", "Machine vs human", "Translate", "Document pairs")
FAILURES = (WorkbenchError, OSError)  # shown as a message; anything else is a bug and shows its traceback

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

STATIC = Path(__file__).parent / "static"


def _page_head() -> str:
    """The app's styles, its keyboard help and its script (``static/app.css``, ``static/app.js``)."""
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    return f"<style>\n{css}</style>\n{_help_html()}<script>\n{js}</script>"


def _help_html() -> str:
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

    @property
    def token(self) -> str:
        """A short name of this alignment for widget keys (a widget of another article is another one)."""
        return hashlib.sha1(f"{self.article}\n{self.target}".encode()).hexdigest()[:10]


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
    """Save atomically, refusing (and saying so) if the file changed on disk since it was loaded. Nothing
    unsaved: nothing is written (no new revision)."""
    if not doc.dirty and not doc.conflict:
        if not auto:
            _flash("info", f"Nothing to save: {doc.path.name} (revision {doc.revision}) is as shown.")
        return True
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


def _changed(doc: Doc, always: bool = False) -> None:
    """Something changed: save it now if autosave is on (``always``: whatever autosave says)."""
    doc.dirty = True
    if (always or st.session_state.get("autosave", True)) and not doc.conflict:
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
    """Make ``new`` the current state (an equal one changes nothing: no unsaved change, no revision)."""
    changed = doc.history.push(new)
    doc.cur = max(0, min(cur, len(new.links) - 1))
    if changed:
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


def _chosen(doc: Doc, widget: str) -> tuple[str, str] | None:
    """The (side, sentence id) chosen in the sentence box ``widget``, if it is a sentence of the current
    bead (else a warning, and None)."""
    value = st.session_state.get(widget) or ""
    side_, _, sid = value.partition(":")
    link = doc.history.present.links[doc.cur]
    if side_ not in review.SIDES or sid not in (link.src if side_ == "src" else link.tgt):
        _flash("warning", f"Choose a sentence of bead {doc.cur + 1} first.")
        return None
    return side_, sid


def _remember(doc: Doc, widget: str) -> None:
    """Keep the sentence chosen in the bead's box for the next state of the bead (after an edit)."""
    st.session_state.setdefault("_sentence", {})[doc.token] = st.session_state.get(widget)


def _unalign(doc: Doc, widget: str) -> None:
    chosen = _chosen(doc, widget)
    if chosen:
        _edit(doc, lambda a: review.mark_unaligned(a, doc.cur, *chosen), doc.cur)


def _text_op(doc: Doc, name: str, op) -> None:
    """Run a text edit ``op(ws, article, alignment) -> TextEdit | None`` and push its alignment. A text
    edit is saved at once, whatever autosave says: the text file and the alignment must agree."""
    ws = Workspace.find()
    try:
        done = op(ws, ws.article(doc.article), doc.history.present)
    except FAILURES as exc:
        _flash("warning", str(exc))
        return
    if done is None:
        _flash("info", "The text is unchanged.")
        return
    doc.history.texts.update(done.texts)
    doc.history.push(done.alignment)
    doc.cur = max(0, min(doc.cur, len(done.alignment.links) - 1))
    _changed(doc, always=True)
    _text_report(f"{name} in {done.version}", done)


def _text_report(what: str, done: textedit.TextEdit) -> None:
    carried = [v for v, how in done.others.items() if how == "carried over"]
    note = f" Carried over: {', '.join(carried)}." if carried else ""
    _flash("success", f"{what} (the text and the alignment are saved).{note}")
    for version, how in done.others.items():
        if how != "carried over":
            _flash("warning", f"{version}: {how}")


def _edit_text(doc: Doc, widget: str, side_: str, sid: str) -> None:
    st.session_state.pop("editing", None)
    text = st.session_state.get(widget, "")
    _text_op(
        doc,
        f"Edited {sid}",
        lambda ws, art, a: textedit.edit_sentence(ws, art, a, side_, sid, text),
    )


def _start_editing(doc: Doc, widget: str) -> None:
    chosen = _chosen(doc, widget)
    if chosen:
        st.session_state["editing"] = (doc.token, *chosen)


def _stop_editing() -> None:
    st.session_state.pop("editing", None)


def _join(doc: Doc, widget: str) -> None:
    chosen = _chosen(doc, widget)
    if chosen:
        side_, sid = chosen
        _text_op(
            doc,
            f"Joined {sid} with the sentence after it",
            lambda ws, art, a: textedit.join_sentences(ws, art, a, side_, sid),
        )


def _undo(doc: Doc, redo: bool = False) -> None:
    before = doc.history.present
    try:
        new = doc.history.redo() if redo else doc.history.undo()
    except review.ReviewError as exc:
        _flash("info", f"{str(exc).capitalize()}.")
        return
    texts_changed = (new.source, new.target) != (before.source, before.target)
    if texts_changed:  # an edit of a text: put the text back as this state has it
        ws = Workspace.find()
        try:
            done = textedit.restore(ws, ws.article(doc.article), new, doc.history.texts)
        except FAILURES as exc:  # the text stays as it is: so does the alignment
            if redo:
                doc.history.undo()
            else:
                doc.history.redo()
            _flash("error", f"Cannot {'redo' if redo else 'undo'} the text edit: {exc}")
            return
        for step in done:
            _text_report(f"{'Redone' if redo else 'Undone'} in {step.version}", step)
    doc.cur = max(0, min(doc.cur, len(new.links) - 1))
    _changed(doc, always=texts_changed)


def _find(a: store.Alignment) -> list[search.Match]:
    """``search.find`` with what the search bar says."""
    state = st.session_state
    return search.find(
        a,
        state.get("find_q", ""),
        state.get("find_mode", search.MODES[0]),
        state.get("find_side", "both"),
        state.get("find_case", False),
    )


def _matches(a: store.Alignment) -> list[search.Match]:
    """The matches of the search box (a bad regex is said once, as the box's message)."""
    try:
        return _find(a)
    except search.SearchError:
        return []


def _move(doc: Doc, how: str) -> None:
    """Change the current bead: ``prev``, ``next``, ``first``, ``last``, ``page_up``, ``page_down``,
    ``unconfirmed``, ``low``, ``match`` (``match_back``: the previous bead with a match), or a bead
    number."""
    a = doc.history.present
    n = len(a.links)
    page = st.session_state.get("page_size", PAGE_SIZES[0])
    thr = st.session_state.get("threshold", review.LOW_CONFIDENCE)
    moves = {
        "prev": doc.cur - 1,
        "next": doc.cur + 1,
        "first": 0,
        "last": n - 1,
        "page_up": doc.cur - page,
        "page_down": doc.cur + page,
    }
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
    elif how in ("match", "match_back"):
        k = search.next_bead(_matches(a), doc.cur, backwards=how == "match_back")
        if k is None:
            _flash(
                "info",
                "Nothing matches the search." if st.session_state.get("find_q") else "Type what to find.",
            )
            return
    else:
        k = int(how)
    doc.cur = max(0, min(k, n - 1))


def _find_changed(doc: Doc) -> None:
    """A new search: go to the first bead with a match, from the current one on."""
    try:
        found = _find(doc.history.present)
    except search.SearchError as exc:
        _flash("warning", str(exc))
        return
    if found:
        k = search.next_bead(found, doc.cur - 1)
        doc.cur = doc.cur if k is None else k


def _goto(doc: Doc) -> None:
    where = st.session_state.get("goto", "").strip()
    st.session_state["goto"] = ""
    if not where:
        return
    try:
        doc.cur = search.locate(doc.history.present, where)
    except search.SearchError as exc:
        _flash("warning", str(exc))


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


def _failed(box, label: str, exc: Exception) -> None:
    """A job failed: the status says so, and the reason is shown beside it, where it cannot be folded away."""
    box.update(label=label, state="error", expanded=True)
    st.error(f"**{label}.** {exc}")


def _align_now(
    ws: Workspace, article: texts.Article, target: str, anyway: bool = False, force: bool = False
) -> None:
    names, params = PRESETS[st.session_state.get("preset", DEFAULT_PRESET)]
    failure = None
    with st.status(f"Aligning {target} with {'+'.join(names)}…", expanded=True) as box:
        bar = st.progress(0.0, text="loading the model")
        try:
            aligner = _aligner(names, params, bar)
            done = align_version(ws, article, target, aligner, "+".join(names), anyway=anyway, force=force)
        except OddTextsError as exc:  # the page offers to align anyway
            st.session_state["odd_texts"] = (article.id, target, str(exc))
            st.rerun()
        except FAILURES as exc:
            failure = exc
        else:
            box.update(label=f"Aligned: {len(done.record.links)} beads ({done.outcome})", state="complete")
    if failure is not None:
        _failed(box, "Alignment failed", failure)
        return
    _docs().pop((article.id, target), None)
    st.rerun()


def _long_edit(doc: Doc, label: str, job) -> None:
    """Run a slow operation (it gets a progress bar) and push its result as one undoable edit."""
    failure = None
    with st.status(label, expanded=True) as box:
        bar = st.progress(0.0, text="loading the model")
        try:
            new = job(bar)
        except FAILURES as exc:
            failure = exc
        else:
            box.update(label="Done", state="complete")
    if failure is not None:
        _failed(box, f"{label.rstrip('…')} failed", failure)
        return
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


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` as HTML, the character ranges ``spans`` highlighted."""
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out += [html.escape(text[pos:start]), f"<mark>{html.escape(text[start:end])}</mark>"]
        pos = end
    return "".join([*out, html.escape(text[pos:])])


def _sentences_html(
    sentences: list, lang: str = "", marks: dict[str, list[tuple[int, int]]] | None = None, empty="unaligned"
) -> str:
    if not sentences:
        return f'<p class="wb-none">{empty}</p>'
    marks = marks or {}
    attr = f' lang="{html.escape(lang)}"' if lang else ""  # the right CJK glyphs for the language
    return "".join(
        f'<p class="wb-sent"{attr}><span class="wb-sid">{html.escape(s.id)}</span>'
        f"{_marked(s.text, marks.get(s.id, []))}</p>"
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


def _head(name: str) -> str:
    return f'<span class="wb-head" title="{html.escape(name)}">{html.escape(name)}</span>'


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
    _btn(row, "First", "first", _move, doc, "first", icon="first_page", disabled=doc.cur == 0)
    _btn(row, "Last", "last", _move, doc, "last", icon="last_page", disabled=doc.cur >= n - 1)
    _btn(row, "Undo", "undo", _undo, doc, icon="undo", disabled=not doc.history.can_undo)
    _btn(row, "Redo", "redo", _undo, doc, True, icon="redo", disabled=not doc.history.can_redo)
    row.html(
        '<button class="wb-help-btn" type="button" title="Keyboard shortcuts (?)">⌨ Shortcuts ?</button>'
    )
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


def _find_bar(doc: Doc, a: store.Alignment, matches: list[search.Match]) -> None:
    """Find (text, whole words or a regex, in either side or both), next / previous match, go to a bead."""
    row = st.container(horizontal=True, gap="small", vertical_alignment="bottom", key="findbar")
    row.text_input(
        "Find",
        key="find_q",
        placeholder="find…  ( / )",
        width=240,
        label_visibility="collapsed",
        on_change=_find_changed,
        args=(doc,),
    )
    names = {"both": "both sides", "src": a.source.language.upper(), "tgt": a.target.language.upper()}
    row.selectbox(
        "in",
        list(names),
        key="find_side",
        format_func=names.get,
        width=130,
        label_visibility="collapsed",
        on_change=_find_changed,
        args=(doc,),
    )
    modes = {"text": "text", "words": "whole words", "regex": "regex"}
    row.selectbox(
        "match",
        list(modes),
        key="find_mode",
        format_func=modes.get,
        width=140,
        label_visibility="collapsed",
        on_change=_find_changed,
        args=(doc,),
    )
    row.toggle("Aa", key="find_case", help="Match case", on_change=_find_changed, args=(doc,))
    _btn(row, "", "find_prev", _move, doc, "match_back", icon="keyboard_arrow_up", help="Previous match")
    _btn(row, "", "find_next", _move, doc, "match", icon="keyboard_arrow_down", help="Next match")
    query = st.session_state.get("find_q", "")
    if query.strip():
        try:
            search.compile_query(query, st.session_state.get("find_mode", "text"))
        except search.SearchError as exc:
            row.caption(f":red[{exc}]")
        else:
            beads = len({m.bead for m in matches})
            here = sum(1 for m in matches if m.bead == doc.cur)
            row.caption(
                f"{len(matches)} match{'es' * (len(matches) != 1)} in {beads} bead{'s' * (beads != 1)}"
                + (f" · {here} here" if here else "")
            )
    row.text_input(
        "Go to",
        key="goto",
        placeholder="go to bead or sentence id",
        width=220,
        label_visibility="collapsed",
        on_change=_goto,
        args=(doc,),
        help="A bead number (12) or a sentence id (p3.s2; ko:p3.s2 for the translation's)",
    )


def _bead_key(doc: Doc, link: store.Link, k: int) -> str:
    """A key for the widgets of bead ``k`` as it is now: another bead, article or translation gets fresh
    widgets (a choice made for one never applies to another)."""
    what = f"{doc.token}\n{k}\n{' '.join(link.src)}\n{' '.join(link.tgt)}"
    return hashlib.sha1(what.encode()).hexdigest()[:12]


def _bead_tools(doc: Doc, a: store.Alignment, k: int) -> None:
    """The edits of the current bead that need a choice: move a sentence, split, mark unaligned, edit a
    sentence's text, join two sentences."""
    link = a.links[k]
    last = len(a.links) - 1
    src_name, tgt_name = a.source.language.upper(), a.target.language.upper()
    ns, nt = len(link.src), len(link.tgt)
    key = _bead_key(doc, link, k)
    with st.container(key="bead_tools"):
        row = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
        for name_key, name, where, off in (
            ("src_first", src_name, "first", not ns or k == 0),
            ("src_last", src_name, "last", not ns or k == last),
            ("tgt_first", tgt_name, "first", not nt or k == 0),
            ("tgt_last", tgt_name, "last", not nt or k == last),
        ):
            arrow, goes = ("↑", "the bead above") if where == "first" else ("↓", "the bead below")
            _btn(
                row,
                f"{name} {where} {arrow}",
                name_key,
                _act,
                doc,
                name_key,
                disabled=off,
                help=f"Move the {where} {name} sentence of this bead to {goes}",
            )
        if link.status == "confirmed":
            _btn(row, "Unconfirm", "unconfirm", _act, doc, "unconfirm", icon="remove_done")
        if ns + nt > 2 or (ns + nt == 2 and ns != 1):
            widgets = (f"split_src_{key}", f"split_tgt_{key}")
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
        row = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
        by_id = {("src", s.id): s for s in a.source.sentences if s.id in link.src}
        by_id |= {("tgt", s.id): s for s in a.target.sentences if s.id in link.tgt}
        names = {"src": src_name, "tgt": tgt_name}
        options = [f"src:{i}" for i in link.src] + [f"tgt:{i}" for i in link.tgt]

        def label(option: str) -> str:
            side_, sid = option.split(":", 1)
            return f"{names[side_]} {sid}: {_short(by_id[(side_, sid)].text, 36)}"

        widget = f"sentence_{key}"
        last = st.session_state.get("_sentence", {}).get(doc.token)  # the one chosen before, if still here
        row.selectbox(
            "sentence",
            options,
            index=options.index(last) if last in options else 0,
            key=widget,
            width=340,
            format_func=label,
            on_change=_remember,
            args=(doc, widget),
        )
        if ns + nt > 1:
            _btn(row, "Mark unaligned", "unaligned", _unalign, doc, widget, icon="link_off")
        _btn(row, "Edit text", "edit_text", _start_editing, doc, widget, icon="edit")
        _btn(
            row,
            "Join with next sentence",
            "join_next",
            _join,
            doc,
            widget,
            icon="merge",
            help="Make the chosen sentence and the one after it one sentence (the beads holding them merge)",
        )
        editing = st.session_state.get("editing")
        if editing and editing[0] == doc.token and (editing[1], editing[2]) in by_id:
            _edit_form(doc, names[editing[1]], by_id[(editing[1], editing[2])], editing[1], key)


def _edit_form(doc: Doc, lang: str, sentence, side_: str, key: str) -> None:
    """The text of one sentence to edit; a line break splits it there."""
    area = f"edit_area_{key}_{side_}_{sentence.id}"
    with st.container(key="editor"), st.form("edit_form", border=False):
        st.text_area(f"{lang} {sentence.id}", value=sentence.text, key=area, height=110)
        row = st.container(horizontal=True, gap="small", vertical_alignment="center")
        row.form_submit_button(
            "Save text",
            key="save_text",
            type="primary",
            icon=":material/save:",
            on_click=_edit_text,
            args=(doc, area, side_, sentence.id),
        )
        row.form_submit_button("Cancel", key="cancel_text", on_click=_stop_editing)
        row.caption(
            "Ctrl+Enter saves. A line break splits the sentence there. The text file is saved at once, "
            "and the other alignments of this text follow."
        )


def _window(cur: int, indices: list[int], size: int) -> list[int]:
    """The rows to show: a page of ``indices`` around the current bead."""
    pos = next((i for i, k in enumerate(indices) if k >= cur), len(indices) - 1)
    start = max(0, min(pos - size // 4, len(indices) - size))
    return indices[start : start + size]


def _review_view(doc: Doc, a: store.Alignment, extra: dict[str, list[str]]) -> None:
    _toolbar(doc, a)
    matches = _matches(a)
    _find_bar(doc, a, matches)
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
    marks: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for m in matches:
        marks.setdefault((m.side, m.sentence), []).append((m.start, m.end))
    src_marks = {sid: spans for (which, sid), spans in marks.items() if which == "src"}
    tgt_marks = {sid: spans for (which, sid), spans in marks.items() if which == "tgt"}
    widths = [0.6, 5, 5, *([4.5] * len(extra)), 1.35]
    with st.container(key="bead_head"):
        head = st.columns(widths, vertical_alignment="bottom")
        for c, name in zip(head[1:], [a.source.version, a.target.version, *extra, "confidence"], strict=True):
            c.markdown(_head(name), unsafe_allow_html=True)
    run = st.session_state.get("_runs", 0)
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
            anchor = (
                f'<span class="wb-cur" data-key="{html.escape(doc.token)}|{k}" data-run="{run}"></span>'
                if current
                else ""
            )
            cols[1].markdown(
                anchor + _sentences_html([src[i] for i in link.src], a.source.language, src_marks),
                unsafe_allow_html=True,
            )
            cols[2].markdown(
                _sentences_html([tgt[i] for i in link.tgt], a.target.language, tgt_marks),
                unsafe_allow_html=True,
            )
            for c, name in zip(cols[3:-1], extra, strict=True):
                text, lang = extra[name][k], html.escape(name.split(".")[0])
                body = (
                    f'<p class="wb-sent" lang="{lang}">{html.escape(text)}</p>'
                    if text
                    else '<p class="wb-none">–</p>'
                )
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
        disabled=doc.cur == 0,
    )
    _btn(
        nav,
        "Later",
        "page_down",
        _move,
        doc,
        "page_down",
        icon="keyboard_double_arrow_down",
        disabled=doc.cur >= n - 1,
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


def _stats_view(a: store.Alignment) -> None:
    """The alignment in pictures: beads of each shape, the confidence histogram, reviewed against total."""
    import altair as alt
    import pandas as pd

    stats = review.statistics(a)
    cols = st.columns(4)
    cols[0].metric("beads", stats.total)
    share = stats.reviewed / max(stats.total, 1)
    cols[1].metric("reviewed", f"{stats.reviewed} of {stats.total}", help=f"{share:.0%} confirmed or edited")
    cols[2].metric(
        f"below {store.LOW_CONFIDENCE}", stats.by_level["low"], help="beads with a low confidence (red)"
    )
    cols[3].metric(
        "sentences left unaligned",
        f"{stats.unaligned[0]} + {stats.unaligned[1]}",
        help=f"{a.source.version} + {a.target.version}: sentences in 1-0 and 0-1 beads",
    )
    left, right = st.columns(2, gap="large")
    shapes = pd.DataFrame({"shape": list(stats.shapes), "beads": list(stats.shapes.values())})
    shapes["kind"] = [
        "unaligned" if "0" in s.split("-") else "1-1" if s == "1-1" else "merged" for s in shapes["shape"]
    ]
    colours = alt.Scale(domain=["1-1", "merged", "unaligned"], range=["#2f9d5a", "#d99400", "#8a8f98"])
    with left:
        st.markdown("**Beads of each shape** (source-target sentences)")
        st.altair_chart(
            alt.Chart(shapes)
            .mark_bar()
            .encode(
                x=alt.X("shape:N", sort=list(stats.shapes), title=None, axis=alt.Axis(labelAngle=0)),
                y=alt.Y("beads:Q", title="beads"),
                color=alt.Color("kind:N", scale=colours, legend=alt.Legend(orient="bottom", title=None)),
                tooltip=["shape:N", "beads:Q"],
            )
            .properties(height=260),
            key="stat_shapes",
        )
    hist = pd.DataFrame(
        [
            {"from": lo, "to": hi, "beads": n, "level": store.confidence_level((lo + hi) / 2)}
            for lo, hi, n in stats.histogram
        ]
    )
    levels = alt.Scale(domain=["low", "medium", "high"], range=["#d64541", "#d99400", "#2f9d5a"])
    with right:
        st.markdown("**Confidence** (beads per band of 0.1)")
        st.altair_chart(
            alt.Chart(hist)
            .mark_bar(stroke="#fff")
            .encode(
                x=alt.X("from:Q", bin="binned", scale=alt.Scale(domain=[0, 1]), title="confidence"),
                x2="to:Q",
                y=alt.Y("beads:Q", title="beads"),
                color=alt.Color("level:N", scale=levels, legend=alt.Legend(orient="bottom", title=None)),
                tooltip=["from:Q", "to:Q", "beads:Q"],
            )
            .properties(height=260),
            key="stat_hist",
        )
    order = {"confirmed": 0, "edited": 1, "auto": 2}
    status = pd.DataFrame(
        {"status": list(order), "beads": [stats.by_status[k] for k in order], "order": list(order.values())}
    )
    st.markdown(f"**Reviewed against total**: {stats.reviewed} of {stats.total} beads confirmed or edited")
    st.altair_chart(
        alt.Chart(status)
        .mark_bar(size=34)
        .encode(
            x=alt.X(
                "sum(beads):Q", stack="zero", title="beads", scale=alt.Scale(domain=[0, max(stats.total, 1)])
            ),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=list(order), range=["#2f9d5a", "#1f6feb", "#d0d4da"]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            order=alt.Order("order:Q"),
            tooltip=["status:N", "beads:Q"],
        )
        .properties(height=60),
        key="stat_status",
    )


@st.cache_data(max_entries=16, show_spinner="Comparing the translations…")
def _comparison(root: str, article_id: str, human: str, machine: str, stamp: tuple):
    """compare_versions, cached until one of the texts or alignments changes (``stamp``)."""
    from workbench.compare import compare_versions

    ws = Workspace(Path(root))

    def factory():
        names, params = PRESETS[DEFAULT_PRESET]
        return _aligner(names, params), "+".join(names)

    return compare_versions(ws, ws.article(article_id), human, machine, aligner_factory=factory)


def _base(language: str) -> str:
    return language.split("-")[0]


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
    # A language with both first: the view opens on a pair it can compare.
    paired = {_base(m.language) for m in machines}
    humans.sort(key=lambda v: _base(v.language) not in paired)
    row = st.container(horizontal=True)
    human = row.selectbox(
        "Human translation", [v.id for v in humans], key=f"cmp_human_{article.id}", width=260
    )
    lang = article.version(human).language
    same = [v.id for v in machines if _base(v.language) == _base(lang)]
    if not same:
        st.info(f"No machine translation into {lang} yet: make one in the Translate view.")
        return
    machine = row.selectbox("Machine translation", same, key=f"cmp_machine_{article.id}", width=260)
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
    langs = ("", article.source().language, lang, article.version(machine).language)
    with st.container(key="cmp_head"):
        head = st.columns([1, 4, 4, 4])
        for c, name in zip(head, ["chrF", result.source, human, machine], strict=True):
            c.markdown(_head(name), unsafe_allow_html=True)
    with st.container(key="cmp_rows"):
        for r in result.most_different(5):
            with st.container(border=True):
                c = st.columns([1, 4, 4, 4])
                c[0].markdown(
                    f'<span class="wb-conf" style="background:{_chrf_colour(r.chrf)}">{r.chrf:.0f}</span>'
                    f'<span class="wb-ids">{html.escape(" ".join(r.source_ids))}</span>',
                    unsafe_allow_html=True,
                )
                for col, text, code in zip(c[1:], (r.source, r.human, r.machine), langs[1:], strict=True):
                    col.markdown(
                        f'<p class="wb-sent" lang="{html.escape(code)}">{html.escape(text)}</p>',
                        unsafe_allow_html=True,
                    )
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
    from workbench.translate import job as mt

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
    failure = None
    with st.status(f"Translating {source.id} into {lang} with {engine_name}…", expanded=True) as box:
        bar = st.progress(0.0, text="loading the model")
        try:
            batch = mt.plan_batch(ws, [article], lang, engine_name, force=force)
            if batch.skipped:
                version_id = batch.skipped[0].version_id
                box.update(label=f"{version_id} exists already", state="complete")
                st.info(f"{article.id} already has {version_id}; switch on *Translate again* to redo it.")
                return
            before = {v.id: v.created for v in article.versions}
            progress = lambda d, t: bar.progress(d / max(t, 1), text=f"{d} of {t}")  # noqa: E731
            ((_, done),) = mt.run_batch(ws, batch, progress)
            if isinstance(done, Exception):
                raise done
        except FAILURES as exc:
            failure = exc
        else:
            box.update(label=f"Translated: {done.version.id}", state="complete")
    if failure is not None:
        _failed(box, "Translation failed", failure)
        return
    _docs().pop((article.id, done.version.id), None)
    if before.get(done.version.id) == done.version.created:
        _flash("info", f"{done.version.id} came out the same as before: nothing was written.")
    else:
        _flash(
            "success",
            f"Made {done.version.id} ({done.sentences} sentences, {done.version.origin}). "
            "Pick it as the translation to review, or compare it in Machine vs human.",
        )
    st.rerun()


# --- document pairs of a corpus ------------------------------------------------------------------------


@st.cache_data(max_entries=8, show_spinner=False)
def _queue(path: str, stamp: tuple):
    """The corpus's pairs, doubtful and low-margin first; cached until its tables change (``stamp``)."""
    from workbench import corpus
    from workbench.corpus import queue as pairqueue

    return pairqueue.queue(corpus.CorpusFolder.open(Path(path)))


def _pair_stamp(folder) -> tuple:
    return tuple(_mtime(folder.table_path(t)) for t in ("pairs", "documents", "candidates", "decisions"))


def _pair_move(key: str, order: list[str], step: int) -> None:
    cur = st.session_state.get(key)
    k = order.index(cur) if cur in order else 0
    st.session_state[key] = order[max(0, min(k + step, len(order) - 1))]


def _pair_decide(folder, key: str, order: list[str], action: str, src_id: str | None = None) -> None:
    """Save a decision on the current pair; go on to the next pair (not after "clear")."""
    from workbench.corpus import queue as pairqueue

    tgt = st.session_state.get(key)
    try:
        row = pairqueue.decide(folder, tgt, action, src_id)
    except FAILURES as exc:
        _flash("warning", str(exc))
        return
    said = {
        "accept": f"Accepted {row['src_id']} as the source of {tgt}.",
        "reject": f"Rejected the pair of {tgt}"
        + (
            f": {row['src_id']} ({row['decision']}) takes its place."
            if isinstance(row["src_id"], str)
            else "."
        ),
        "none": f"{tgt}: no translation in the archive.",
        "clear": f"{tgt}: your decision is forgotten; the pipeline's stands ({row['decision']}).",
    }
    _flash("success", said[action])
    if action != "clear":
        _pair_move(key, order, 1)


def _evidence(value: float) -> str:
    """A candidate's feature, "–" where it has none (a target without names)."""
    return "–" if value != value else f"{value:.2f}"


def _story_html(story, empty: str = "") -> str:
    if story is None:
        return f'<p class="wb-none">{html.escape(empty)}</p>'
    title = html.escape(story.title) if story.title else '<span class="wb-none">no title</span>'
    lang = html.escape(story.language)
    about = f"{html.escape(story.doc_id)} · {html.escape(story.date)} · {story.sentences} sentences"
    return (
        f'<p class="wb-sent" lang="{lang}"><span class="wb-sid">{about}</span><br><b>{title}</b></p>'
        f'<p class="wb-sent" lang="{lang}">{html.escape(story.lead)}</p>'
    )


def _pairs_view(ws: Workspace) -> None:
    """The review queue of a corpus's document pairs: judge each pair by its stories' leads, its score and
    margin and its runner-up candidates; accept, reject, take another candidate or say there is none; open
    the pair's sentence alignment in the review view."""
    from workbench import corpus
    from workbench.corpus import queue as pairqueue

    try:
        corpora = corpus.list_corpora(ws.root)
    except FAILURES as exc:
        st.error(str(exc))
        return
    if not corpora:
        st.info(
            f"No corpus in {ws.root / corpus.CORPORA} yet. Build one from an archive of stories, e.g. "
            "`workbench corpus build stories.parquet --name kcna --src en --tgt es`; its document pairs "
            "are then reviewed here."
        )
        return
    by_name = {c.path.name: c for c in corpora}
    name = st.sidebar.selectbox("Corpus", list(by_name), key="corpus")
    folder = by_name[name]
    try:
        frame = _queue(str(folder.path), _pair_stamp(folder))
    except FAILURES as exc:
        st.error(str(exc))
        return
    if frame.empty:
        st.info(f"Corpus {name} has no pairs: its archive holds no target stories to pair.")
        return
    shown = st.sidebar.multiselect(
        "Pairs decided", corpus.DECISIONS, default=list(corpus.DECISIONS), key=f"pair_filter_{name}"
    )
    # The queue keeps its order while the reviewer works through it ("Sort again" puts decided ones last).
    order_key = f"pair_order_{name}"
    if order_key not in st.session_state or st.session_state.pop("_pair_resort", False):
        st.session_state[order_key] = frame["tgt_id"].tolist()
    rows = frame.set_index("tgt_id")
    order = [t for t in st.session_state[order_key] if t in rows.index and rows.loc[t, "decision"] in shown]
    order += [
        t for t in rows.index if t not in st.session_state[order_key] and rows.loc[t, "decision"] in shown
    ]
    if not order:
        st.info("No pair has the decisions chosen in the sidebar.")
        return
    key = f"pair_pick_{name}"
    if st.session_state.get(key) not in order:
        st.session_state[key] = order[0]
    person = int((frame["decided_by"] == "person").sum())
    st.progress(
        person / len(frame),
        text=f"**{person} of {len(frame)} pairs decided by a person** · corpus {name} · "
        + " · ".join(f"{n} {d}" for d, n in frame["decision"].value_counts().items()),
    )
    _show_flash()
    nav = st.container(horizontal=True, gap="small", vertical_alignment="bottom", key="pair_nav")
    k = order.index(st.session_state[key])
    _btn(nav, "Previous pair", "pair_prev", _pair_move, key, order, -1, icon="arrow_upward", disabled=k == 0)
    _btn(
        nav,
        "Next pair",
        "pair_next",
        _pair_move,
        key,
        order,
        1,
        icon="arrow_downward",
        disabled=k == len(order) - 1,
    )

    titles = {t: rows.loc[t, "tgt_title"] for t in order}

    def label(t: str) -> str:  # (no decision in it: a label that changes would make the box a new one)
        title = titles[t] if isinstance(titles[t], str) and titles[t] else "(no title)"
        return f"{t} · {_short(title, 60)}"

    nav.selectbox("pair", order, key=key, format_func=label, width=460, label_visibility="collapsed")
    nav.caption(f"pair {k + 1} of {len(order)}")
    if nav.button(
        "Sort again", key="pair_resort", icon=":material/sort:", help="Doubtful and low-margin first"
    ):
        st.session_state["_pair_resort"] = True
        st.rerun()
    tgt = st.session_state[key]
    try:
        view = pairqueue.pair_view(folder, tgt)
    except FAILURES as exc:
        st.error(str(exc))
        return
    colour = {"auto": "#2f9d5a", "accepted": "#2f9d5a", "doubtful": "#d99400", "none": "#8a8f98"}
    badge = (
        f'<span class="wb-conf" style="background:{colour.get(view.decision, "#d64541")}">'
        f"{view.decision}</span> "
        f"by {html.escape(view.decided_by)}: {html.escape(view.reason)}"
    )
    score = "–" if view.score is None else f"{view.score:.2f}"
    margin = "–" if view.margin is None else f"{view.margin:.2f}"
    st.markdown(f"{badge} · score **{score}** · margin **{margin}**", unsafe_allow_html=True)
    with st.container(key="pair_stories"):
        left, right = st.columns(2, gap="large")
        left.markdown(_head(f"target ({view.target.language})"), unsafe_allow_html=True)
        left.markdown(_story_html(view.target), unsafe_allow_html=True)
        right.markdown(
            _head("source" + (f" ({view.source.language})" if view.source else "")), unsafe_allow_html=True
        )
        right.markdown(
            _story_html(view.source, "no source story: no translation found"), unsafe_allow_html=True
        )
    acts = st.container(horizontal=True, gap="small", key="pair_actions")
    has_src = view.source is not None
    _btn(
        acts,
        "Accept",
        "pair_accept",
        _pair_decide,
        folder,
        key,
        order,
        "accept",
        icon="check",
        type="primary",
        disabled=not has_src,
    )
    _btn(
        acts,
        "Reject",
        "pair_reject",
        _pair_decide,
        folder,
        key,
        order,
        "reject",
        icon="close",
        disabled=not has_src,
    )
    _btn(acts, "No translation", "pair_none", _pair_decide, folder, key, order, "none", icon="block")
    _btn(
        acts,
        "Forget my decision",
        "pair_clear",
        _pair_decide,
        folder,
        key,
        order,
        "clear",
        icon="undo",
        disabled=view.decided_by != "person",
    )
    open_pair = _btn(
        acts, "Open the sentence alignment", "pair_open", None, icon="open_in_new", disabled=not has_src
    )
    st.markdown(
        f"**Candidates** for {tgt}, by rank (the pipeline's evidence: final score, lead similarity, "
        "names, numbers)"
    )
    with st.container(key="pair_candidates"):
        for n, c in enumerate(view.candidates[:9], 1):
            with st.container(border=True):
                cols = st.columns([1.2, 6, 1.6], vertical_alignment="center")
                paired = has_src and c.story.doc_id == view.source.doc_id
                cols[0].markdown(
                    f'<span class="wb-conf" style="background:{"#2f9d5a" if paired else "#8a8f98"}">'
                    f"{c.score:.2f}</span>"
                    f'<span class="wb-ids">sim {_evidence(c.sim)} (ratio {_evidence(c.ratio)}) · '
                    f"names {_evidence(c.names)} · numbers {_evidence(c.numbers)}</span>",
                    unsafe_allow_html=True,
                )
                cols[1].markdown(
                    _story_html(replace(c.story, lead=_short(c.story.lead, 260))), unsafe_allow_html=True
                )
                if paired:
                    cols[2].caption("the pair's source now")
                else:
                    _btn(
                        cols[2],
                        f"Take {n}",
                        f"pair_choose_{n}",
                        _pair_decide,
                        folder,
                        key,
                        order,
                        "accept",
                        c.story.doc_id,
                    )
    if open_pair:
        with st.status(f"Opening the pair of {tgt}…", expanded=True) as box:
            bar = st.progress(0.0, text="aligning the pair's sentences if they are not yet")
            try:
                aid, target = pairqueue.open_for_review(
                    folder, ws, tgt, progress=lambda what, d, t: bar.progress(d / max(t, 1), text=what)
                )
            except FAILURES as exc:
                failure = exc
            else:
                failure = None
        if failure is not None:
            _failed(box, "Could not open the pair", failure)
            return
        st.session_state["_switch"] = (aid, target)
        st.rerun()


# --- the page ------------------------------------------------------------------------------------------


def _link_value(name: str) -> str | None:
    """A value of the page's link (``?article=…&target=…&bead=…``), read on a session's first run only."""
    link = st.session_state.get("_link")
    if link is None:
        link = st.session_state["_link"] = {k: st.query_params.get(k) for k in ("article", "target", "bead")}
    return link.get(name)


def _from_link(name: str, options: list[str], what: str) -> None:
    """Preselect the link's ``name`` (once): a value that is not there is said, not taken."""
    value = _link_value(name)
    if value is None or st.session_state.get(f"_link_{name}_done"):
        return
    st.session_state[f"_link_{name}_done"] = True
    if value in options:
        st.session_state[name] = value
    else:
        _flash("warning", f"The link names {what} {value!r}, which is not here: showing {options[0]}.")


def _link_bead(doc: Doc) -> None:
    """Make the link's bead current (once, for the alignment the link opened)."""
    value = _link_value("bead")
    if value is None or st.session_state.get("_link_bead_done"):
        return
    st.session_state["_link_bead_done"] = True
    n = len(doc.history.present.links)
    if value.isdigit() and 1 <= int(value) <= n:
        doc.cur = int(value) - 1
    else:
        _flash("warning", f"The link names bead {value!r}; this alignment has beads 1 to {n}.")


def _update_link(article: str, target: str | None, doc: Doc | None) -> None:
    """The page's address says where the reviewer is, so that it can be sent to a colleague."""
    want = {"article": article}
    if target:
        want["target"] = target
    if doc is not None:
        want["bead"] = str(doc.cur + 1)
    if {k: st.query_params.get(k) for k in ("article", "target", "bead")} != {
        k: want.get(k) for k in ("article", "target", "bead")
    }:
        st.query_params.from_dict(want)


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
    _from_link("article", list(by_id), "article")
    chosen = st.sidebar.selectbox(
        "Article", list(by_id), key="article", format_func=lambda i: f"{_short(by_id[i].title, 48)} · {i}"
    )
    article = by_id[chosen]
    about = " · ".join(x for x in (str(article.date or ""), article.publisher) if x)
    st.sidebar.markdown(
        f'<div class="wb-about"><b>{html.escape(article.title)}</b><br><code>{html.escape(article.id)}</code>'
        f"{' · ' + html.escape(about) if about else ''}</div>",
        unsafe_allow_html=True,
    )
    return article


def _not_aligned(ws: Workspace, article: texts.Article, target: str) -> None:
    st.info(f"**{target}** is not aligned to the English yet.")
    names = PRESETS[st.session_state.get("preset", DEFAULT_PRESET)][0]
    if warning := coverage_warning(names, (article.source().language, article.version(target).language)):
        st.warning(f"{warning}.", icon=":material/translate:")
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
    from workbench.export import articles as export

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
        _link_bead(doc)
    _check_disk(doc)
    if _docs().get(key) is not doc:  # reloaded from disk, or gone
        st.rerun()
    return doc, None


def _article_page(ws: Workspace, view: str, title) -> None:
    """Everything of one article: the sidebar's choices, then the view (``title``: where its title goes)."""
    article = _pick_article(ws)
    if article is None:
        return
    title.subheader(article.title)
    try:
        article.source()
    except texts.TextsError as exc:
        st.error(str(exc))
        return
    by_id = {v.id: v for v in article.translations()}
    doc = problem = target = None
    chosen: list[str] = []
    if by_id:  # the sidebar is the same in every view, so that no choice is forgotten
        _from_link("target", list(by_id), "translation")
        if st.session_state.get("target") not in by_id:  # another article's: this one's first
            st.session_state["target"] = next(iter(by_id))
        target = st.sidebar.selectbox(
            "Translation",
            list(by_id),
            key="target",
            format_func=lambda v: f"{v} · {by_id[v].kind_label}, {_short(by_id[v].origin, 30)}",
        )
        st.session_state["extra"] = [
            v for v in st.session_state.get("extra", []) if v in by_id and v != target
        ]
        chosen = st.sidebar.multiselect(
            "Other versions as columns",
            [v for v in by_id if v != target],
            key="extra",
            help="Other translations, lined up with these beads through the English",
        )
        doc, problem = _load(ws, article, target)
    _sidebar_doc(doc)
    _sidebar_settings()
    _update_link(article.id, target, doc)
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
    elif view == "Statistics":
        _stats_view(a)
    else:
        _review_view(doc, a, _other_columns(ws, article, a, chosen))


def main() -> None:
    st.set_page_config(page_title="workbench · review", page_icon=":material/translate:", layout="wide")
    st.session_state["_runs"] = st.session_state.get("_runs", 0) + 1
    st.html(_page_head(), unsafe_allow_javascript=True)
    ws = Workspace.find()
    st.sidebar.markdown("## workbench")
    st.sidebar.caption(f"folder: **{ws.root.name or ws.root}**", help=str(ws.root))
    switch = st.session_state.pop("_switch", None)
    if switch is not None:  # a document pair opened for review: its article, in the review view
        st.session_state["article"], st.session_state["target"] = switch
        st.session_state["view"] = "Review"
    title = st.container()
    view = st.segmented_control(
        "View",
        VIEWS,
        default=None if "view" in st.session_state else VIEWS[0],
        key="view",
        required=True,
        label_visibility="collapsed",
    )
    if view == "Document pairs":
        title.subheader("Document pairs")
        _show_flash()
        _pairs_view(ws)
    else:
        _article_page(ws, view, title)
    # The run's last element: once its number is on the page, everything this run drew is there too
    # (what the browser tests wait for after an action).
    st.sidebar.html(f'<span id="wb-run" data-run="{st.session_state["_runs"]}" hidden></span>')


if __name__ == "__main__":
    main()
