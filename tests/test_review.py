"""Tests for the review operations (workbench.review.beads): edits, undo/redo, navigation, re-aligning the
rest,
rebasing onto a changed text, the similarity matrix and other versions through the source."""

from __future__ import annotations

import shutil
import tracemalloc
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from cli_run import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.align.factory import make_aligner, resolve_models
from workbench.review import beads as review
from workbench.review.beads import ReviewError
from workbench.store import texts
from workbench.store.alignments import (
    AlignedSide,
    Alignment,
    Link,
    dumps,
    load_alignment,
    save_alignment,
    validate,
)
from workbench.text.segment import Sentence
from workbench.workspace import Workspace, side

REPO = Path(__file__).resolve().parents[1]
KWANGBOK = "kcna-2011-12-15-kwangbok-supermarket"
RODONG = "rodong-2024-08-09-general-offensive"


def sample(article: str = KWANGBOK, version: str = "es.kcna") -> Alignment:
    return load_alignment(REPO / "alignments" / article / f"{version}.json")


def make(beads: list[tuple[int, int]], statuses: list[str] | None = None) -> Alignment:
    """A synthetic alignment with beads of the given sizes (source, target sentences)."""
    n, m = sum(a for a, _ in beads), sum(b for _, b in beads)
    src = [Sentence(f"p{i + 1}.s1", f"source {i}", i + 1) for i in range(n)]
    tgt = [Sentence(f"p{j + 1}.s1", f"target {j}", j + 1) for j in range(m)]
    links, r, c = [], 0, 0
    for k, (a, b) in enumerate(beads):
        status = statuses[k] if statuses else "auto"
        links.append(
            Link([s.id for s in src[r : r + a]], [t.id for t in tgt[c : c + b]], 0.1 * (k % 10), status)
        )
        r, c = r + a, c + b
    alignment = Alignment(
        "synthetic",
        AlignedSide("en.source", "en", "sha256:a", src),
        AlignedSide("es.test", "es", "sha256:b", tgt),
        links,
        "use-m3",
        {},
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
        3,
    )
    validate(alignment)
    return alignment


def shape(alignment: Alignment) -> list[tuple[list[str], list[str], str]]:
    return [(x.src, x.tgt, x.status) for x in alignment.links]


@pytest.fixture(scope="module")
def aligner():
    names, params = resolve_models("fast")
    return make_aligner(names, params, cache=False)


# --- edits --------------------------------------------------------------------------------------------


def test_merge_next_and_prev():
    a = make([(1, 1), (1, 2), (2, 1), (1, 0)])
    before = dumps(a)
    merged = review.merge_next(a, 1)
    assert shape(merged) == [
        (["p1.s1"], ["p1.s1"], "auto"),
        (["p2.s1", "p3.s1", "p4.s1"], ["p2.s1", "p3.s1", "p4.s1"], "edited"),
        (["p5.s1"], [], "auto"),
    ]
    assert merged.links[1].score == pytest.approx(min(a.links[1].score, a.links[2].score))
    assert dumps(a) == before  # the input is untouched
    assert shape(review.merge_prev(a, 2)) == shape(merged)
    with pytest.raises(ReviewError, match="no next bead"):
        review.merge_next(a, 3)
    with pytest.raises(ReviewError, match="no previous bead"):
        review.merge_prev(a, 0)
    with pytest.raises(ReviewError, match="no bead 9"):
        review.merge_next(a, 8)


def test_split():
    a = make([(1, 1), (3, 2)])
    s = review.split(a, 1, 1, 1)
    assert shape(s)[1:] == [(["p2.s1"], ["p2.s1"], "edited"), (["p3.s1", "p4.s1"], ["p3.s1"], "edited")]
    s = review.split(a, 1, 2, 0)  # the first part gets no target sentence: a 2-0 bead
    assert shape(s)[1:] == [(["p2.s1", "p3.s1"], [], "edited"), (["p4.s1"], ["p2.s1", "p3.s1"], "edited")]
    with pytest.raises(ReviewError, match="empty"):
        review.split(a, 1, 0, 0)
    with pytest.raises(ReviewError, match="empty"):
        review.split(a, 1, 3, 2)
    with pytest.raises(ReviewError, match="it has 3 and 2"):
        review.split(a, 1, 4, 1)


def test_move_first_and_last():
    a = make([(1, 1), (2, 2), (1, 1)])
    m = review.move_first(a, 1, "src")
    assert shape(m) == [
        (["p1.s1", "p2.s1"], ["p1.s1"], "edited"),
        (["p3.s1"], ["p2.s1", "p3.s1"], "edited"),
        (["p4.s1"], ["p4.s1"], "auto"),
    ]
    m = review.move_last(a, 1, "tgt")
    assert shape(m) == [
        (["p1.s1"], ["p1.s1"], "auto"),
        (["p2.s1", "p3.s1"], ["p2.s1"], "edited"),
        (["p4.s1"], ["p3.s1", "p4.s1"], "edited"),
    ]
    # Moving the only sentences out of a bead makes it disappear.
    gone = review.move_first(review.move_first(a, 2, "src"), 2, "tgt")
    assert len(gone.links) == 2 and gone.links[-1].src == ["p2.s1", "p3.s1", "p4.s1"]
    with pytest.raises(ReviewError, match="no bead before"):
        review.move_first(a, 0, "src")
    with pytest.raises(ReviewError, match="no bead after"):
        review.move_last(a, 2, "tgt")
    with pytest.raises(ReviewError, match="side must be"):
        review.move_last(a, 0, "left")
    with pytest.raises(ReviewError, match="no target sentence"):
        review.move_first(make([(1, 1), (1, 0)]), 1, "tgt")


def test_mark_unaligned():
    a = make([(1, 1), (3, 1), (1, 1)])
    first = review.mark_unaligned(a, 1, "src", "p2.s1")
    assert shape(first)[1:3] == [(["p2.s1"], [], "edited"), (["p3.s1", "p4.s1"], ["p2.s1"], "edited")]
    last = review.mark_unaligned(a, 1, "src", "p4.s1")
    assert shape(last)[1:3] == [(["p2.s1", "p3.s1"], ["p2.s1"], "edited"), (["p4.s1"], [], "edited")]
    target = review.mark_unaligned(a, 0, "tgt", "p1.s1")  # a 1-1 bead becomes 0-1 and 1-0
    assert shape(target)[:2] == [([], ["p1.s1"], "edited"), (["p1.s1"], [], "edited")]
    with pytest.raises(ReviewError, match="middle"):
        review.mark_unaligned(a, 1, "src", "p3.s1")
    with pytest.raises(ReviewError, match="not in bead"):
        review.mark_unaligned(a, 0, "src", "p3.s1")
    with pytest.raises(ReviewError, match="already unaligned"):
        review.mark_unaligned(last, 2, "src", "p4.s1")


def test_confirm_unconfirm_and_confirm_through():
    a = make([(1, 1)] * 5)
    c = review.confirm(a, 2)
    assert [x.status for x in c.links] == ["auto", "auto", "confirmed", "auto", "auto"]
    assert [x.status for x in review.unconfirm(c, 2).links] == ["auto"] * 5
    t = review.confirm_through(review.merge_next(a, 3), 1)
    assert [x.status for x in t.links] == ["confirmed", "confirmed", "auto", "edited"]
    assert review.progress(t) == (3, 4)  # reviewed beads, confirmed or edited: as `workbench list` counts
    assert review.next_unconfirmed(t, 1) == 2 and review.next_unconfirmed(t, 2) == 2  # the edited one is done
    assert [x.score for x in t.links[:2]] == [x.score for x in a.links[:2]]


# --- properties ---------------------------------------------------------------------------------------

bead_sizes = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 3)).filter(lambda ab: ab != (0, 0)), min_size=1, max_size=12
)
operations = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "merge_next",
                "merge_prev",
                "split",
                "move_first",
                "move_last",
                "unaligned",
                "confirm",
                "through",
                "note",
            ]
        ),
        st.integers(0, 15),
        st.sampled_from(review.SIDES),
        st.integers(0, 4),
        st.integers(0, 4),
    ),
    max_size=25,
)


def apply(alignment: Alignment, op: tuple) -> Alignment:
    name, k, side_, i, j = op
    if name == "split":
        return review.split(alignment, k, i, j)
    if name in ("move_first", "move_last"):
        return getattr(review, name)(alignment, k, side_)
    if name == "unaligned":
        link = alignment.links[k] if k < len(alignment.links) else Link([], [], 0.0)
        ids = link.src if side_ == "src" else link.tgt
        return review.mark_unaligned(alignment, k, side_, ids[i % len(ids)] if ids else "p0.s0")
    if name == "through":
        return review.confirm_through(alignment, k)
    if name == "note":
        return review.set_note(alignment, k, f"note {i}" if i else "", bool(j % 2))
    return getattr(review, name)(alignment, k)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bead_sizes, operations)
def test_edits_keep_a_monotonic_partition_and_undo_restores_exactly(beads, ops):
    a = make(beads)
    history = review.History(a)
    states = [dumps(a)]
    for op in ops:
        current = history.present
        before = dumps(current)
        try:
            new = apply(current, op)
        except ReviewError:
            assert dumps(current) == before
            continue
        assert dumps(current) == before  # edits never change their input
        validate(new)  # every sentence in exactly one bead, in document order on both sides
        flat_src = [sid for x in new.links for sid in x.src]
        assert flat_src == [s.id for s in a.source.sentences]
        assert [t for x in new.links for t in x.tgt] == [s.id for s in a.target.sentences]
        assert all(x.src or x.tgt for x in new.links)
        if op[0] != "note":  # no edit but a note's own loses a note or a flag
            lines = {line for x in new.links for line in x.note.split("\n")}
            assert {line for x in current.links if x.note for line in x.note.split("\n")} <= lines
            assert any(x.flag for x in new.links) >= any(x.flag for x in current.links)
        # Beads a person did not touch keep their status; touched ones are edited or confirmed.
        untouched = {(tuple(x.src), tuple(x.tgt), x.status) for x in current.links}
        for x in new.links:
            if (tuple(x.src), tuple(x.tgt), x.status) not in untouched:
                assert x.status in review.REVIEWED
        changed = history.push(new)
        assert changed == (dumps(new) != before)  # an edit that changes nothing is no undo step
        if changed:
            states.append(dumps(new))
    for expected in reversed(states[:-1]):
        assert dumps(history.undo()) == expected
    assert not history.can_undo
    for expected in states[1:]:
        assert dumps(history.redo()) == expected
    assert not history.can_redo


# --- history ------------------------------------------------------------------------------------------


def test_history_snapshots_are_immutable_and_bounded():
    a = make([(1, 1)] * 4)
    h = review.History(a, limit=3)
    with pytest.raises(ReviewError, match="nothing to undo"):
        h.undo()
    present = h.present
    present.links[0].status = "confirmed"  # changing a copy does not change the history
    present.links.pop()
    assert dumps(h.present) == dumps(a)
    for k in range(4):
        h.push(review.confirm(h.present, k))
    assert [x.status for x in h.present.links] == ["confirmed"] * 4
    for _ in range(3):
        h.undo()
    assert not h.can_undo  # only the last three states were kept
    assert [x.status for x in h.present.links] == ["confirmed", "auto", "auto", "auto"]
    h.redo()
    h.push(review.merge_next(h.present, 2))  # a new edit drops the redo stack
    assert not h.can_redo
    assert h.size == len(h.present.links) == 3  # the size without a copy
    with pytest.raises(ReviewError, match="nothing to redo"):
        h.redo()


@pytest.mark.slow
def test_history_of_a_long_article_stays_small():
    """Snapshots share their unchanged links: 200 edits of a 500-bead alignment take well under 5 MB."""
    h = review.History(make([(1, 1)] * 500))
    tracemalloc.start()
    try:
        for k in range(200):
            h.push(review.confirm(h.present, k))
        used, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert used < 5_000_000
    for _ in range(200):
        h.undo()
    assert review.progress(h.present) == (0, 500)


# --- navigation ---------------------------------------------------------------------------------------


def test_navigation():
    a = make([(1, 1)] * 6)
    a = replace(
        a, links=[replace(x, score=s) for x, s in zip(a.links, [0.9, 0.2, 0.95, 0.4, 0.9, 0.1], strict=True)]
    )
    a = review.confirm(a, 1)
    assert review.next_unconfirmed(a, 0) == 2
    assert review.next_unconfirmed(a) == 0
    assert review.next_low_confidence(a, 0) == 3  # bead 1 is low but confirmed
    assert review.next_low_confidence(a, 3) == 5
    assert review.next_low_confidence(a, 5) == 3  # wraps around
    assert review.next_low_confidence(a, 0, threshold=0.05) is None
    assert review.low_confidence(a) == [3, 5]
    assert review.low_confidence(a, threshold=0.95) == [0, 3, 4, 5]
    done = review.confirm_through(a, 5)
    assert review.next_unconfirmed(done, 2) is None
    assert review.progress(done) == (6, 6)


def test_bead_boxes():
    a = make([(1, 1), (2, 0), (0, 1), (1, 3)])
    assert review.bead_boxes(a) == [(0, 1, 0, 1), (1, 3, 1, 1), (3, 3, 1, 2), (3, 4, 2, 5)]


# --- with the real aligner --------------------------------------------------------------------------------


def test_realign_rest_keeps_reviewed_beads_and_realigns_the_rest(aligner):
    a = sample()
    a = review.merge_next(review.confirm(a, 1), 8)  # one confirmed, one edited bead
    links = a.links
    # A wrong automatic stretch: beads 3-7 lumped into one.
    lump = Link([s for x in links[2:7] for s in x.src], [t for x in links[2:7] for t in x.tgt], 0.3, "auto")
    broken = replace(a, links=[*links[:2], lump, *links[7:]])
    fixed = review.realign_rest(broken, aligner)
    validate(fixed)
    # the lump is split back into its 1-1 beads, and every automatic stretch comes out as the aligner
    # aligns it
    assert shape(fixed)[2:7] == shape(a)[2:7]
    assert shape(fixed) == shape(review.realign_rest(a, aligner))
    for x in fixed.links:
        if x.status in review.REVIEWED:
            assert any(x == y for y in broken.links)  # reviewed beads are kept exactly
    everything = review.confirm_through(broken, len(broken.links) - 1)
    assert dumps(review.realign_rest(everything, aligner)) == dumps(everything)


def test_rebase_keeps_unchanged_reviewed_beads(aligner, workspace):
    ws = Workspace(workspace)
    old = review.confirm_through(sample(), 5)  # beads 1-6 confirmed (p1..p6 on both sides)
    old = review.merge_next(old, 8)  # an edited bead: en p10-p11, es p9-p10
    # The Spanish text changes: a new paragraph after the title and a rewritten fourth paragraph.
    path = ws.texts / KWANGBOK / "es.kcna.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = "Este párrafo ha sido reescrito por completo."
    lines.insert(1, "Pyongyang, 15 de diciembre (ACNC) -- Nota de la redacción.")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    article = ws.article(KWANGBOK)
    source, target = side(article, "en.source"), side(article, "es.kcna")
    assert target.sha256 != old.target.sha256 and source.sha256 == old.source.sha256
    new, dropped = review.rebase(old, source, target, aligner)
    validate(new)
    assert (new.revision, new.created, new.target.sha256) == (old.revision, old.created, target.sha256)
    tgt_text = {s.id: s.text for s in target.sentences}
    old_tgt = {s.id: s.text for s in old.target.sentences}
    kept = [x for x in new.links if x.status in review.REVIEWED]
    # Bead 4 (es p4, rewritten) is dropped; the others are kept with the new ids (shifted by one).
    assert [x.src for x in dropped] == [["p4.s1"]]
    assert [x.src for x in kept] == [
        ["p1.s1"],
        ["p2.s1"],
        ["p3.s1"],
        ["p5.s1"],
        ["p6.s1"],
        ["p10.s1", "p11.s1"],
    ]
    assert kept[-1].status == "edited"
    for x, y in zip(kept, [old.links[k] for k in (0, 1, 2, 4, 5, 8)], strict=True):
        assert [tgt_text[t] for t in x.tgt] == [old_tgt[t] for t in y.tgt]
    assert kept[1].tgt == ["p3.s1"]  # was p2.s1 before the inserted paragraph
    # The new paragraph and the rewritten one are aligned automatically.
    auto = {tuple(x.tgt): x for x in new.links if x.status == "auto"}
    assert ("p2.s1",) in auto and auto[("p2.s1",)].src == []
    assert ("p5.s1",) in auto and auto[("p5.s1",)].src == ["p4.s1"]


def test_rebase_keeps_one_sided_beads_only_next_to_a_kept_bead(aligner):
    a = sample()
    a = review.mark_unaligned(a, 7, "src", "p9.s1")  # en p9 alone after bead 8, both edited
    a = review.confirm(a, 0)
    k = next(i for i, x in enumerate(a.links) if x.src == ["p9.s1"])
    same, dropped = review.rebase(a, a.source, a.target, aligner)
    assert dropped == [] and same.links[k].src == ["p9.s1"] and same.links[k].tgt == []
    lonely = review.unconfirm(review.confirm(a, k - 1), k - 1)  # the bead before is auto now
    _, dropped = review.rebase(lonely, a.source, a.target, aligner)
    assert [x.src for x in dropped] == [["p9.s1"]]


def test_similarity_matrix(aligner):
    a = sample()
    src, tgt = [s.text for s in a.source.sentences], [s.text for s in a.target.sentences]
    every = aligner.similarities(src, tgt)
    sims = every.block(0, len(src), 0, len(tgt))
    assert sims.shape == (len(src), len(tgt))
    # A block (what the app's view draws) is the same cells of the whole matrix; edges are clipped.
    np.testing.assert_allclose(every.block(2, 7, 1, 5), sims[2:7, 1:5], rtol=1e-5, atol=1e-6)
    assert every.block(-3, 2, len(tgt) - 1, len(tgt) + 9).shape == (2, 1)
    assert aligner.similarities(src, []).block(0, 5, 0, 5).shape == (5, 0)
    rows = {s.id: i for i, s in enumerate(a.source.sentences)}
    cols = {s.id: j for j, s in enumerate(a.target.sentences)}
    # Each 1-1 bead's pair stands out of its row: the aligned target is the row's best match.
    for x in a.links:
        if len(x.src) == 1 and len(x.tgt) == 1 and x.score > 0.8:
            row = sims[rows[x.src[0]]]
            assert int(np.argmax(row)) == cols[x.tgt[0]]
    assert float(np.median(sims)) < 0.15


def test_version_columns_line_up_through_the_source():
    ko, es = sample(RODONG, "ko.team"), sample(RODONG, "es.team")
    es_text = {s.id: s.text for s in es.target.sentences}
    cols = review.version_columns(ko, [es])
    assert list(cols) == ["es.team"] and len(cols["es.team"]) == len(ko.links)
    for k, x in enumerate(ko.links):
        other = next(y for y in es.links if y.src == x.src)
        assert cols["es.team"][k] == " ".join(es_text[t] for t in other.tgt)
    # A link of the other version that spans two rows shows once, then as a ditto mark.
    merged = review.merge_next(es, 2)
    cols = review.version_columns(ko, [merged])["es.team"]
    assert cols[3] == review.DITTO and es_text["p3.s1"] in cols[2] and es_text["p4.s1"] in cols[2]
    # Unaligned sentences of the other version join the row before them.
    lone = review.mark_unaligned(es, 3, "tgt", "p4.s2")
    cols = review.version_columns(ko, [lone])["es.team"]
    assert cols[3] == f"{es_text['p4.s1']} {es_text['p4.s2']}"
    stale = replace(es, source=replace(es.source, sha256="sha256:0"))
    with pytest.raises(ReviewError, match="another source text"):
        review.version_columns(ko, [stale])


def test_sample_alignments_are_current():
    """The committed sample alignments match the committed texts (the tests above rely on them)."""
    for path in sorted((REPO / "alignments").glob("*/*.json")):
        a = load_alignment(path)
        article = texts.load_article(REPO / "texts", a.article)
        assert a.target.sha256 == texts.content_hash(texts.read_version_text(article, a.target.version))
        assert a.source.sha256 == texts.content_hash(texts.read_version_text(article, a.source.version))


# --- no-op edits, statistics, following edited sentences (issue 15) ------------------------------------


def test_an_edit_that_changes_nothing_is_no_undo_step():
    h = review.History(make([(1, 1)] * 3))
    assert h.push(review.confirm(h.present, 0))
    assert not h.push(review.confirm(h.present, 0))  # confirmed again: nothing changes
    h.undo()
    assert not h.can_undo and h.present.links[0].status == "auto"


def test_statistics():
    a = review.confirm(make([(1, 1), (2, 1), (1, 0), (1, 1), (0, 1), (1, 1)]), 0)
    a = review.merge_next(a, 4)  # edited: (0, 1) + (1, 1) -> a 1-2 bead
    stats = review.statistics(a)
    assert stats.total == 5 and stats.reviewed == 2
    assert stats.shapes == {"1-1": 2, "1-0": 1, "1-2": 1, "2-1": 1}
    assert stats.by_status == {"auto": 3, "confirmed": 1, "edited": 1}
    assert sum(n for *_, n in stats.histogram) == 5 and len(stats.histogram) == 10
    scores = [x.score for x in a.links]  # 0.0, 0.1, 0.2, 0.3, 0.4: one bead in each of the first bins
    assert [n for *_, n in stats.histogram][:5] == [1, 1, 1, 1, 1] and scores[0] == 0.0
    assert stats.by_level == {"low": 5, "medium": 0, "high": 0}
    assert stats.unaligned == (1, 0)
    assert review.statistics(replace(a, links=[replace(x, score=1.0) for x in a.links])).histogram[-1][2] == 5


def _new_side(a: Alignment, side: str, sentences: list[Sentence]) -> AlignedSide:
    old = a.source if side == "src" else a.target
    return AlignedSide(old.version, old.language, "sha256:new", sentences)


def test_follow_an_edited_text_keeps_every_bead():
    a = review.confirm(make([(1, 1), (2, 1), (1, 1)]), 1)
    edited = [replace(s, text="CHANGED") if s.id == "p2.s1" else s for s in a.source.sentences]
    new = review.follow(a, "src", _new_side(a, "src", edited))
    assert shape(new) == shape(a) and new.source.sha256 == "sha256:new"
    assert [s.text for s in new.source.sentences][1] == "CHANGED"


def test_follow_a_split_sentence_into_its_bead():
    a = review.confirm(make([(1, 1), (2, 1), (1, 1)]), 1)
    s = a.source.sentences
    split = [s[0], s[1], Sentence("p2.s1a", "the second part", 2), *s[2:]]
    new = review.follow(a, "src", _new_side(a, "src", split))
    assert shape(new)[1] == (["p2.s1", "p2.s1a", "p3.s1"], ["p2.s1"], "confirmed")  # still reviewed
    assert shape(new)[0] == shape(a)[0] and shape(new)[2] == shape(a)[2]
    back = review.follow(new, "src", _new_side(new, "src", s))  # undone: the part goes back into p2.s1
    assert shape(back) == shape(a)


def test_follow_a_join_across_beads_merges_them():
    a = review.confirm(make([(1, 1), (1, 1), (1, 1), (1, 1)]), 0)
    t = a.target.sentences
    joined = [t[0], replace(t[1], text=t[1].text + " " + t[2].text), t[3]]  # p3.s1 joined into p2.s1
    new = review.follow(a, "tgt", _new_side(a, "tgt", joined))
    assert shape(new) == [
        (["p1.s1"], ["p1.s1"], "confirmed"),
        (["p2.s1", "p3.s1"], ["p2.s1"], "edited"),
        (["p4.s1"], ["p4.s1"], "auto"),
    ]
    new_first = [replace(t[0], id="p0.s1"), *t]  # a sentence before every other one
    assert review.follow(a, "tgt", _new_side(a, "tgt", new_first)).links[0].tgt == ["p0.s1", "p1.s1"]


def test_follow_refuses_sentences_in_another_order():
    a = make([(1, 1), (1, 1)])
    swapped = list(reversed(a.source.sentences))
    with pytest.raises(ReviewError, match="re-align"):
        review.follow(a, "src", _new_side(a, "src", swapped))


# --- bead notes and flags (issue 30) -------------------------------------------------------------------


def notes(alignment: Alignment) -> list[tuple[str, bool]]:
    return [(x.note, x.flag) for x in alignment.links]


def test_set_note_is_an_undoable_edit_that_keeps_the_status():
    a = review.confirm(make([(1, 1), (1, 1), (1, 1)]), 1)
    history = review.History(a)
    noted = review.set_note(a, 1, "  check the date  ", True)
    assert notes(a) == [("", False)] * 3  # the input is untouched
    assert notes(noted) == [("", False), ("check the date", True), ("", False)]
    assert shape(noted) == shape(a) and noted.links[1].score == a.links[1].score
    assert history.push(noted) and not history.push(review.set_note(noted, 1, "check the date", True))
    assert notes(history.undo()) == notes(a)
    assert notes(history.redo()) == notes(noted)
    assert notes(review.set_note(noted, 1, "", False)) == notes(a)
    with pytest.raises(ReviewError, match="no bead 4"):
        review.set_note(a, 3, "x", False)


def test_edits_keep_notes_merge_joins_them_split_copies_them():
    a = review.set_note(review.set_note(make([(1, 1), (1, 1), (2, 2)]), 0, "first", False), 1, "second", True)
    merged = review.merge_next(a, 0)
    assert notes(merged)[0] == ("first\nsecond", True)
    parts = review.split(merged, 0, 1, 1)
    assert notes(parts)[:2] == [("first\nsecond", True)] * 2
    assert notes(review.merge_next(parts, 0))[0] == ("first\nsecond", True)  # each distinct note once
    for edit in (review.confirm, review.unconfirm, lambda x, k: review.confirm_through(x, k)):
        assert notes(edit(a, 1))[1] == ("second", True)
    moved = review.move_first(review.set_note(a, 2, "third", False), 2, "src")
    assert notes(moved)[1:] == [("second", True), ("third", False)]
    alone = review.mark_unaligned(review.set_note(a, 2, "third", False), 2, "tgt", "p4.s1")
    assert [x.tgt for x in alone.links[2:]] == [["p3.s1"], ["p4.s1"]]
    assert notes(alone)[2:] == [("third", False), ("", False)]  # the sentence leaves without the note


def test_a_bead_emptied_by_a_move_gives_its_note_to_the_bead_that_takes_the_sentence():
    a = review.set_note(review.set_note(make([(1, 1), (1, 0), (1, 1)]), 1, "lonely", True), 2, "last", False)
    moved = review.move_first(a, 1, "src")
    assert shape(moved)[0] == (["p1.s1", "p2.s1"], ["p1.s1"], "edited") and len(moved.links) == 2
    assert notes(moved) == [("lonely", True), ("last", False)]
    moved = review.move_last(a, 1, "src")
    assert notes(moved) == [("", False), ("last\nlonely", True)]


def test_follow_keeps_notes_and_joins_them_when_beads_merge():
    a = make([(1, 1), (1, 1), (1, 1)])
    a = review.set_note(review.set_note(a, 1, "two", False), 2, "three", True)
    t = a.target.sentences
    joined = [t[0], replace(t[1], text=t[1].text + " " + t[2].text)]  # p3.s1 joined into p2.s1
    new = review.follow(a, "tgt", _new_side(a, "tgt", joined))
    assert notes(new) == [("", False), ("two\nthree", True)]
    edited = [replace(s, text="CHANGED") if s.id == "p1.s1" else s for s in a.target.sentences]
    assert notes(review.follow(a, "tgt", _new_side(a, "tgt", edited))) == notes(a)


def test_notes_and_flags_survive_undo_in_history_snapshots():
    a = review.set_note(make([(1, 1), (1, 1)]), 0, "n", True)
    history = review.History(a)
    history.push(review.merge_next(a, 0))
    assert notes(history.undo()) == notes(a)


def test_realign_keeps_the_beads_it_finds_again_as_they_were(aligner):
    """Defect 5: confirming bead 2 of bunker-buster and re-aligning the rest set bead 1's confidence from
    0.65 to 0.96, though it kept its 2-2 links; a bead found again is the bead as it was."""
    a = sample("kcna-2011-09-02-bunker-buster")
    assert (len(a.links[0].src), len(a.links[0].tgt)) == (2, 2) and a.links[0].score < 0.8
    a = review.set_note(review.confirm(a, 1), 0, "the dateline", True)
    result = review.realign(a, aligner)
    assert dumps(result.alignment) == dumps(a)  # every bead found again: nothing changes
    assert (result.changed, result.added, result.removed) == ([], [], [])
    assert result.summary() == "The re-align changed no bead."
    assert dumps(review.realign_rest(a, aligner)) == dumps(a)


def test_realign_says_what_it_changed_and_moves_the_note_of_a_changed_bead(aligner):
    a = review.confirm(sample(), 1)
    links = a.links
    lump = Link([s for x in links[2:7] for s in x.src], [t for x in links[2:7] for t in x.tgt], 0.3, "auto")
    broken = replace(a, links=[*links[:2], replace(lump, note="lumped", flag=True), *links[7:]])
    result = review.realign(broken, aligner)
    assert shape(result.alignment) == shape(a)
    assert (result.changed, result.added, result.removed) == ([2], [3, 4, 5, 6], [])
    assert "1 changed (3); 4 added (4, 5, 6, 7)" in result.summary()
    assert notes(result.alignment)[2] == ("lumped", True)  # the bead that holds the lump's first sentence
    for x, y in zip(result.alignment.links[7:], a.links[7:], strict=True):
        assert (x.score, x.status) == (y.score, y.status)  # beads outside the stretch keep their confidence
    back = review.realign(result.alignment, aligner)
    assert (back.changed, back.added, back.removed) == ([], [], [])
    merged = review.realign(review.merge_next(a, 3), aligner)  # an edited bead is kept: nothing removed
    assert merged.removed == [] and merged.alignment.links[3].status == "edited"


def test_rebase_keeps_notes_of_kept_beads(aligner):
    a = review.set_note(review.confirm(sample(), 0), 0, "title", False)
    a = review.set_note(a, 3, "auto bead", True)
    same, dropped = review.rebase(a, a.source, a.target, aligner)
    assert dropped == [] and notes(same)[0] == ("title", False) and notes(same)[3] == ("auto bead", True)


def test_cli_show_marks_beads_with_notes(tmp_path):
    root = tmp_path / "ws"
    for sub in ("texts", "alignments"):
        (root / sub).mkdir(parents=True)
    article = "kcna-2011-09-02-bunker-buster"
    shutil.copytree(REPO / "texts" / article, root / "texts" / article)
    shutil.copytree(REPO / "alignments" / article, root / "alignments" / article)
    path = root / "alignments" / article / "es.kcna.json"
    a = load_alignment(path)
    a = review.set_note(review.set_note(a, 1, "check [b]this[/b]", False), 2, "", True)
    save_alignment(path, a, expected_revision=a.revision)
    result = run("show", article, "--root", root)
    assert result.exit_code == 0, result.output
    assert "2 ✎" in result.output and "✎ check [b]this[/b]" in result.output
    assert "3 ⚑" in result.output and "1 ✎" not in result.output and "1 ⚑" not in result.output
