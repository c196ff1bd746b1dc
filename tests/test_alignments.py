import json
import multiprocessing
import os
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from workbench.align.aligner import Bead
from workbench.store import alignments as al
from workbench.store.alignments import (
    STATUSES,
    AlignedSide,
    Alignment,
    AlignmentError,
    ConflictError,
    CorruptAlignmentError,
    Link,
    alignment_path,
    check_disk,
    confidence_level,
    dumps,
    file_mtime,
    from_beads,
    is_reviewed,
    is_stale,
    keep_both,
    list_alignments,
    load_alignment,
    loads,
    reviewed_count,
    save_alignment,
    to_beads,
    validate,
)
from workbench.text.segment import Sentence

SRC_TEXTS = [
    "The salvage was delayed.",
    'He said "no comment".',
    "Weather was bad.",
    "Talks resumed 🎉.",
    "A back\\slash.",
]
TGT_TEXTS = [
    "인양이 지연되었다.",
    '그는 "노코멘트"라고 말했다.',
    "날씨가 나빴다.",
    "바람도 강했다.",
    "회담이 재개되었다 🎉.",
    "추가 문장.",
    "또 하나.",
]


def side(version, language, texts, per_paragraph=2):
    sents = []
    for i, text in enumerate(texts):
        p, s = divmod(i, per_paragraph)
        sents.append(Sentence(f"p{p + 1}.s{s + 1}", text, p + 1))
    return AlignedSide(version, language, f"sha256:{version}", sents)


BEADS = [
    Bead((0,), (0,), 0.9),  # 1-1
    Bead((1,), (), 0.2),  # 1-0
    Bead((), (1,), 0.15),  # 0-1
    Bead((2, 3), (2,), 0.71234567),  # 2-1
    Bead((4,), (3, 4, 5), 0.5),  # 1-3
    Bead((), (6,), 0.0),  # 0-1 at the end
]


@pytest.fixture
def alignment():
    src = side("en.source", "en", SRC_TEXTS)
    tgt = side("ko.v1", "ko", TGT_TEXTS, per_paragraph=3)
    return from_beads("kcna-test", src, tgt, BEADS, "use-m3", {"max_align": 5, "windows": "near"})


def test_from_beads_to_beads_round_trip(alignment):
    assert to_beads(alignment) == [(b.src, b.tgt) for b in BEADS]
    assert [link.status for link in alignment.links] == ["auto"] * len(BEADS)
    assert alignment.links[4] == Link(["p3.s1"], ["p2.s1", "p2.s2", "p2.s3"], 0.5)
    assert alignment.revision == 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", alignment.created)
    assert alignment.created == alignment.modified


def test_from_beads_rejects_bad_beads(alignment):
    with pytest.raises(al.AlignmentError):
        from_beads("a", alignment.source, alignment.target, [Bead((0,), (99,), 0.5)], "m", {})
    with pytest.raises(CorruptAlignmentError):  # leaves sentences unaligned
        from_beads("a", alignment.source, alignment.target, BEADS[:2], "m", {})


def test_dumps_loads_round_trip(alignment):
    text = dumps(alignment)
    assert text.endswith("}\n")
    json.loads(text)
    back = loads(text)
    assert back.links[3].score == 0.7123  # rounded to 4 decimals
    back.links[3].score = alignment.links[3].score
    assert back == alignment
    assert "인양이" in text and "🎉" in text  # ensure_ascii=False


def test_layout_one_line_per_sentence_and_link(alignment):
    lines = dumps(alignment).splitlines()
    keys = [m.group(1) for line in lines if (m := re.match(r'^  "(\w+)":', line))]
    assert keys == [
        "format", "article", "revision", "created", "modified", "model", "params", "source", "target", "links"
    ]  # fmt: skip
    assert lines[1] == '  "format": "workbench.alignment/1",'
    link_lines = [line for line in lines if line.startswith('    {"src": ')]
    assert len(link_lines) == len(BEADS)
    assert link_lines[4] == (
        '    {"src": ["p3.s1"], "tgt": ["p2.s1", "p2.s2", "p2.s3"], "score": 0.5, "status": "auto"},'
    )
    assert link_lines[-1].endswith("}")  # no trailing comma on the last one
    sentence_lines = [line for line in lines if line.startswith('      {"id": ')]
    assert len(sentence_lines) == len(SRC_TEXTS) + len(TGT_TEXTS)
    for line in sentence_lines:
        json.loads(line.strip().rstrip(","))
    assert '"text": "He said \\"no comment\\"."' in sentence_lines[1]


def test_save_load_round_trip_and_revision_bump(tmp_path, alignment):
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    assert path == tmp_path / "kcna-test" / "ko.v1.json"
    first = save_alignment(path, alignment)
    assert first.revision == 1 and alignment.revision == 0
    loaded = load_alignment(path)
    assert loaded.revision == 1
    assert loaded.target.sentences == alignment.target.sentences
    assert to_beads(loaded) == to_beads(alignment)

    loaded.links[0].status = "confirmed"
    second = save_alignment(path, loaded, expected_revision=1)
    assert second.revision == 2
    third = save_alignment(path, second, expected_revision=second.revision)
    assert load_alignment(path).revision == third.revision == 3
    assert load_alignment(path).links[0].status == "confirmed"
    assert os.listdir(path.parent) == ["ko.v1.json"]


def test_conflict_when_file_changed_on_disk(tmp_path, alignment):
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    save_alignment(path, alignment)
    mine = load_alignment(path)
    theirs = load_alignment(path)
    theirs.links[0].status = "edited"
    save_alignment(path, theirs, expected_revision=theirs.revision)  # other writer gets in first

    mine.links[1].status = "confirmed"
    with pytest.raises(ConflictError, match=r"changed on disk.*on disk 2, expected 1") as e:
        save_alignment(path, mine, expected_revision=mine.revision)
    assert str(path) in str(e.value)
    assert load_alignment(path).links[0].status == "edited"  # their edit survives

    forced = save_alignment(path, mine, expected_revision=mine.revision, force=True)
    assert forced.revision == 3
    assert load_alignment(path).links[1].status == "confirmed"


def test_new_alignment_must_not_overwrite(tmp_path, alignment):
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    save_alignment(path, alignment)
    with pytest.raises(ConflictError, match="already exists"):
        save_alignment(path, alignment)
    assert save_alignment(path, alignment, force=True).revision == 2
    with pytest.raises(ConflictError):  # file deleted since it was loaded at revision 2
        path.unlink()
        save_alignment(path, alignment, expected_revision=2)
    assert save_alignment(path, alignment, expected_revision=0).revision == 1


CORRUPTIONS = {
    "not JSON": lambda t: "hello, world",
    "truncated": lambda t: t[: len(t) // 2],
    "wrong format": lambda t: t.replace("workbench.alignment/1", "workbench.alignment/9"),
    "missing key": lambda t: "\n".join(line for line in t.splitlines() if '"model"' not in line),
    "unknown id": lambda t: t.replace('{"src": ["p3.s1"]', '{"src": ["p9.s9"]'),
    "linked twice": lambda t: t.replace('{"src": ["p3.s1"]', '{"src": ["p1.s1"]'),
    "not monotonic": lambda t: t.replace('"src": ["p2.s1", "p2.s2"]', '"src": ["p2.s2", "p2.s1"]'),
    "score 1.5": lambda t: t.replace('"score": 0.5,', '"score": 1.5,'),
    "bad status": lambda t: t.replace('"status": "auto"', '"status": "maybe"', 1),
    "missing sentence": lambda t: t.replace('"src": ["p2.s1", "p2.s2"]', '"src": ["p2.s1"]'),
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_corrupt_files_name_the_file(tmp_path, alignment, name):
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    save_alignment(path, alignment)
    good = path.read_text(encoding="utf-8")
    bad = CORRUPTIONS[name](good)
    assert bad != good
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CorruptAlignmentError) as e:
        load_alignment(path)
    assert str(path) in str(e.value)
    with pytest.raises(CorruptAlignmentError):  # and a save over it is refused unless forced
        save_alignment(path, alignment, expected_revision=1)
    assert save_alignment(path, alignment, force=True).revision == 1


def test_validate_rejects_links_out_of_order(alignment):
    alignment.links[0], alignment.links[1] = alignment.links[1], alignment.links[0]
    with pytest.raises(CorruptAlignmentError, match="order"):
        validate(alignment)


def test_failed_write_keeps_old_file_and_no_temp(tmp_path, alignment, monkeypatch):
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    save_alignment(path, alignment)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    edited = load_alignment(path)
    edited.links[0].status = "confirmed"
    with pytest.raises(AlignmentError, match="cannot write .*ko.v1.json: disk full"):
        save_alignment(path, edited, expected_revision=1)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["ko.v1.json"]


def test_is_stale(alignment):
    assert not is_stale(alignment, "sha256:en.source", "sha256:ko.v1")
    assert is_stale(alignment, "sha256:changed", "sha256:ko.v1")
    assert is_stale(alignment, "sha256:en.source", "sha256:changed")


def test_list_alignments_and_paths(tmp_path, alignment):
    assert list_alignments(tmp_path / "missing") == []
    for article, version in [("b-article", "ko.v1"), ("a-article", "ko.v2"), ("a-article", "ja.v1")]:
        save_alignment(alignment_path(tmp_path, article, version), alignment)
    (tmp_path / "a-article" / "notes.txt").write_text("x")
    assert list_alignments(tmp_path) == [
        tmp_path / "a-article" / "ja.v1.json",
        tmp_path / "a-article" / "ko.v2.json",
        tmp_path / "b-article" / "ko.v1.json",
    ]
    for bad in ["", "..", "a/b", ".hidden"]:
        with pytest.raises(al.AlignmentError):
            alignment_path(tmp_path, bad, "ko.v1")


def test_empty_sides_round_trip():
    empty = Alignment(
        "a", AlignedSide("en.source", "en", "sha256:x", []), AlignedSide("ko.v1", "ko", "sha256:y", []),
        [], "use-m3", {}, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z",
    )  # fmt: skip
    assert loads(dumps(empty)) == empty


# --- the campaign's corrupt files: each is an error naming the file, never a crash ---------------------

CAMPAIGN_CORRUPTIONS = {
    "a score of 401 digits": lambda t: t.replace('"score": 0.5,', '"score": ' + "9" * 401 + ",", 1),
    "a score of 5,000 digits": lambda t: t.replace('"score": 0.5,', '"score": ' + "9" * 5000 + ",", 1),
    "arrays nested 100,000 deep": lambda t: t.replace(
        '"params": {', '"deep": ' + "[" * 100_000 + "]" * 100_000 + ', "params": {', 1
    ),
    "a lone surrogate escape": lambda t: t.replace("Weather was bad.", "Weather \\ud800 was bad."),
    "a low surrogate alone": lambda t: t.replace("Weather was bad.", "Weather \\udc00 was bad."),
    "a revision of 30 digits": lambda t: t.replace('"revision": 1,', '"revision": ' + "9" * 30 + ","),
    "empty": lambda t: "",
    "NUL bytes": lambda t: "\x00" * 100,
}


@pytest.mark.parametrize("name", CAMPAIGN_CORRUPTIONS)
def test_campaign_corruptions_are_errors_not_crashes(tmp_path, alignment, name):
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    save_alignment(path, alignment)
    path.write_text(CAMPAIGN_CORRUPTIONS[name](path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(CorruptAlignmentError) as e:
        load_alignment(path)
    assert str(path) in str(e.value)
    with pytest.raises(CorruptAlignmentError):
        save_alignment(path, alignment, expected_revision=1)


def test_a_surrogate_pair_escape_is_fine(tmp_path, alignment):
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    save_alignment(path, alignment)
    path.write_text(path.read_text(encoding="utf-8").replace("🎉", "\\ud83c\\udf89"), encoding="utf-8")
    assert load_alignment(path).source.sentences[3].text == "Talks resumed 🎉."


def test_an_alignment_path_that_is_a_folder(tmp_path, alignment):
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    (path / "inside").mkdir(parents=True)
    with pytest.raises(CorruptAlignmentError, match="a folder, not an alignment file"):
        load_alignment(path)
    with pytest.raises(CorruptAlignmentError):
        save_alignment(path, alignment)
    assert save_alignment(path, alignment, force=True).revision == 1  # the folder is moved aside, kept
    (aside,) = [p for p in path.parent.iterdir() if p.name.startswith("ko.v1.json.corrupt-")]
    assert (aside / "inside").is_dir()


def test_an_alignment_that_no_file_can_hold_is_an_error(tmp_path, alignment):
    alignment.source.sentences[0] = replace(alignment.source.sentences[0], text="bad \ud800 text")
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    with pytest.raises(AlignmentError, match="cannot be saved"):
        save_alignment(path, alignment)
    assert not path.exists()


# --- nothing a save replaces is lost --------------------------------------------------------------------


def test_forced_saves_keep_every_corrupt_file_and_every_reviewed_one(tmp_path, alignment):
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    saved = save_alignment(
        path, replace(alignment, links=[replace(x, status="confirmed") for x in alignment.links])
    )
    reviewed = path.read_bytes()
    saved = save_alignment(path, alignment, expected_revision=saved.revision, backup=True)
    (bak,) = path.parent.glob("ko.v1.json.bak-*")
    assert bak.read_bytes() == reviewed
    path.write_bytes(b"")  # truncated: the repro of the lost backup
    save_alignment(path, alignment, force=True, backup=True)
    assert bak.read_bytes() == reviewed  # the earlier backup is untouched
    (corrupt,) = path.parent.glob("ko.v1.json.corrupt-*")
    assert corrupt.read_bytes() == b""
    path.write_bytes(b"{broken")
    save_alignment(path, alignment, force=True)
    assert sorted(p.read_bytes() for p in path.parent.glob("ko.v1.json.corrupt-*")) == [b"", b"{broken"]
    assert list_alignments(tmp_path) == [path]


def test_keep_both_twice_in_the_same_second_keeps_both(tmp_path, alignment):
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    save_alignment(path, alignment)
    mine = [
        replace(alignment, links=[replace(alignment.links[0], status=s), *alignment.links[1:]])
        for s in STATUSES
    ]
    copies = [keep_both(path, a) for a in mine]
    assert len(set(copies)) == 3
    assert [loads(c.read_text(encoding="utf-8")).links[0].status for c in copies] == list(STATUSES)


def test_check_disk(tmp_path, alignment):
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    saved = save_alignment(path, alignment)
    mtime = file_mtime(path)
    assert check_disk(path, saved.revision, mtime).state == "unchanged"
    os.utime(path, ns=(mtime + 10**9, mtime + 10**9))  # touched, same revision
    touched = check_disk(path, saved.revision, mtime)
    assert touched.state == "unchanged" and touched.mtime == mtime + 10**9
    save_alignment(path, alignment, expected_revision=saved.revision)
    changed = check_disk(path, saved.revision, mtime)
    assert changed.state == "changed" and changed.revision == 2
    assert changed.reload(unsaved=False) and not changed.reload(unsaved=True)
    assert changed.conflict(path, unsaved=True).endswith("(revision 2 there, 1 here).")
    path.write_text("{", encoding="utf-8")
    unreadable = check_disk(path, saved.revision, mtime)
    assert unreadable.state == "unreadable" and "cannot be read now" in unreadable.conflict(
        path, unsaved=False
    )
    path.unlink()
    assert check_disk(path, saved.revision, mtime).conflict(path, unsaved=False) == f"{path} was deleted."


def test_one_definition_of_reviewed_and_of_the_confidence_bands(alignment):
    a = replace(
        alignment,
        links=[
            replace(x, status=s)
            for x, s in zip(alignment.links, ["confirmed", "edited", "auto"] * 2, strict=True)
        ],
    )
    assert [is_reviewed(x) for x in a.links] == [True, True, False] * 2 and reviewed_count(a) == 4
    assert [confidence_level(x) for x in (0.0, 0.49, 0.5, 0.79, 0.8, 1.0)] == ["low"] * 2 + ["medium"] * 2 + [
        "high"
    ] * 2


# --- two processes saving at once ------------------------------------------------------------------------


def _save_at_the_barrier(path, alignment, revision, barrier, results) -> None:
    barrier.wait()
    try:
        save_alignment(path, alignment, expected_revision=revision)
    except ConflictError:
        results.put("conflict")
    else:
        results.put("saved")


def two_simultaneous_saves(tmp_path: Path, alignment: Alignment, trials: int) -> Counter:
    """``trials`` times, two processes load the same revision and save at the same instant (a barrier);
    counts how many of the two succeeded each time."""
    ctx = multiprocessing.get_context("fork")
    path = alignment_path(tmp_path, "kcna-test", "ko.v1")
    outcomes: Counter = Counter()
    revision = save_alignment(path, alignment, force=True).revision
    for _ in range(trials):
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [
            ctx.Process(target=_save_at_the_barrier, args=(path, alignment, revision, barrier, results))
            for _ in range(2)
        ]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        got = sorted(results.get(timeout=10) for _ in procs)
        outcomes[got.count("saved")] += 1
        revision = load_alignment(path).revision
    return outcomes


@pytest.mark.slow
def test_two_simultaneous_saves_exactly_one_succeeds(tmp_path, alignment):
    assert two_simultaneous_saves(tmp_path, alignment, 25) == Counter({1: 25})
    assert load_alignment(alignment_path(tmp_path, "kcna-test", "ko.v1")).revision == 26


# --- bead notes and flags (issue 30) -------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]


def test_notes_and_flags_are_stored_only_when_set(alignment):
    plain = dumps(alignment)
    assert '"note"' not in plain and '"flag"' not in plain
    alignment.links[0].note = 'say "why" \\ here\nsecond line 🎉'
    alignment.links[2].flag = True
    text = dumps(alignment)
    lines = [line for line in text.splitlines() if line.startswith('    {"src": ')]
    assert len(lines) == len(alignment.links)  # still one line a link
    assert lines[0].endswith('"status": "auto", "note": "say \\"why\\" \\\\ here\\nsecond line 🎉"},')
    assert lines[2].endswith('"status": "auto", "flag": true},')
    back = loads(text)
    assert (back.links[0].note, back.links[0].flag, back.links[2].note, back.links[2].flag) == (
        alignment.links[0].note,
        False,
        "",
        True,
    )
    alignment.links[0].note, alignment.links[2].flag = "", False
    assert dumps(alignment) == plain  # unset again: the file is as it was


def test_committed_files_without_notes_read_and_write_byte_identical():
    for path in sorted((REPO / "alignments").glob("*/*.json")):
        assert dumps(load_alignment(path)) == path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize(
    "link, message",
    [
        ('"note": 3', "'note' has the wrong type"),
        ('"note": null', "'note' has the wrong type"),
        ('"flag": "yes"', "'flag' has the wrong type"),
        ('"flag": 1', "'flag' has the wrong type"),
    ],
)
def test_notes_and_flags_of_the_wrong_type_are_corrupt(alignment, link, message):
    text = dumps(alignment).replace('"status": "auto"}', f'"status": "auto", {link}}}', 1)
    with pytest.raises(CorruptAlignmentError, match=message):
        loads(text, "f.json")
    bad = replace(alignment.links[0], flag="yes")
    with pytest.raises(CorruptAlignmentError, match="note must be text"):
        validate(replace(alignment, links=[bad, *alignment.links[1:]]))


def test_carry_notes_to_the_same_bead_or_the_one_holding_its_first_sentence(alignment):
    old = replace(alignment, links=[replace(x) for x in alignment.links])
    old.links[0].note, old.links[3].note, old.links[3].flag = "same bead", "moved", True
    # new: link 1 kept as it is, links 2-4 merged into one (which holds link 4's first sentence)
    links = [replace(x, note="", flag=False) for x in alignment.links]
    merged = Link([*links[1].src, *links[3].src], [*links[2].tgt, *links[3].tgt], 0.4)
    new = replace(alignment, links=[links[0], merged, links[4], links[5]])
    carried = al.carry_notes(old, new)
    assert [(x.note, x.flag) for x in carried.links] == [
        ("same bead", False),
        ("moved", True),
        ("", False),
    ] + [("", False)]
    changed = replace(new, source=replace(new.source, sentences=list(new.source.sentences)))
    changed.source.sentences[2] = replace(changed.source.sentences[2], text="changed")  # link 4's first one
    assert [x.note for x in al.carry_notes(old, changed).links] == ["same bead", "", "", ""]
