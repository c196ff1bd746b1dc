"""One review loop from article to corpus (issue 29, defects 2-8; issue 30, the pair queue): every decision
a person makes on a corpus's pairs is kept and shown, in the CLI and the app alike, and the sentences a
person reviews go out with the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from cli_run import run
from corpus_mini import mini_corpus
from streamlit.testing.v1 import AppTest

from workbench.corpus import open_corpus, pairs_frame, review
from workbench.corpus import queue as pairqueue
from workbench.store import alignments as store

pytestmark = pytest.mark.slow  # builds a corpus with the real embedding model

APP = Path(__file__).resolve().parents[1] / "workbench" / "app" / "main.py"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    mini_corpus(tmp_path)
    (tmp_path / "texts").mkdir()
    return tmp_path


def _pairs(root: Path) -> pd.DataFrame:
    return pairs_frame(open_corpus(root, "mini")).set_index("tgt_id")


def _app(root: Path, monkeypatch, **query) -> AppTest:
    monkeypatch.setenv("WORKBENCH_ROOT", str(root))
    at = AppTest.from_file(str(APP), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if at.session_state["view"] != "Document pairs":
        at.segmented_control(key="view").set_value("Document pairs").run()
    assert not at.exception, at.exception
    return at


def _click(at: AppTest, key: str) -> None:
    at.button(key=key).click().run()
    assert not at.exception, at.exception


def _page(at: AppTest) -> str:
    return " ".join(str(m.value) for m in [*at.markdown, *at.caption, *at.warning, *at.text])


# --- 2. a rejected pair is listed, counted, filterable and undoable --------------------------------------


def test_a_rejected_pair_is_listed_as_rejected_by_the_person(root):
    wrong = _pairs(root).loc["2011-13828", "best_candidate"]  # doubtful: its original is not in the archive
    result = run("corpus", "decide", "mini", "2011-13828", "--reject", "--root", root)
    assert result.exit_code == 0, result.output
    assert f"rejected {wrong} by person" in result.output
    row = _pairs(root).loc["2011-13828"]
    assert [row["decision"], row["decided_by"], row["src_id"]] == ["rejected", "person", wrong]
    listed = run("corpus", "pairs", "mini", "--decision", "rejected", "--root", root)
    assert "1 pairs in mini" in listed.output and "2011-13828" in listed.output, listed.output
    # the export leaves it out, and refuses to write rejected pairs
    assert run("corpus", "decide", "mini", "2011-13828", "--clear", "--root", root).exit_code == 0
    assert _pairs(root).loc["2011-13828", "decided_by"] == "machine"


def test_the_app_counts_a_rejected_pair_and_can_forget_it(root, monkeypatch):
    at = _app(root, monkeypatch)
    assert at.session_state["pair_pick_mini"] == "2011-13828"
    _click(at, "pair_reject")
    assert _pairs(root).loc["2011-13828", "decision"] == "rejected"
    assert at.session_state["pair_pick_mini"] == "2011-13828"  # it stays in view, to be undone
    assert "1 rejected" in at.get("progress")[0].proto.text
    assert "rejected source" in _page(at)
    assert at.button(key="pair_clear").disabled is False
    assert at.button(key="pair_accept").disabled and at.button(key="pair_reject").disabled
    at.sidebar.multiselect(key="pair_filter_mini").set_value(["rejected"]).run()
    assert at.session_state["pair_pick_mini"] == "2011-13828"  # filterable
    _click(at, "pair_clear")
    assert _pairs(root).loc["2011-13828", "decided_by"] == "machine"


# --- 3. an accepted pair keeps the machine's numbers -----------------------------------------------------


def test_accepting_keeps_the_machines_score_margin_and_probability(root, tmp_path):
    before = _pairs(root).loc["2012-09484"]
    assert run("corpus", "decide", "mini", "2012-09484", "--accept", "", "--root", root).exit_code == 0
    after = _pairs(root).loc["2012-09484"]
    assert after["decision"] == "accepted" and after["decided_by"] == "person"
    for col in ("score", "margin", "probability"):
        assert after[col] == pytest.approx(before[col]), col
    out = tmp_path / "out.jsonl"
    assert run("corpus", "export", "mini", "--out", out, "--root", root).exit_code == 0
    rows = pd.read_json(out, lines=True, dtype=False).query("target_version == '2012-09484'")
    assert len(rows) and rows["pair_score"].notna().all() and set(rows["pair_decision"]) == {"accepted"}


# --- 4. taking another story's source says so, before and after ----------------------------------------


def test_taking_another_storys_source_shows_what_it_does(root):
    folder = open_corpus(root, "mini")
    changes = review.effects(folder, "2011-13813", "2011-13816")  # 2011-13816 is 2011-13827's (auto)
    assert [c["tgt_id"] for c in changes] == ["2011-13827"]
    assert changes[0]["before"] == "auto" and changes[0]["before_src"] == "2011-13816"
    assert _pairs(root).loc["2011-13827", "decision"] == "auto"  # nothing saved
    result = run("corpus", "decide", "mini", "2011-13813", "--accept", "2011-13816", "--root", root)
    assert result.exit_code == 0 and "this also changes 2011-13827" in result.output, result.output
    reason = _pairs(root).loc["2011-13827", "reason"]
    assert "its source 2011-13816 was taken by 2011-13813 (a person's decision)" in reason


def test_the_app_asks_before_taking_another_storys_source(root, monkeypatch):
    at = _app(root, monkeypatch)
    at.session_state["pair_pick_mini"] = "2011-13813"
    at.run()
    view = pairqueue.pair_view(open_corpus(root, "mini"), "2011-13813")
    n = [c.story.doc_id for c in view.candidates].index("2011-13816") + 1
    _click(at, f"pair_choose_{n}")
    assert _pairs(root).loc["2011-13813", "decided_by"] == "machine"  # asked first
    assert "2011-13827" in " ".join(w.value for w in at.warning)
    _click(at, "pair_take_yes")
    assert _pairs(root).loc["2011-13813", ["src_id", "decision"]].tolist() == ["2011-13816", "accepted"]


# --- 5. candidates by their final score, with every term of it -------------------------------------------


def test_candidates_are_ordered_by_the_score_they_show_with_every_term(root):
    view = pairqueue.pair_view(open_corpus(root, "mini"), "2011-13813")
    assert [c.score for c in view.candidates] == sorted((c.score for c in view.candidates), reverse=True)
    for c in view.candidates:
        assert set(c.terms) == {"lead", "numbers", "names", "length", "match_tgt", "match_src"}
        assert sum(c.terms.values()) == pytest.approx(c.score)
        assert 0 <= c.probability <= 1
    assert view.candidates[0].terms["match_tgt"] > 0.5  # the sentence-alignment rescore is shown
    assert view.probability == pytest.approx(view.candidates[0].probability)


def test_the_app_shows_every_term_and_the_probability(root, monkeypatch):
    at = _app(root, monkeypatch)
    at.session_state["pair_pick_mini"] = "2011-13813"
    at.run()
    page = _page(at)
    assert "final 3.88 = lead" in page and "sentences 1.25" in page and "p 1.000" in page


# --- 6. sentence review reaches the corpus export --------------------------------------------------------


def test_reviewed_sentences_are_exported_as_reviewed(root, tmp_path):
    assert run("corpus", "open", "mini", "2011-13810", "--root", root).exit_code == 0
    path = root / "alignments" / "mini-2011-13810-2011-13799" / "es.corpus.json"
    record = store.load_alignment(path)
    first, second = record.links[0], record.links[1]
    merged = store.Link(first.src + second.src, first.tgt + second.tgt, 1.0, status="edited")
    confirmed = store.Link(record.links[2].src, record.links[2].tgt, record.links[2].score, "confirmed")
    record.links = [merged, confirmed, *record.links[3:]]
    store.save_alignment(path, record, force=True)
    out = tmp_path / "out.jsonl"
    result = run("corpus", "export", "mini", "--out", out, "--root", root)
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    mine = [r for r in rows if r["target_version"] == "2011-13810"]
    assert [r["status"] for r in mine[:3]] == ["edited", "confirmed", "auto"]
    assert mine[0]["source_ids"] == first.src + second.src  # the person's bead boundaries
    others = {r["status"] for r in rows if r["target_version"] != "2011-13810"}
    assert others == {"auto"}


# --- 7. and issue 30 #12: the queue keeps the place; a deep link; bulk accept; full stories -------------


def test_the_queue_keeps_the_place_across_views_and_in_the_address(root, monkeypatch):
    at = _app(root, monkeypatch)
    for _ in range(4):
        _click(at, "pair_next")
    fifth = at.session_state["pair_pick_mini"]
    assert at.query_params["pair"] == [fifth] or at.query_params["pair"] == fifth
    at.segmented_control(key="view").set_value("Review").run()
    at.segmented_control(key="view").set_value("Document pairs").run()
    assert not at.exception, at.exception
    assert at.session_state["pair_pick_mini"] == fifth


def test_a_link_opens_a_pair(root, monkeypatch):
    at = _app(root, monkeypatch, corpus="mini", pair="2012-09482")
    assert at.session_state["pair_pick_mini"] == "2012-09482"
    assert "pair" in at.query_params


def test_accept_every_auto_pair_above_a_probability(root, monkeypatch):
    auto = _pairs(root).query("decision == 'auto' and probability >= 0.9999")
    dry = run("corpus", "decide", "mini", "--accept-all-above", "0.9999", "--dry-run", "--root", root)
    assert f"would accept {len(auto)} auto pair(s)" in dry.output, dry.output
    at = _app(root, monkeypatch)
    at.sidebar.number_input(key="pair_bulk_p").set_value(0.9999).run()
    _click(at, "pair_bulk_ask")
    assert f"Accept **{len(auto)}** auto pair(s)" in " ".join(w.value for w in at.warning)
    assert (_pairs(root)["decided_by"] == "person").sum() == 0  # asked first
    _click(at, "pair_bulk_yes")
    accepted = _pairs(root).query("decided_by == 'person'")
    assert set(accepted.index) == set(auto.index) and set(accepted["decision"]) == {"accepted"}
    result = run("corpus", "decide", "mini", "--accept-all-above", "0.5", "--root", root)
    assert result.exit_code == 0 and "accepted" in result.output


def test_both_stories_can_be_read_in_full(root, monkeypatch):
    at = _app(root, monkeypatch, corpus="mini", pair="2011-13813")
    full = [t.value for t in at.expander(key="pair_full").text] if hasattr(at, "expander") else []
    view = pairqueue.pair_view(open_corpus(root, "mini"), "2011-13813")
    assert view.target.text in " ".join(full) and view.source.text in " ".join(full)
    assert len(view.target.text) > len(view.target.lead) - 2
