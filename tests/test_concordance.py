"""The parallel concordance: plain, whole-word and regex search, offsets in accented and CJK text,
filters, bounded regular expressions, and the CLI command."""

from __future__ import annotations

import unicodedata

import pytest
import typer
from cli_run import runner
from tells_corpus import link, make_corpus

from workbench.cli.tells import register
from workbench.corpus.concordance import SearchError, search

LINKS = [
    link(
        "t1",
        0,
        [("p1.s1", "The Korean People's Army marched.")],
        [("p1.s1", "El Ejército Popular marchó.")],
        0.9,
    ),
    link(
        "t1",
        1,
        [("p2.s1", "The armies of 1950 and the armyworm.")],
        [("p2.s1", "Los EJÉRCITOS de 1950.")],
        0.4,
    ),
    link("t1", 2, [("p3.s1", "A line left out of the army story.")], [], 0.8),
    link(
        "t2",
        0,
        [("p1.s1", "Army day, 2012.")],
        [("p1.s1", unicodedata.normalize("NFD", "Día del ejército."))],
        0.7,
    ),
    link(
        "t2", 1, [("p2.s1", "朝鲜人民军 and 最高人民会议 met.")], [("p2.s1", "Se reunió la Asamblea.")], 0.95
    ),
]


@pytest.fixture
def corpus(tmp_path):
    return make_corpus(tmp_path / "corpora" / "tiny", LINKS, {"t2": "2012-03-04"})


def _matched(hit, side):
    text = hit.src_text if side == "src" else hit.tgt_text
    spans = hit.src_spans if side == "src" else hit.tgt_spans
    return [text[a:b] for a, b in spans]


def test_plain_search_ignores_case_and_finds_substrings(corpus):
    result = search(corpus, "army", side="src")
    assert result.total == 4
    assert [(h.tgt_id, h.link) for h in result.hits] == [("t1", 0), ("t1", 1), ("t1", 2), ("t2", 0)]
    assert _matched(result.hits[0], "src") == ["Army"]
    assert _matched(result.hits[1], "src") == ["army"]  # in "armyworm"
    assert result.hits[2].tgt_text == "" and result.hits[2].kind == "1-0"  # a left-out sentence is a hit
    hit = result.hits[3]
    assert (hit.src_id, hit.date, hit.score, hit.src_sent_ids, hit.tgt_sent_ids) == (
        "st2",
        "2012-03-04",
        0.7,
        ("p1.s1",),
        ("p1.s1",),
    )


def test_whole_words_and_phrases_across_spaces(corpus):
    result = search(corpus, "army", side="src", word=True)
    assert [(h.tgt_id, h.link) for h in result.hits] == [("t1", 0), ("t1", 2), ("t2", 0)]
    assert search(corpus, "people's   army", word=True).total == 1
    assert search(corpus, "arm", word=True).total == 0


def test_regex_search_and_its_errors(corpus):
    result = search(corpus, r"\b\d{4}\b", regex=True)
    assert result.total == 2
    assert _matched(result.hits[0], "src") == ["1950"] and _matched(result.hits[0], "tgt") == ["1950"]
    assert search(corpus, r"arm(y|ies)", regex=True, word=True, side="src").total == 4
    with pytest.raises(SearchError, match="not a valid regular expression"):
        search(corpus, "(unclosed", regex=True)
    with pytest.raises(SearchError, match="took over"):
        search(corpus, "(a|aa)+$", regex=True, timeout=1e-9)
    with pytest.raises(SearchError, match="empty"):
        search(corpus, "   ")
    with pytest.raises(SearchError, match="side"):
        search(corpus, "army", side="left")


def test_offsets_in_accented_and_cjk_text(corpus):
    hits = search(corpus, "ejército", side="tgt").hits
    assert [_matched(h, "tgt") for h in hits] == [["Ejército"], ["EJÉRCITO"], ["ejército"]]
    assert hits[2].tgt_text == "Día del ejército." and hits[2].tgt_spans == ((8, 16),)  # stored NFD
    assert search(corpus, "EJÉRCITOS", side="tgt").hits[0].tgt_spans == ((4, 13),)
    hit = search(corpus, "人民会议", side="src").hits[0]
    assert hit.src_spans == ((12, 16),) and _matched(hit, "src") == ["人民会议"]
    assert search(corpus, "人民", side="src").hits[0].src_spans == ((2, 4), (12, 14))


def test_min_score_limit_and_total(corpus):
    assert search(corpus, "army", side="src", min_score=0.75).total == 2
    result = search(corpus, "army", side="src", limit=1)
    assert result.total == 4 and len(result.hits) == 1
    assert search(corpus, "army", side="tgt").total == 0


def test_search_command_prints_hits_and_counts(corpus):
    app = typer.Typer()
    register(app)
    result = runner.invoke(
        app, ["search", "tiny", "ejército", "--side", "tgt", "--root", str(corpus.path.parents[1])]
    )
    assert result.exit_code == 0, result.output
    assert "t1 ← st1  link 0 (1-1, score 0.90)" in result.output
    assert "3 matching link(s)" in result.output
    bad = runner.invoke(app, ["search", "tiny", "(", "--regex", "--root", str(corpus.path.parents[1])])
    assert bad.exit_code == 1 and "not a valid regular expression" in bad.output
