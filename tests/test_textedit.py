"""Editing a text while reviewing it (workbench.review.textedit): a sentence's text, a split, a join, on
the real sample files, with the other alignments of the text carried over and undo putting the text back."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from workbench.errors import TextsError
from workbench.review import beads as review
from workbench.review import textedit
from workbench.review.textedit import TextEditError, edit_sentence, join_sentences, restore, split_sentence
from workbench.store import texts
from workbench.store.alignments import load_alignment, save_alignment
from workbench.text.segment import split_sentences
from workbench.workspace import Workspace, changed_texts, side

REPO = Path(__file__).resolve().parents[1]
RODONG = "rodong-2024-08-09-general-offensive"
CHEONAN = "kcna-2011-08-30-cheonan-salvage-delay"


@pytest.fixture
def ws(workspace: Path) -> Workspace:
    shutil.copytree(REPO / "alignments", workspace / "alignments")
    return Workspace(workspace)


def _load(ws: Workspace, target: str, article: str = RODONG):
    return load_alignment(ws.alignment_path(article, target))


def _save(ws: Workspace, edit, old) -> None:
    save_alignment(ws.alignment_path(edit.alignment.article, edit.alignment.target.version), edit.alignment,
                   expected_revision=old.revision)  # fmt: skip


def _text(ws: Workspace, version: str, article: str = RODONG) -> str:
    return (ws.texts / article / f"{version}.txt").read_text(encoding="utf-8")


def _version(ws: Workspace, version: str, article: str = RODONG) -> dict:
    toml = tomllib.loads((ws.texts / article / "article.toml").read_text(encoding="utf-8"))
    return next(v for v in toml["versions"] if v["id"] == version)


def test_edit_a_sentence_keeps_its_id_and_changes_only_its_line(ws):
    ko = review.confirm(_load(ws, "ko.team"), 1)  # a reviewed bead of another alignment of the source
    es = review.confirm_through(_load(ws, "es.team"), 2)
    es = save_alignment(ws.alignment_path(RODONG, "es.team"), es, expected_revision=es.revision)
    before = _text(ws, "en.source")
    old = ko.source.sentences[1]
    done = edit_sentence(ws, ws.article(RODONG), ko, "src", old.id, old.text.replace("fascist", "Nazi"))
    after = _text(ws, "en.source")
    assert done.before == before and done.after == after
    changed = [(a, b) for a, b in zip(before.split("\n"), after.split("\n"), strict=True) if a != b]
    assert changed == [(old.text, old.text.replace("fascist", "Nazi"))]  # one line, the sentence's
    new = done.alignment
    assert [s.id for s in new.source.sentences] == [s.id for s in ko.source.sentences]
    assert new.source.sentences[1].text == old.text.replace("fascist", "Nazi")
    assert [(x.src, x.tgt, x.status) for x in new.links] == [(x.src, x.tgt, x.status) for x in ko.links]
    assert new.source.sha256 == texts.content_hash(after)
    # Provenance: a reviewer's edit, its time, and the log entry with the text before and after.
    version = _version(ws, "en.source")
    assert version["edited_by"] and version["edited"].year >= 2025
    log = json.loads((ws.texts / RODONG / "en.source.edits.json").read_text(encoding="utf-8"))
    assert log["sentences"] is None  # the splitter finds these sentences: nothing to store
    assert [(e["op"], e["sentences"], e["before"]) for e in log["log"]] == [("edit", [old.id], [old.text])]
    # The other alignments of the English followed at once, their reviewed beads kept.
    assert done.others == {"es.apertium": "carried over", "es.team": "carried over"}
    es_now = _load(ws, "es.team")
    assert es_now.revision == es.revision + 1 and es_now.source == new.source
    assert [x.status for x in es_now.links] == [x.status for x in es.links]
    article = ws.article(RODONG)
    assert changed_texts(article, es_now) == [] and changed_texts(article, _load(ws, "es.apertium")) == []
    _save(ws, done, ko)
    assert changed_texts(article, _load(ws, "ko.team")) == []


def test_a_machine_version_becomes_post_edited(ws):
    record = _load(ws, "es.apertium")
    sentence = record.target.sentences[0]
    done = edit_sentence(ws, ws.article(RODONG), record, "tgt", sentence.id, "Ofensiva general de liberación")
    version = ws.article(RODONG).version("es.apertium")
    assert version.kind == "machine" and version.post_edited and version.kind_label == "machine, post-edited"
    assert version.engine == "apertium"  # where it came from stays
    assert done.alignment.target.sentences[0].text == "Ofensiva general de liberación"
    assert not ws.article(RODONG).version("es.team").post_edited


def test_split_a_sentence_gives_the_second_part_a_new_id(ws):
    ko = _load(ws, "ko.team")
    article = ws.article(RODONG)
    long = ko.source.sentences[3]  # "He, in June, Juche 34(1945), convened ..."
    done = split_sentence(ws, article, ko, "src", long.id, long.text.index("convened"))
    ids = [s.id for s in done.alignment.source.sentences]
    assert ids == [
        *[s.id for s in ko.source.sentences[:4]],
        f"{long.id}a",
        *[s.id for s in ko.source.sentences[4:]],
    ]
    parts = done.alignment.source.sentences[3:5]
    assert parts[0].text == long.text[: long.text.index("convened")].strip()
    assert parts[1].text.startswith("convened") and parts[0].paragraph == parts[1].paragraph == long.paragraph
    assert _text(ws, "en.source") == done.before  # split at a space: the text itself is the same
    bead = next(x for x in done.alignment.links if long.id in x.src)
    assert bead.src == [long.id, f"{long.id}a"]  # both parts stay in the bead
    # The splitter would not split there, so the sentences are stored and read back from now on.
    assert side(ws.article(RODONG), "en.source").sentences == done.alignment.source.sentences
    assert split_sentences(_text(ws, "en.source"), "en") != done.alignment.source.sentences
    for other in ("es.team", "es.apertium"):
        assert f"{long.id}a" in next(x.src for x in _load(ws, other).links if long.id in x.src)
    # An alignment that did not follow (saved elsewhere meanwhile) reads as changed, though the text is not.
    assert changed_texts(ws.article(RODONG), ko) == ["en.source"]


def test_an_edit_with_a_line_break_splits_the_sentence(ws):
    es = _load(ws, "es.kcna", CHEONAN)
    first = es.target.sentences[1]
    cut = first.text.index(" ", len(first.text) // 2)
    text = first.text[:cut] + "\n" + first.text[cut + 1 :]
    done = edit_sentence(ws, ws.article(CHEONAN), es, "tgt", first.id, text)
    assert [s.id for s in done.alignment.target.sentences][1:3] == [first.id, f"{first.id}a"]
    log = json.loads((ws.texts / CHEONAN / "es.kcna.edits.json").read_text(encoding="utf-8"))
    assert log["log"][-1]["op"] == "split" and len(log["log"][-1]["after"]) == 2


def test_join_two_sentences_of_one_line_and_of_two_lines(ws):
    ko = _load(ws, "ko.team")
    article = ws.article(RODONG)
    four = [s for s in ko.target.sentences if s.paragraph == 4]  # p4.s1 and p4.s2, one line, one bead
    done = join_sentences(ws, article, ko, "tgt", four[0].id)
    assert _text(ws, "ko.team") == done.before  # the same characters, now one sentence
    joined = next(s for s in done.alignment.target.sentences if s.id == four[0].id)
    assert joined.text == f"{four[0].text} {four[1].text}"
    assert four[1].id not in [s.id for s in done.alignment.target.sentences]
    _save(ws, done, ko)
    # Across lines (two beads): the lines join and so do the beads.
    ko = _load(ws, "ko.team")
    title, second = ko.target.sentences[:2]
    done = join_sentences(ws, ws.article(RODONG), ko, "tgt", title.id)
    lines = _text(ws, "ko.team").split("\n")
    assert lines[0] == f"{title.text} {second.text}" and len(lines) == len(done.before.split("\n")) - 1
    assert done.alignment.links[0].src == ["p1.s1", "p2.s1"] and done.alignment.links[0].tgt == [title.id]
    assert done.alignment.links[0].status == "edited"
    assert [s.paragraph for s in done.alignment.target.sentences][:3] == [1, 2, 3]  # the lines below moved up
    assert [s.id for s in done.alignment.target.sentences][1] == "p3.s1"  # and kept their ids


def test_undo_puts_the_text_and_the_other_alignments_back(ws):
    es = _load(ws, "es.team")
    history = review.History(es)
    text_before = _text(ws, "en.source")
    long = es.source.sentences[3]
    done = split_sentence(ws, ws.article(RODONG), es, "src", long.id, long.text.index("convened"))
    history.texts.update(done.texts)
    history.push(done.alignment)
    _save(ws, done, es)
    done = edit_sentence(ws, ws.article(RODONG), history.present, "src", "p1.s1", "General Offensive")
    history.texts.update(done.texts)
    history.push(done.alignment)
    previous = history.undo()  # the edit of p1.s1
    (step,) = restore(ws, ws.article(RODONG), previous, history.texts)
    assert step.version == "en.source" and _text(ws, "en.source") == text_before
    assert side(ws.article(RODONG), "en.source").sentences == previous.source.sentences
    original = history.undo()  # the split
    restore(ws, ws.article(RODONG), original, history.texts)
    assert _text(ws, "en.source") == text_before
    assert side(ws.article(RODONG), "en.source").sentences == es.source.sentences
    ko = _load(ws, "ko.team")  # carried back too
    assert ko.source.sentences == es.source.sentences and changed_texts(ws.article(RODONG), ko) == []
    assert [e["op"] for e in json.loads((ws.texts / RODONG / "en.source.edits.json").read_text())["log"]] == [
        "split",
        "edit",
        "undo",
        "undo",
    ]
    assert restore(ws, ws.article(RODONG), original, history.texts) == []  # nothing left to put back


def test_undo_does_not_overwrite_a_text_changed_elsewhere(ws):
    es = _load(ws, "es.team")
    done = edit_sentence(ws, ws.article(RODONG), es, "src", "p1.s1", "General Offensive")
    path = ws.texts / RODONG / "en.source.txt"
    path.write_text(path.read_text(encoding="utf-8") + "A line added by hand.\n", encoding="utf-8")
    with pytest.raises(TextEditError, match="changed outside"):
        restore(ws, ws.article(RODONG), es, done.texts)
    assert path.read_text(encoding="utf-8").endswith("A line added by hand.\n")


def test_edits_that_cannot_be_made(ws):
    ko = _load(ws, "ko.team")
    article = ws.article(RODONG)
    with pytest.raises(TextEditError, match="cannot be empty"):
        edit_sentence(ws, article, ko, "src", "p1.s1", " \n ")
    with pytest.raises(TextEditError, match="no sentence 'p99.s1'"):
        edit_sentence(ws, article, ko, "src", "p99.s1", "text")
    with pytest.raises(TextEditError, match="nothing follows"):
        join_sentences(ws, article, ko, "tgt", ko.target.sentences[-1].id)
    with pytest.raises(TextEditError, match="part empty"):
        split_sentence(ws, article, ko, "src", "p1.s1", 0)
    assert edit_sentence(ws, article, ko, "src", "p1.s1", ko.source.sentences[0].text) is None  # no change
    path = ws.texts / RODONG / "ko.team.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("총공격", "총 공격", 1), encoding="utf-8")
    with pytest.raises(TextEditError, match="changed since this alignment was made"):
        edit_sentence(ws, ws.article(RODONG), ko, "tgt", "p1.s1", "조국해방")
    assert not (ws.texts / RODONG / "ko.team.edits.json").exists()


def test_a_broken_edits_file_says_what_to_do(ws):
    (ws.texts / RODONG / "en.source.edits.json").write_text("{oops", encoding="utf-8")
    with pytest.raises(TextsError, match="delete it to use the sentences the splitter finds"):
        side(ws.article(RODONG), "en.source")
    (ws.texts / RODONG / "en.source.edits.json").write_text(
        json.dumps({"format": texts.EDITS_FORMAT, "sha256": "x", "sentences": [{"id": "p1"}]}),
        encoding="utf-8",
    )
    with pytest.raises(TextsError, match="sentence 1 needs an id, a paragraph number and a text"):
        side(ws.article(RODONG), "en.source")


def test_stored_sentences_are_dropped_when_the_text_is_changed_by_hand(ws):
    ko = _load(ws, "ko.team")
    long = ko.source.sentences[3]
    split_sentence(ws, ws.article(RODONG), ko, "src", long.id, long.text.index("convened"))
    path = ws.texts / RODONG / "en.source.txt"
    path.write_text(path.read_text(encoding="utf-8") + "A new paragraph.\n", encoding="utf-8")
    sentences = side(ws.article(RODONG), "en.source").sentences
    assert f"{long.id}a" not in [s.id for s in sentences] and sentences[-1].text == "A new paragraph."


@pytest.mark.parametrize("pasted", ["a  double space", "a\ttab", "\ufeffa byte-order mark", " padded  \t "])
def test_a_pasted_double_space_tab_or_bom_leaves_the_text_editable(ws, pasted):
    """Such an edit used to leave the sentence where the next edit could not find it ("re-align it first")."""
    ko = _load(ws, "ko.team")
    article = ws.article(RODONG)
    first = ko.source.sentences[0]
    done = edit_sentence(ws, article, ko, "src", first.id, f"{pasted} {first.text}")
    stored = done.alignment.source.sentences[0].text
    assert "  " not in stored and "\t" not in stored and "\ufeff" not in stored
    _save(ws, done, ko)
    ko = _load(ws, "ko.team")
    again = edit_sentence(ws, ws.article(RODONG), ko, "src", first.id, first.text)  # and back, then a split
    _save(ws, again, ko)
    ko = _load(ws, "ko.team")
    cut = first.text.index(" ", len(first.text) // 2)
    split = split_sentence(ws, ws.article(RODONG), ko, "src", first.id, cut)
    assert [s.id for s in split.alignment.source.sentences[:2]] == [first.id, f"{first.id}a"]


def test_a_paste_of_many_lines_gets_unique_ids_and_a_huge_one_a_message(ws):
    ko = _load(ws, "ko.team")
    article = ws.article(RODONG)
    first = ko.source.sentences[0]
    lines = "\n".join(f"Line {i} of the paste." for i in range(textedit.MAX_EDIT_SENTENCES))
    done = edit_sentence(ws, article, ko, "src", first.id, lines)
    ids = [s.id for s in done.alignment.source.sentences]
    assert len(ids) == len(set(ids)) == len(ko.source.sentences) + textedit.MAX_EDIT_SENTENCES - 1
    assert ids[1:4] == [f"{first.id}a", f"{first.id}b", f"{first.id}c"] and f"{first.id}-2" in ids
    with pytest.raises(TextEditError, match="at most 1,000"):
        edit_sentence(ws, article, ko, "src", first.id, lines + "\nOne more.")
    with pytest.raises(TextEditError, match="characters long"):
        edit_sentence(ws, article, ko, "src", first.id, "x" * (textedit.MAX_EDIT_CHARS + 1))


def test_an_edit_rewrites_only_the_lines_of_article_toml_that_changed(ws):
    """The edit stamps the edited version; every other line, each ``created`` as written included, stays."""
    path = ws.texts / CHEONAN / "article.toml"
    before = path.read_text(encoding="utf-8").replace(
        "\n[[versions]]", "\n# a reviewer's comment\n[[versions]]", 1
    )
    path.write_text(before, encoding="utf-8")
    es = _load(ws, "es.kcna", CHEONAN)
    first = es.target.sentences[0]
    edit_sentence(ws, ws.article(CHEONAN), es, "tgt", first.id, first.text + " (sic)")
    after = path.read_text(encoding="utf-8")
    gone = [line for line in before.splitlines() if line not in after.splitlines()]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert gone == [] and added and all(line.startswith(("edited", "kind", "official")) for line in added)
    assert "# a reviewer's comment" in after and "created = 2011-08-30T00:00:00Z" in after
