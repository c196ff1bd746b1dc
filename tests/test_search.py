"""Finding things in an alignment (workbench.review.search): text, whole words, regular expressions, in either
side or both; the next and previous bead with a match; a bead by number or sentence id."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from workbench.review.search import SearchError, compile_query, find, locate, next_bead
from workbench.store.alignments import load_alignment

REPO = Path(__file__).resolve().parents[1]
RODONG = REPO / "alignments" / "rodong-2024-08-09-general-offensive"


@pytest.fixture(scope="module")
def ko():
    return load_alignment(RODONG / "ko.team.json")


def test_find_text_in_either_side_or_both(ko):
    src = find(ko, "japanese imperialists", side="src")  # any case, any run of spaces
    assert src and {m.side for m in src} == {"src"}
    text = {s.id: s.text for s in ko.source.sentences}
    assert all(text[m.sentence][m.start : m.end].lower() == "japanese imperialists" for m in src)
    tgt = find(ko, "조선인민혁명군", side="tgt")
    assert tgt and {m.side for m in tgt} == {"tgt"}
    both = find(ko, "1945")
    assert {m.side for m in both} == {"src", "tgt"}
    assert [m.bead for m in both] == sorted(m.bead for m in both)  # bead order
    assert find(ko, "   ") == [] and find(ko, "no such words here") == []


def test_whole_words_case_and_regex(ko):
    assert find(ko, "Japan", side="src")  # "Japan's", "Japanese"
    words = find(ko, "Japan", mode="words", side="src")
    text = {s.id: s.text for s in ko.source.sentences}
    assert words and all(not text[m.sentence][m.end : m.end + 1].isalpha() for m in words)
    assert len(words) < len(find(ko, "Japan", side="src"))
    assert find(ko, "kpra", side="src") and not find(ko, "kpra", side="src", case=True)
    years = find(ko, r"Juche \d+\(\d{4}\)", mode="regex", side="src")
    assert years and all(text[m.sentence][m.start : m.end].startswith("Juche 34") for m in years)
    assert find(ko, "(?=a)", mode="regex") == []  # empty matches do not count
    with pytest.raises(SearchError, match="not a valid regular expression"):
        compile_query("(unclosed", "regex")
    with pytest.raises(SearchError, match="unknown search mode"):
        find(ko, "a", mode="fuzzy")


def test_next_and_previous_bead_with_a_match(ko):
    matches = find(ko, "KPRA", side="src")
    beads = sorted({m.bead for m in matches})
    assert len(beads) >= 3
    assert next_bead(matches, -1) == beads[0]
    assert next_bead(matches, beads[0]) == beads[1]
    assert next_bead(matches, beads[-1]) == beads[0]  # wraps around
    assert next_bead(matches, beads[1], backwards=True) == beads[0]
    assert next_bead(matches, beads[0], backwards=True) == beads[-1]
    assert next_bead([], 3) is None


def test_locate_a_bead_by_number_or_sentence_id(ko):
    assert locate(ko, "3") == 2 and locate(ko, "#11") == 10
    k = next(i for i, x in enumerate(ko.links) if "p4.s2" in x.tgt)
    assert locate(ko, "p4.s2") == k  # only the Korean has it
    assert locate(ko, "ko:p4.s2") == locate(ko, "tgt:p4.s2") == locate(ko, "team:p4.s2") == k
    assert locate(ko, "en:p5.s1") == locate(ko, "src:p5.s1")
    with pytest.raises(SearchError, match="no bead 12"):
        locate(ko, "12")
    with pytest.raises(SearchError, match="no bead holds sentence 'p4.s9'"):
        locate(ko, "p4.s9")
    with pytest.raises(SearchError, match="neither side"):
        locate(ko, "fr:p1.s1")


def test_a_runaway_regex_is_stopped_with_a_message(ko, monkeypatch):
    """A regex that backtracks for ever stops at the time limit with a SearchError, instead of holding the
    app (and every other reviewer's page) until it is done."""
    from dataclasses import replace

    from workbench.review import search

    first = replace(ko.source.sentences[0], text="a" * 60)
    slow = replace(ko, source=replace(ko.source, sentences=[first, *ko.source.sentences[1:]]))
    monkeypatch.setattr(search, "TIME_LIMIT", 0.3)
    started = time.monotonic()
    with pytest.raises(SearchError, match="took over 0.3 s"):
        find(slow, "(a|aa)+c", mode="regex")
    assert time.monotonic() - started < 2
    assert find(slow, "a{60}", mode="regex", side="src")[0].end == 60  # a sound regex still finds


@pytest.mark.parametrize("where", ["²", "#²", "9" * 5000, "١٢"])
def test_odd_bead_numbers_get_a_message(ko, where):
    with pytest.raises(SearchError):
        locate(ko, where)
