"""The review app's editing session, without Streamlit: the alignments open in a browser tab, each a ``Doc``
(its undo history, the revision and modification time of the file when last read or written, unsaved
changes, a conflict with the file on disk); opening, reloading, saving, the check against the file on disk;
the edits and their undo (the undo of a text edit puts the text file back, and is itself undone if it
cannot); where the current bead goes; the order of a corpus's queue of document pairs.

What the session has to tell the user goes to ``Session.notes`` as ``(kind, text)``, ``kind`` one of
``info``, ``success``, ``warning``, ``error``; the app shows them on its next run. The rules about the files
themselves (atomic writes, revisions, conflicts, copies kept beside a file) are
``workbench.store.alignments``'.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.review import beads as review
from workbench.review import search, textedit
from workbench.store import alignments as store
from workbench.store import texts
from workbench.workspace import Workspace

FAILURES = (WorkbenchError, OSError)  # said to the user; anything else is a bug and shows its traceback
PAGE_SIZES = (10, 20, 50)

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

Note = tuple[str, str]
Edit = Callable[[store.Alignment], store.Alignment]
TextOp = Callable[[Workspace, texts.Article, store.Alignment], textedit.TextEdit | None]


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

    @property
    def size(self) -> int:
        """The number of beads now."""
        return self.history.size

    def go(self, k: int) -> None:
        """Make bead ``k`` current (the nearest bead there is)."""
        self.cur = max(0, min(k, self.size - 1))


def open_doc(path: Path, article: str, target: str) -> Doc:
    """Read the alignment file ``path``; raises store.AlignmentError (or FileNotFoundError)."""
    mtime = store.file_mtime(path)  # before reading: a change after it is noticed by the next check
    record = store.load_alignment(path)
    return Doc(article, target, path, review.History(record), record.revision, mtime)


def window(cur: int, indices: list[int], size: int) -> list[int]:
    """The rows to show: a page of ``indices`` around the current bead."""
    pos = next((i for i, k in enumerate(indices) if k >= cur), len(indices) - 1)
    start = max(0, min(pos - size // 4, len(indices) - size))
    return indices[start : start + size]


def pair_order(kept: Iterable[str], decisions: dict[str, str], shown: Collection[str]) -> list[str]:
    """The queue of document pairs as the reviewer works through it: the targets in the order ``kept`` (as
    sorted last), then any new since (``decisions``, target -> decision, in the corpus's order), only those
    whose decision is ``shown``."""
    kept = list(kept)
    known = set(kept)
    order = [t for t in kept if t in decisions and decisions[t] in shown]
    return order + [t for t, d in decisions.items() if t not in known and d in shown]


def pair_step(order: list[str], cur: str | None, step: int) -> str:
    """The pair ``step`` places from ``cur`` in ``order`` (from the first if ``cur`` is not in it), kept
    within the queue."""
    k = order.index(cur) if cur in order else 0
    return order[max(0, min(k + step, len(order) - 1))]


@dataclass
class Session:
    """The alignments open in one browser tab (``docs``, by (article, translation)), what is to be said
    (``notes``), and whether an edit is saved at once (``autosave``)."""

    docs: dict[tuple[str, str], Doc] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    autosave: bool = True

    def say(self, kind: str, text: str) -> None:
        self.notes.append((kind, text))

    # --- the file ---------------------------------------------------------------------------------------

    def open(self, path: Path, article: str, target: str) -> Doc:
        """Open the alignment file ``path`` (store.AlignmentError if it cannot be read) and keep it."""
        doc = self.docs[(article, target)] = open_doc(path, article, target)
        return doc

    def reload(self, doc: Doc, note: str = "") -> None:
        """Read the file again, dropping what is unsaved; a file gone or unreadable closes the alignment."""
        try:
            fresh = open_doc(doc.path, doc.article, doc.target)
        except FileNotFoundError:
            self.docs.pop((doc.article, doc.target), None)
            self.say("warning", f"{doc.path} is gone: align the translation again.")
            return
        except store.AlignmentError as exc:
            self.docs.pop((doc.article, doc.target), None)  # the next run shows the corrupt-file screen
            self.say("error", f"Cannot reload: {exc}")
            return
        fresh.go(doc.cur)
        self.docs[(doc.article, doc.target)] = fresh
        self.say("info", note or f"Reloaded {doc.path.name} (revision {fresh.revision}).")

    def check_disk(self, doc: Doc) -> None:
        """Notice a file changed by another tab or the CLI: reload it if nothing here is unsaved, else
        record the conflict."""
        if doc.conflict:
            return
        check = store.check_disk(doc.path, doc.revision, doc.mtime)
        if check.reload(unsaved=doc.dirty):
            self.reload(
                doc, f"{doc.path.name} changed on disk (revision {check.revision}): loaded the new version."
            )
        elif check.state == "unchanged":
            doc.mtime = check.mtime
        else:
            doc.conflict = check.conflict(doc.path, unsaved=doc.dirty)

    def save(self, doc: Doc, auto: bool = False) -> bool:
        """Save atomically, refusing (a conflict) if the file changed on disk since it was loaded. Nothing
        unsaved: nothing is written (no new revision)."""
        if not doc.dirty and not doc.conflict:
            if not auto:
                self.say("info", f"Nothing to save: {doc.path.name} (revision {doc.revision}) is as shown.")
            return True
        try:
            saved = store.save_alignment(doc.path, doc.history.present, expected_revision=doc.revision)
        except store.ConflictError as exc:
            doc.conflict = str(exc)
            return False
        except store.CorruptAlignmentError as exc:
            doc.conflict = f"the file on disk cannot be read any more ({exc})"
            return False
        except FAILURES as exc:  # cannot be written, or another process holds it too long
            self.say("error", f"Could not save {doc.path}: {exc}")
            return False
        doc.revision, doc.mtime, doc.dirty, doc.conflict = (
            saved.revision,
            store.file_mtime(doc.path),
            False,
            "",
        )
        doc.saved_at = datetime.now().strftime("%H:%M:%S")
        if not auto:
            self.say("success", f"Saved {doc.path.name} (revision {saved.revision}).")
        return True

    def changed(self, doc: Doc, always: bool = False) -> None:
        """Something changed: save it now if autosave is on (``always``: whatever autosave says)."""
        doc.dirty = True
        if (always or self.autosave) and not doc.conflict:
            self.save(doc, auto=True)

    def keep_both(self, doc: Doc) -> None:
        """Write this tab's version next to the file as a copy of its own, then load the file on disk."""
        try:
            copy = store.keep_both(doc.path, doc.history.present)
        except FAILURES as exc:
            self.say("error", f"Could not keep your version beside {doc.path}: {exc}")
            return
        self.reload(doc, f"Your version is kept as `{copy}`; the editor now shows the file on disk.")

    # --- edits ------------------------------------------------------------------------------------------

    def push(self, doc: Doc, new: store.Alignment, cur: int) -> None:
        """Make ``new`` the current state (an equal one changes nothing: no unsaved change, no revision)."""
        changed = doc.history.push(new)
        doc.go(cur)
        if changed:
            self.changed(doc)

    def edit(self, doc: Doc, op: Edit, cur: int) -> None:
        """Apply ``op`` (alignment -> new alignment), then make bead ``cur`` current; a refused edit warns."""
        try:
            new = op(doc.history.present)
        except review.ReviewError as exc:
            self.say("warning", str(exc))
            return
        self.push(doc, new, cur)

    def act(self, doc: Doc, name: str) -> None:
        """Apply the edit ``name`` (see ACTIONS) to the current bead."""
        op, then = ACTIONS[name]
        k = doc.cur
        self.edit(doc, lambda a: op(a, k), k + then)

    def split(self, doc: Doc, src_at: int, tgt_at: int) -> None:
        k = doc.cur
        self.edit(doc, lambda a: review.split(a, k, src_at, tgt_at), k)

    def chosen(self, doc: Doc, value: str | None) -> tuple[str, str] | None:
        """The (side, sentence id) of a sentence box's ``value`` ("src:p1.s2"), if it is a sentence of the
        current bead (else a warning, and None)."""
        side, _, sid = (value or "").partition(":")
        link = doc.history.present.links[doc.cur]
        if side not in review.SIDES or sid not in (link.src if side == "src" else link.tgt):
            self.say("warning", f"Choose a sentence of bead {doc.cur + 1} first.")
            return None
        return side, sid

    def unalign(self, doc: Doc, value: str | None) -> None:
        chosen = self.chosen(doc, value)
        if chosen:
            k = doc.cur
            self.edit(doc, lambda a: review.mark_unaligned(a, k, *chosen), k)

    def text_op(self, doc: Doc, name: str, op: TextOp) -> None:
        """Run a text edit ``op(ws, article, alignment) -> TextEdit | None`` and push its alignment. A text
        edit is saved at once, whatever autosave says: the text file and the alignment must agree."""
        ws = Workspace.find()
        try:
            done = op(ws, ws.article(doc.article), doc.history.present)
        except FAILURES as exc:
            self.say("warning", str(exc))
            return
        if done is None:
            self.say("info", "The text is unchanged.")
            return
        doc.history.texts.update(done.texts)
        doc.history.push(done.alignment)
        doc.go(doc.cur)
        self.changed(doc, always=True)
        self._text_report(f"{name} in {done.version}", done)

    def _text_report(self, what: str, done: textedit.TextEdit) -> None:
        carried = [v for v, how in done.others.items() if how == "carried over"]
        note = f" Carried over: {', '.join(carried)}." if carried else ""
        self.say("success", f"{what} (the text and the alignment are saved).{note}")
        for version, how in done.others.items():
            if how != "carried over":
                self.say("warning", f"{version}: {how}")

    def edit_text(self, doc: Doc, side: str, sid: str, text: str) -> None:
        """Give sentence ``sid`` the text ``text`` (a line break splits it there)."""
        self.text_op(
            doc, f"Edited {sid}", lambda ws, art, a: textedit.edit_sentence(ws, art, a, side, sid, text)
        )

    def join(self, doc: Doc, value: str | None) -> None:
        """Join the chosen sentence with the one after it."""
        chosen = self.chosen(doc, value)
        if chosen:
            side, sid = chosen
            self.text_op(
                doc,
                f"Joined {sid} with the sentence after it",
                lambda ws, art, a: textedit.join_sentences(ws, art, a, side, sid),
            )

    def undo(self, doc: Doc, redo: bool = False) -> None:
        """Undo (or redo) the last edit. The undo of a text edit puts the text file back as that state has
        it; if that fails the alignment stays as it is too (the step is taken back) and an error says why."""
        before = doc.history.present
        try:
            new = doc.history.redo() if redo else doc.history.undo()
        except review.ReviewError as exc:
            self.say("info", f"{str(exc).capitalize()}.")
            return
        texts_changed = (new.source, new.target) != (before.source, before.target)
        if texts_changed:
            ws = Workspace.find()
            try:
                done = textedit.restore(ws, ws.article(doc.article), new, doc.history.texts)
            except FAILURES as exc:  # the text stays as it is: so does the alignment
                if redo:
                    doc.history.undo()
                else:
                    doc.history.redo()
                self.say("error", f"Cannot {'redo' if redo else 'undo'} the text edit: {exc}")
                return
            for step in done:
                self._text_report(f"{'Redone' if redo else 'Undone'} in {step.version}", step)
        doc.go(doc.cur)
        self.changed(doc, always=texts_changed)

    # --- moves ------------------------------------------------------------------------------------------

    def move(
        self,
        doc: Doc,
        how: str,
        page: int = PAGE_SIZES[0],
        threshold: float = review.LOW_CONFIDENCE,
        matches: list[search.Match] | None = None,
        query: str = "",
    ) -> None:
        """Change the current bead: ``prev``, ``next``, ``first``, ``last``, ``page_up``, ``page_down`` (by
        ``page`` beads), ``unconfirmed``, ``low`` (below ``threshold``), ``match`` (``match_back``: the
        previous bead with a match; ``matches`` of the search ``query``), or a bead number (0-based)."""
        a = doc.history.present
        moves = {
            "prev": doc.cur - 1,
            "next": doc.cur + 1,
            "first": 0,
            "last": len(a.links) - 1,
            "page_up": doc.cur - page,
            "page_down": doc.cur + page,
        }
        if how in moves:
            k = moves[how]
        elif how == "unconfirmed":
            k = review.next_unconfirmed(a, doc.cur)
            if k is None:
                self.say("success", "Every bead is confirmed.")
                return
        elif how == "low":
            k = review.next_low_confidence(a, doc.cur, threshold)
            if k is None:
                self.say("info", f"No unconfirmed bead has a confidence below {threshold:.2f}.")
                return
        elif how in ("match", "match_back"):
            k = search.next_bead(matches or [], doc.cur, backwards=how == "match_back")
            if k is None:
                self.say("info", "Nothing matches the search." if query else "Type what to find.")
                return
        else:
            k = int(how)
        doc.go(k)

    def first_match(self, doc: Doc, found: list[search.Match]) -> None:
        """A new search: go to the first bead with a match, from the current one on."""
        if found:
            k = search.next_bead(found, doc.cur - 1)
            doc.cur = doc.cur if k is None else k

    def goto(self, doc: Doc, where: str) -> None:
        """Go to a bead number (1-based) or the bead of a sentence id (``ko:p3.s2`` for the translation's)."""
        where = where.strip()
        if not where:
            return
        try:
            doc.cur = search.locate(doc.history.present, where)
        except search.SearchError as exc:
            self.say("warning", str(exc))
