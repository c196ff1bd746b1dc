"""Reviewing an alignment: the edits a person makes to its beads, undo and redo, navigation, re-aligning
the unreviewed stretches around reviewed beads, carrying reviewed beads over to a changed text (and, exactly,
over sentences a reviewer edited, split or joined: :func:`follow`), the similarity picture, statistics, and
other translations of the article lined up through the source.

Every edit is a pure function: it takes an :class:`~workbench.store.alignments.Alignment` and a bead index
and returns a new, validated alignment, leaving its input untouched (unchanged links are shared, never
mutated). Beads a person changed get status ``edited``, beads a person approved ``confirmed``.

A bead's note and flag (:func:`set_note`) stay with it through every edit that keeps the bead: moving a
sentence in or out (a bead whose last sentence moves gives them to the bead that takes it), confirming,
marking a sentence unaligned (the sentence leaves alone, without them).
Merged beads join their notes (one per line, each distinct note once) and are flagged if either was;
both parts of a split bead keep the note and the flag (so merging them back gives the note once). A
re-align keeps the beads it finds again as they were, note, status and confidence included, and gives
the note of a bead it changed to the bead that now holds its first sentence.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from workbench.align.aligner import Aligner
from workbench.errors import WorkbenchError
from workbench.store.alignments import (
    LOW_CONFIDENCE,
    REVIEWED,
    AlignedSide,
    Alignment,
    Link,
    carry_notes,
    confidence_level,
    is_reviewed,
    link_contents,
    reviewed_count,
    validate,
)
from workbench.text.segment import Sentence

__all__ = [
    "LOW_CONFIDENCE",
    "REVIEWED",
    "SIDES",
    "History",
    "RealignResult",
    "ReviewError",
    "Statistics",
    "bead_boxes",
    "confirm",
    "confirm_through",
    "follow",
    "low_confidence",
    "mark_unaligned",
    "merge_next",
    "merge_prev",
    "move_first",
    "move_last",
    "next_low_confidence",
    "next_unconfirmed",
    "progress",
    "realign",
    "realign_rest",
    "rebase",
    "set_note",
    "split",
    "statistics",
    "unconfirm",
    "version_columns",
]

log = logging.getLogger(__name__)

# REVIEWED (confirmed or edited: kept as anchors when re-aligning) and LOW_CONFIDENCE come from alignments.
SIDES = ("src", "tgt")
DITTO = "〃"  # in a version column: the same text as the row above (one link spanning several rows)


class ReviewError(WorkbenchError):
    """An edit that cannot be made here; the message says why and what to do instead."""


# --- helpers ------------------------------------------------------------------------------------------


def _bead(alignment: Alignment, k: int) -> Link:
    if not 0 <= k < len(alignment.links):
        raise ReviewError(f"there is no bead {k + 1} (the alignment has {len(alignment.links)})")
    return alignment.links[k]


def _side(side: str) -> str:
    if side not in SIDES:
        raise ReviewError(f"side must be 'src' or 'tgt', not {side!r}")
    return side


def _ids(link: Link, side: str) -> list[str]:
    return link.src if side == "src" else link.tgt


def _with(link: Link, side: str, ids: list[str], status: str = "edited") -> Link:
    """``link`` with ``ids`` on ``side``, its note and flag kept."""
    src, tgt = (ids, list(link.tgt)) if side == "src" else (list(link.src), ids)
    return Link(src, tgt, link.score, status, link.note, link.flag)


def _status(link: Link, status: str) -> Link:
    """``link`` with another status, its note and flag kept."""
    return Link(list(link.src), list(link.tgt), link.score, status, link.note, link.flag)


def _joined(links: Sequence[Link]) -> tuple[str, bool]:
    """The note and flag of beads merged into one: their distinct notes, one per line, and any flag."""
    notes = list(dict.fromkeys(link.note for link in links if link.note))
    return "\n".join(notes), any(link.flag for link in links)


def _moved(into: Link, rest: Link) -> tuple[Link, Link]:
    """After a sentence moved from ``rest`` into ``into``: a ``rest`` left empty gives ``into`` its note."""
    if rest.src or rest.tgt:
        return into, rest
    note, flag = _joined([into, rest])
    return replace(into, note=note, flag=flag), rest


def _replace_links(alignment: Alignment, start: int, stop: int, new: list[Link]) -> Alignment:
    """A copy of ``alignment`` with links ``start:stop`` replaced by ``new`` (empty beads dropped)."""
    new = [link for link in new if link.src or link.tgt]
    result = replace(alignment, links=[*alignment.links[:start], *new, *alignment.links[stop:]])
    validate(result)
    return result


# --- edits --------------------------------------------------------------------------------------------


def merge_next(alignment: Alignment, k: int) -> Alignment:
    """Merge bead ``k`` with the bead after it."""
    a = _bead(alignment, k)
    if k + 1 >= len(alignment.links):
        raise ReviewError("the last bead has no next bead to merge with")
    b = alignment.links[k + 1]
    merged = Link([*a.src, *b.src], [*a.tgt, *b.tgt], min(a.score, b.score), "edited", *_joined([a, b]))
    return _replace_links(alignment, k, k + 2, [merged])


def merge_prev(alignment: Alignment, k: int) -> Alignment:
    """Merge bead ``k`` with the bead before it."""
    _bead(alignment, k)
    if k == 0:
        raise ReviewError("the first bead has no previous bead to merge with")
    return merge_next(alignment, k - 1)


def split(alignment: Alignment, k: int, src_at: int, tgt_at: int) -> Alignment:
    """Split bead ``k`` in two: the first keeps its first ``src_at`` source and ``tgt_at`` target
    sentences, the second the rest. Neither part may be empty."""
    link = _bead(alignment, k)
    if not (0 <= src_at <= len(link.src) and 0 <= tgt_at <= len(link.tgt)):
        raise ReviewError(
            f"cannot split bead {k + 1} after source sentence {src_at} and target sentence {tgt_at}: "
            f"it has {len(link.src)} and {len(link.tgt)}"
        )
    first = Link(link.src[:src_at], link.tgt[:tgt_at], link.score, "edited", link.note, link.flag)
    second = Link(link.src[src_at:], link.tgt[tgt_at:], link.score, "edited", link.note, link.flag)
    if not (first.src or first.tgt) or not (second.src or second.tgt):
        raise ReviewError(f"splitting bead {k + 1} there would leave one part empty; choose another place")
    return _replace_links(alignment, k, k + 1, [first, second])


def move_first(alignment: Alignment, k: int, side: str) -> Alignment:
    """Move the first ``side`` sentence of bead ``k`` to the end of the bead before it (a bead left
    empty disappears)."""
    link, side = _bead(alignment, k), _side(side)
    ids = _ids(link, side)
    if not ids:
        raise ReviewError(f"bead {k + 1} has no {_name(side)} sentence to move")
    if k == 0:
        raise ReviewError("the first bead has no bead before it; mark the sentence unaligned instead")
    prev = alignment.links[k - 1]
    into, rest = _moved(_with(prev, side, [*_ids(prev, side), ids[0]]), _with(link, side, ids[1:]))
    return _replace_links(alignment, k - 1, k + 1, [into, rest])


def move_last(alignment: Alignment, k: int, side: str) -> Alignment:
    """Move the last ``side`` sentence of bead ``k`` to the start of the bead after it (a bead left
    empty disappears)."""
    link, side = _bead(alignment, k), _side(side)
    ids = _ids(link, side)
    if not ids:
        raise ReviewError(f"bead {k + 1} has no {_name(side)} sentence to move")
    if k + 1 >= len(alignment.links):
        raise ReviewError("the last bead has no bead after it; mark the sentence unaligned instead")
    nxt = alignment.links[k + 1]
    into, rest = _moved(_with(nxt, side, [ids[-1], *_ids(nxt, side)]), _with(link, side, ids[:-1]))
    return _replace_links(alignment, k, k + 2, [rest, into])


def mark_unaligned(alignment: Alignment, k: int, side: str, sentence_id: str) -> Alignment:
    """Take sentence ``sentence_id`` out of bead ``k`` into a bead of its own with nothing on the other
    side (1-0 or 0-1). Only the first or last sentence of a side can go; split the bead first otherwise."""
    link, side = _bead(alignment, k), _side(side)
    ids = _ids(link, side)
    if sentence_id not in ids:
        raise ReviewError(f"{_name(side)} sentence {sentence_id} is not in bead {k + 1}")
    other = link.tgt if side == "src" else link.src
    if len(ids) == 1 and not other:
        raise ReviewError(f"{_name(side)} sentence {sentence_id} is already unaligned")
    alone = Link([sentence_id], [], link.score, "edited")
    if side == "tgt":
        alone = Link([], [sentence_id], link.score, "edited")
    if ids[0] == sentence_id:
        return _replace_links(alignment, k, k + 1, [alone, _with(link, side, ids[1:])])
    if ids[-1] == sentence_id:
        return _replace_links(alignment, k, k + 1, [_with(link, side, ids[:-1]), alone])
    raise ReviewError(
        f"{_name(side)} sentence {sentence_id} is in the middle of bead {k + 1}: split the bead first, "
        "then mark it unaligned"
    )


def confirm(alignment: Alignment, k: int) -> Alignment:
    """Mark bead ``k`` as confirmed by a person."""
    return _replace_links(alignment, k, k + 1, [_status(_bead(alignment, k), "confirmed")])


def unconfirm(alignment: Alignment, k: int) -> Alignment:
    """Take back the confirmation of bead ``k``: it becomes ``auto`` again, so re-aligning may change it."""
    return _replace_links(alignment, k, k + 1, [_status(_bead(alignment, k), "auto")])


def confirm_through(alignment: Alignment, k: int) -> Alignment:
    """Confirm every bead from the first up to and including ``k``."""
    _bead(alignment, k)
    done = [_status(x, "confirmed") for x in alignment.links[: k + 1]]
    return _replace_links(alignment, 0, k + 1, done)


def set_note(alignment: Alignment, k: int, note: str, flag: bool) -> Alignment:
    """Give bead ``k`` the note ``note`` ("" for none) and the flag ``flag``; its status stays as it is."""
    link = _bead(alignment, k)
    if not isinstance(note, str):
        raise ReviewError(f"a note is text, not {type(note).__name__}")
    new = Link(list(link.src), list(link.tgt), link.score, link.status, note.strip(), bool(flag))
    return _replace_links(alignment, k, k + 1, [new])


def _name(side: str) -> str:
    return "source" if side == "src" else "target"


# --- undo and redo ------------------------------------------------------------------------------------

_Snapshot = tuple[Alignment, tuple[tuple[tuple[str, ...], tuple[str, ...], float, str, str, bool], ...]]


def _freeze(alignment: Alignment, previous: _Snapshot | None = None) -> _Snapshot:
    """An immutable copy of ``alignment``; links equal to ones of ``previous`` are shared with it, so that a
    long history of a long article costs little memory."""
    known = {link[0]: link for link in previous[1]} if previous else {}
    links = []
    for x in alignment.links:
        link = (tuple(x.src), tuple(x.tgt), x.score, x.status, x.note, x.flag)
        old = known.get(link[0])
        links.append(old if old == link else link)
    return replace(alignment, links=[]), tuple(links)


def _thaw(snapshot: _Snapshot) -> Alignment:
    template, links = snapshot
    return replace(template, links=[Link(list(s), list(t), *rest) for s, t, *rest in links])


class History:
    """Undo and redo over immutable snapshots of an alignment's links (and sides, for a rebase or a text
    edit). ``texts`` keeps, by content hash, the texts a text edit replaced or wrote, so that undoing the
    edit can put the text back as it was (see ``workbench.review.textedit.restore``)."""

    def __init__(self, alignment: Alignment, limit: int = 500):
        validate(alignment)
        self.limit = limit
        self._past: list[_Snapshot] = []
        self._future: list[_Snapshot] = []
        self._present = _freeze(alignment)
        self.texts: dict[str, str] = {}

    @property
    def present(self) -> Alignment:
        """A fresh copy of the current alignment (changing it does not change the history)."""
        return _thaw(self._present)

    @property
    def size(self) -> int:
        """The number of beads now (without copying the alignment, as ``present`` does)."""
        return len(self._present[1])

    @property
    def can_undo(self) -> bool:
        return bool(self._past)

    @property
    def can_redo(self) -> bool:
        return bool(self._future)

    def push(self, alignment: Alignment) -> bool:
        """Make ``alignment`` the current state; the one before it can be restored with :meth:`undo`. An
        alignment equal to the current one changes nothing (no undo step): returns whether it changed."""
        validate(alignment)
        frozen = _freeze(alignment, self._present)
        if frozen == self._present:
            return False
        self._past.append(self._present)
        del self._past[: -self.limit]
        self._future.clear()
        self._present = frozen
        return True

    def undo(self) -> Alignment:
        if not self._past:
            raise ReviewError("nothing to undo")
        self._future.append(self._present)
        self._present = self._past.pop()
        return self.present

    def redo(self) -> Alignment:
        if not self._future:
            raise ReviewError("nothing to redo")
        self._past.append(self._present)
        self._present = self._future.pop()
        return self.present


# --- navigation ---------------------------------------------------------------------------------------


def _next(alignment: Alignment, start: int, wanted) -> int | None:
    """The first bead after ``start`` (wrapping around to the top, ``start`` itself last) that is wanted."""
    n = len(alignment.links)
    for step in range(1, n + 1):
        k = (start + step) % n
        if wanted(alignment.links[k]):
            return k
    return None


def next_unconfirmed(alignment: Alignment, start: int = -1) -> int | None:
    """Index of the next bead after ``start`` not yet reviewed (confirmed or edited), wrapping around; None
    if all are."""
    return _next(alignment, start, lambda x: not is_reviewed(x))


def next_low_confidence(
    alignment: Alignment, start: int = -1, threshold: float = LOW_CONFIDENCE
) -> int | None:
    """Index of the next unreviewed bead after ``start`` with confidence below ``threshold``, wrapping
    around; None if there is none."""
    return _next(alignment, start, lambda x: not is_reviewed(x) and x.score < threshold)


def low_confidence(alignment: Alignment, threshold: float = LOW_CONFIDENCE) -> list[int]:
    """Indices of the unreviewed beads with confidence below ``threshold``."""
    return [k for k, x in enumerate(alignment.links) if not is_reviewed(x) and x.score < threshold]


def progress(alignment: Alignment) -> tuple[int, int]:
    """(reviewed beads, all beads): the count ``workbench list`` shows too."""
    return reviewed_count(alignment), len(alignment.links)


@dataclass(frozen=True, slots=True)
class Statistics:
    """What an alignment is made of (see :func:`statistics`)."""

    total: int
    reviewed: int
    by_status: dict[str, int]  # auto, confirmed, edited
    shapes: dict[str, int]  # "1-1", "2-1", "1-0", ...: beads of each shape, the most frequent first
    histogram: list[tuple[float, float, int]]  # (from, to, beads) over [0, 1]
    by_level: dict[str, int]  # low, medium, high: the colours of the badges
    unaligned: tuple[int, int]  # source and target sentences in no link with the other side


def statistics(alignment: Alignment, bins: int = 10) -> Statistics:
    """Beads of each shape and status, a confidence histogram of ``bins`` bins, reviewed against total."""
    links = alignment.links
    shapes = Counter(f"{len(x.src)}-{len(x.tgt)}" for x in links)
    counts = [0] * bins
    for x in links:
        counts[min(int(x.score * bins), bins - 1)] += 1
    status = Counter(x.status for x in links)
    level = Counter(confidence_level(x.score) for x in links)
    return Statistics(
        total=len(links),
        reviewed=reviewed_count(alignment),
        by_status={k: status.get(k, 0) for k in ("auto", "confirmed", "edited")},
        shapes=dict(sorted(shapes.items(), key=lambda kv: (-kv[1], kv[0]))),
        histogram=[(k / bins, (k + 1) / bins, n) for k, n in enumerate(counts)],
        by_level={k: level.get(k, 0) for k in ("low", "medium", "high")},
        unaligned=(
            sum(len(x.src) for x in links if not x.tgt),
            sum(len(x.tgt) for x in links if not x.src),
        ),
    )


# --- re-aligning around reviewed beads ------------------------------------------------------------------


def _align_gap(src: Sequence[Sentence], tgt: Sequence[Sentence], aligner: Aligner) -> list[Link]:
    if not src and not tgt:
        return []
    beads = aligner.align([s.text for s in src], [s.text for s in tgt])
    return [
        Link([src[i].id for i in b.src], [tgt[j].id for j in b.tgt], float(b.score), "auto") for b in beads
    ]


def _fill(
    source: AlignedSide, target: AlignedSide, anchors: list[tuple[int, int, int, int, Link]], aligner: Aligner
) -> list[Link]:
    """Links that keep ``anchors`` (source rows r0:r1, target rows c0:c1, in order) and align each
    stretch between them on its own."""
    links: list[Link] = []
    r = c = 0
    n, m = len(source.sentences), len(target.sentences)
    for r0, r1, c0, c1, link in [*anchors, (n, n, m, m, None)]:
        links += _align_gap(source.sentences[r:r0], target.sentences[c:c0], aligner)
        if link is not None:
            links.append(link)
        r, c = r1, c1
    return links


def bead_boxes(alignment: Alignment) -> list[tuple[int, int, int, int]]:
    """Each bead as sentence rows ``(r0, r1, c0, c1)``: source ``r0:r1`` against target ``c0:c1`` (an
    unaligned sentence has an empty range on the other side, at the boundary where it sits)."""
    boxes = []
    r = c = 0
    for link in alignment.links:
        boxes.append((r, r + len(link.src), c, c + len(link.tgt)))
        r, c = r + len(link.src), c + len(link.tgt)
    return boxes


def _keep_found(old: Alignment, new: Alignment) -> Alignment:
    """``new`` where each bead that ``old`` has too (the same sentences, the same texts) is the old one, its
    confidence, status and note kept; the notes of old beads that are gone go where
    :func:`~workbench.store.alignments.carry_notes` puts them."""
    old_links = dict(zip(link_contents(old), old.links, strict=True))
    links = [old_links.get(key, x) for key, x in zip(link_contents(new), new.links, strict=True)]
    return carry_notes(old, replace(new, links=links))


@dataclass(frozen=True, slots=True)
class RealignResult:
    """A re-align (see :func:`realign`): the new alignment, and what changed, by 0-based index: beads of
    the new alignment that replace one of the old (``changed``) or are new (``added``), and beads of the
    old alignment that are gone (``removed``). Every other bead is the old one, as it was."""

    alignment: Alignment
    changed: list[int]
    added: list[int]
    removed: list[int]

    def summary(self) -> str:
        """What the re-align changed, in words (beads numbered from 1)."""
        parts = [
            f"{len(ks)} {what} ({', '.join(str(k + 1) for k in ks)})"
            for what, ks in (("changed", self.changed), ("added", self.added), ("removed", self.removed))
            if ks
        ]
        if not parts:
            return "The re-align changed no bead."
        return f"The re-align changed beads: {'; '.join(parts)}; the other beads are as they were."


def _changes(old: Alignment, new: Alignment) -> RealignResult:
    changed: list[int] = []
    added: list[int] = []
    removed: list[int] = []
    matcher = SequenceMatcher(None, link_contents(old), link_contents(new), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        both = min(i2 - i1, j2 - j1)
        changed += range(j1, j1 + both)
        added += range(j1 + both, j2)
        removed += range(i1 + both, i2)
    return RealignResult(new, changed, added, removed)


def realign(alignment: Alignment, aligner: Aligner, keep: Sequence[str] = REVIEWED) -> RealignResult:
    """Re-run the aligner on the stretches between reviewed beads only; beads whose status is in ``keep``
    (confirmed and edited) stay exactly as they are, as fixed anchors, and so does every bead the aligner
    finds again (its confidence, status and note too: a stretch aligned on its own scores its beads
    differently than the whole text does). Says which beads changed."""
    anchors = [
        (*box, link)
        for box, link in zip(bead_boxes(alignment), alignment.links, strict=True)
        if link.status in keep
    ]
    links = _fill(alignment.source, alignment.target, anchors, aligner)
    result = _keep_found(alignment, replace(alignment, links=links))
    return _changes(alignment, result)


def realign_rest(alignment: Alignment, aligner: Aligner, keep: Sequence[str] = REVIEWED) -> Alignment:
    """The alignment :func:`realign` makes."""
    return realign(alignment, aligner, keep).alignment


def _find(sentences: Sequence[Sentence], run: list[Sentence], start: int) -> int | None:
    """Where the texts of ``run`` occur as consecutive sentences at or after ``start``: the position with
    the same ids if the texts match there, else the first match."""
    texts = [s.text for s in run]
    size = len(texts)
    ids = {s.id: i for i, s in enumerate(sentences)}
    same = ids.get(run[0].id)
    if same is not None and same >= start and [s.text for s in sentences[same : same + size]] == texts:
        return same
    for i in range(start, len(sentences) - size + 1):
        if sentences[i].text == texts[0] and [s.text for s in sentences[i : i + size]] == texts:
            return i
    return None


def rebase(
    old: Alignment, source: AlignedSide, target: AlignedSide, aligner: Aligner, keep: Sequence[str] = REVIEWED
) -> tuple[Alignment, list[Link]]:
    """Carry an alignment over to changed texts: re-align against the new ``source`` and ``target`` sides
    and keep each reviewed bead whose sentences are still there unchanged, in order.

    Returns the new alignment (same revision and creation time as ``old``, so that it saves over it) and
    the reviewed links that could not be kept. Beads found again with the same sentences and texts stay as
    they were (confidence and note too); see :func:`realign`. A reviewed bead with one empty side is kept
    only right after a kept bead (or at the very start), where its place on the other side is certain.
    """
    old_src = {s.id: s for s in old.source.sentences}
    old_tgt = {s.id: s for s in old.target.sentences}
    anchors: list[tuple[int, int, int, int, Link]] = []
    dropped: list[Link] = []
    r = c = 0  # the first free row on each side of the new texts
    previous_kept = True  # whether the bead before (in ``old``) was kept; the start counts as kept
    for link in old.links:
        if link.status not in keep:
            previous_kept = False
            continue
        src_run = [old_src[i] for i in link.src]
        tgt_run = [old_tgt[i] for i in link.tgt]
        if not src_run or not tgt_run:
            if not previous_kept:
                dropped.append(link)
                continue
            r0 = _find(source.sentences, src_run, r) if src_run else r
            c0 = _find(target.sentences, tgt_run, c) if tgt_run else c
            if r0 != r or c0 != c:  # not directly after the previous anchor
                r0 = c0 = None
        else:
            r0 = _find(source.sentences, src_run, r)
            c0 = _find(target.sentences, tgt_run, c)
        if r0 is None or c0 is None:
            dropped.append(link)
            previous_kept = False
            continue
        r1, c1 = r0 + len(src_run), c0 + len(tgt_run)
        ids_s = [s.id for s in source.sentences[r0:r1]]
        ids_t = [s.id for s in target.sentences[c0:c1]]
        anchors.append((r0, r1, c0, c1, Link(ids_s, ids_t, link.score, link.status, link.note, link.flag)))
        r, c = r1, c1
        previous_kept = True
    links = _fill(source, target, anchors, aligner)
    result = _keep_found(old, replace(old, source=source, target=target, links=links))
    if dropped:
        log.info("rebase of %s: %d reviewed beads changed and were re-aligned", old.article, len(dropped))
    return result, dropped


# --- following sentences a reviewer edited, split or joined ------------------------------------------------


def follow(alignment: Alignment, side: str, new: AlignedSide) -> Alignment:
    """Carry ``alignment`` over to new sentences of its ``side`` that keep the ids of the old ones: edited
    texts (same ids), a sentence split in several (the new ids join the bead of the sentence they follow)
    or two sentences joined (the id that goes was joined into the sentence before it; if they were in two
    beads, the beads between them merge). Every other bead stays as it is, reviewed ones included.

    ReviewError if the sentences the two share are not in the same order (a text changed otherwise:
    re-align it, or :func:`rebase`)."""
    side = _side(side)
    old_ids = [s.id for s in (alignment.source if side == "src" else alignment.target).sentences]
    new_ids = [s.id for s in new.sentences]
    old_set, new_set = set(old_ids), set(new_ids)
    kept = [i for i in old_ids if i in new_set]
    if not kept or kept != [i for i in new_ids if i in old_set]:
        raise ReviewError(
            f"the sentences of {new.version} are not the ones {alignment.target.version} was aligned on, "
            "edited: re-align it"
        )
    into: dict[str, str] = {}  # a removed id -> the kept id its text went into
    last = None
    for i in old_ids:
        if i in new_set:
            last = i
        else:
            into[i] = last or kept[0]
    after: dict[str | None, list[str]] = {}  # a kept id (None: the start) -> the new ids right after it
    last = None
    for i in new_ids:
        if i in old_set:
            last = i
        else:
            after.setdefault(last, []).append(i)
    bead_of = {sid: k for k, link in enumerate(alignment.links) for sid in _ids(link, side)}
    n = len(alignment.links)
    reach = list(range(n))  # reach[k]: the last bead that bead k merges with
    for gone, kept_id in into.items():
        a, b = sorted((bead_of[gone], bead_of[kept_id]))
        reach[a] = max(reach[a], b)
    links: list[Link] = []
    k = 0
    while k < n:
        stop, j = reach[k], k
        while j <= stop:
            stop, j = max(stop, reach[j]), j + 1
        group = alignment.links[k : stop + 1]
        ids = []
        for sid in (x for link in group for x in _ids(link, side)):
            if sid in new_set:
                ids += [sid, *after.get(sid, [])]
        if None in after and kept[0] in ids:
            ids = [*after[None], *ids]
        other = [x for link in group for x in _ids(link, "tgt" if side == "src" else "src")]
        status = group[0].status if len(group) == 1 else "edited"
        score = min(link.score for link in group)
        if ids or other:
            src, tgt = (ids, other) if side == "src" else (other, ids)
            links.append(Link(src, tgt, score, status, *_joined(group)))
        k = stop + 1
    result = replace(alignment, links=links, **{"source" if side == "src" else "target": new})
    validate(result)
    return result


# --- other versions through the source --------------------------------------------------------------------


def version_columns(main: Alignment, others: Sequence[Alignment]) -> dict[str, list[str]]:
    """For each other alignment of the same source text, the text of its version that goes with each bead
    of ``main``, found through the shared source sentences. A link of another version that spans several
    beads of ``main`` shows in the first of them, and as ``〃`` in the rest; its unaligned sentences join
    the row of the link before them."""
    row_of: dict[str, int] = {}
    for k, link in enumerate(main.links):
        for sid in link.src:
            row_of[sid] = k
    columns: dict[str, list[str]] = {}
    for other in others:
        if (other.source.version, other.source.sha256) != (main.source.version, main.source.sha256):
            raise ReviewError(
                f"{other.target.version} was aligned to another source text than {main.target.version}; "
                f"re-align {other.target.version} first"
            )
        texts = {s.id: s.text for s in other.target.sentences}
        rows = [[] for _ in main.links]
        last = 0
        for link in other.links:
            text = " ".join(texts[t] for t in link.tgt)
            spans = sorted({row_of[sid] for sid in link.src})
            if not spans:
                if text:
                    rows[last].append(text)
                continue
            if text:
                rows[spans[0]].append(text)
                for k in range(spans[0] + 1, spans[-1] + 1):
                    rows[k].append(DITTO)
            last = spans[-1]
        columns[other.target.version] = [" ".join(parts) for parts in rows]
    return columns
