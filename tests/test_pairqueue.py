"""The review queue of document pairs (workbench.corpus.queue) on a real corpus built from
tests/fixtures/kcna-mini: the view of a pair, a person's decisions saved in the corpus, and a pair opened
as an article for sentence review."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_mini import mini_corpus

from workbench.corpus import CorpusError, open_corpus, pairs_frame
from workbench.corpus import queue as pairqueue
from workbench.store.alignments import load_alignment
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow  # builds a corpus with the real embedding model


@pytest.fixture
def folder(tmp_path: Path):
    mini_corpus(tmp_path)
    (tmp_path / "texts").mkdir()
    return open_corpus(tmp_path, "mini")


def test_the_queue_puts_doubtful_and_low_margin_pairs_first(folder):
    frame = pairqueue.queue(folder)
    order = {"doubtful": 0, "none": 1, "auto": 2}
    assert [order[d] for d in frame["decision"]] == sorted(order[d] for d in frame["decision"])
    auto = frame[frame["decision"] == "auto"]
    assert list(auto["margin"]) == sorted(auto["margin"])


def test_a_pair_with_its_stories_and_candidates(folder):
    view = pairqueue.pair_view(folder, "2011-13813")  # the Mathematics Institute's computer input device
    assert view.decision == "auto" and view.source.doc_id == "2011-13804"
    assert view.target.language == "es" and view.source.language == "en"
    assert view.target.lead and len(view.target.lead) <= 505
    assert [c.rank for c in view.candidates] == sorted(c.rank for c in view.candidates)
    assert view.candidates[0].story.doc_id == "2011-13804" and len(view.candidates) >= 3
    assert view.score is not None and view.margin is not None
    assert all(c.ratio == c.ratio and c.ratio > 0 for c in view.candidates)  # the lead's ratio margin
    duplicate = pairqueue.pair_view(folder, "2011-13829")  # an exact duplicate: no source, no candidates
    assert duplicate.source is None and duplicate.decision == "none" and "duplicate" in duplicate.reason
    with pytest.raises(CorpusError, match="not a target story"):
        pairqueue.pair_view(folder, "2011-13804")


def test_decisions_are_saved_in_the_corpus(folder, tmp_path):
    pairqueue.decide(folder, "2012-09484", "accept")  # the doubtful one, right (README of the fixture)
    pairqueue.decide(folder, "2011-13812", "none")
    row = pairqueue.decide(folder, "2011-13813", "accept", src_id="2011-13816")  # another candidate
    assert row["src_id"] == "2011-13816" and row["decision"] == "accepted"
    again = open_corpus(tmp_path, "mini")  # read back from disk
    frame = pairs_frame(again).set_index("tgt_id")
    assert frame.loc["2012-09484", ["src_id", "decision", "decided_by"]].tolist() == [
        "2012-09449",
        "accepted",
        "person",
    ]
    assert frame.loc["2011-13812", "decision"] == "none" and frame.loc["2011-13812", "decided_by"] == "person"
    pairqueue.decide(again, "2011-13813", "clear")
    assert pairs_frame(again).set_index("tgt_id").loc["2011-13813", "src_id"] == "2011-13804"
    with pytest.raises(CorpusError, match="unknown action"):
        pairqueue.decide(again, "2011-13813", "maybe")


def test_open_a_pair_for_sentence_review(folder, tmp_path):
    ws = Workspace(tmp_path)
    article, target = pairqueue.open_for_review(folder, ws, "2011-13811")
    assert article == "mini-2011-13811-2011-13800" and target == "es.corpus"
    record = load_alignment(ws.alignment_path(article, target))
    assert record.links and record.source.language == "en"
    assert pairqueue.open_for_review(folder, ws, "2011-13811") == (article, target)  # the same one again
    # A candidate a person takes after the align stage ran: its sentences are aligned when it is opened.
    pairqueue.decide(folder, "2011-13813", "accept", src_id="2011-13816")
    article, target = pairqueue.open_for_review(open_corpus(tmp_path, "mini"), ws, "2011-13813")
    assert article == "mini-2011-13813-2011-13816"
    assert load_alignment(ws.alignment_path(article, target)).links
    with pytest.raises(CorpusError, match="accept a candidate first"):
        pairqueue.open_for_review(folder, ws, "2011-13829")
