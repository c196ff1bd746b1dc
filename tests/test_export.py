"""Tests for workbench.export.articles and `workbench export`: every format read back by a standard reader,
the
filters, skip reasons, multi-target TMX on the sample article, determinism and the bad-input paths."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tomllib
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import cli_run
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from translate.storage.tmx import tmxfile

from workbench import __version__
from workbench.align.factory import make_aligner, resolve_models
from workbench.export import articles as ex
from workbench.export import formats
from workbench.store import texts as tx
from workbench.store.alignments import AlignedSide, Alignment, Link, load_alignment, save_alignment
from workbench.text.segment import Sentence
from workbench.workspace import Workspace, align_version

SAMPLES = Path(__file__).resolve().parents[1] / "texts"
SEED = "rodong-2024-08-09-general-offensive"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FORMATS = ("tmx", "moses", "tsv", "jsonl", "parquet")


@pytest.fixture(scope="module")
def aligned(tmp_path_factory) -> Path:
    """The sample texts with the seed article's two translations (ko.team, es.team) aligned by the fast
    preset, done once for the module."""
    root = tmp_path_factory.mktemp("aligned")
    shutil.copytree(SAMPLES, root / "texts")
    ws = Workspace(root)
    names, params = resolve_models("fast")
    aligner = make_aligner(names, params, cache=root / "embeddings.sqlite")
    article = ws.article(SEED)
    for version in ("ko.team", "es.team"):
        align_version(ws, article, version, aligner, "+".join(names))
    return root


@pytest.fixture
def ws(aligned: Path, tmp_path: Path) -> Workspace:
    """A fresh copy of the aligned workspace."""
    root = tmp_path / "ws"
    for sub in ("texts", "alignments"):
        shutil.copytree(aligned / sub, root / sub)
    return Workspace(root)


def review(ws: Workspace, version: str, pick) -> Alignment:
    """Set each bead's status to ``pick(index, link)`` and save the alignment."""
    path = ws.alignment_path(SEED, version)
    record = load_alignment(path)
    for i, link in enumerate(record.links):
        link.status = pick(i, link)
    return save_alignment(path, record, expected_revision=record.revision)


NOTE = 'check "<term>" & <b>this</b>\there\r\nline 2 ]]>'  # every character XML and TSV quote or escape


def review_sample(ws: Workspace) -> None:
    """es.team all confirmed; ko.team: every third bead left auto, every fifth edited. Notes: es.team bead 1
    (escapes to check) and ko.team bead 1 (the same <tu>: two notes), ko.team bead 2 flagged."""
    review(ws, "es.team", lambda i, link: "confirmed")
    review(ws, "ko.team", lambda i, link: "auto" if i % 3 == 2 else "edited" if i % 5 == 4 else "confirmed")
    for version, k, note, flag in (("es.team", 0, NOTE, False), ("ko.team", 0, "한국어 메모", True)):
        path = ws.alignment_path(SEED, version)
        record = load_alignment(path)
        record.links[k].note = note
        record.links[k + 1].flag = flag
        save_alignment(path, record, expected_revision=record.revision)


def run(*args: str | Path):
    return cli_run.run("export", *args)


# --- what the export should hold, computed from the files on their own ---------------------------------


def expected_rows(ws: Workspace, status: str = "confirmed") -> list[dict]:
    rows = []
    for path in sorted(ws.alignments.glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        meta = tomllib.loads((ws.texts / data["article"] / "article.toml").read_text(encoding="utf-8"))
        target = next(v for v in meta["versions"] if v["id"] == data["target"]["version"])
        src = {s["id"]: s["text"] for s in data["source"]["sentences"]}
        tgt = {s["id"]: s["text"] for s in data["target"]["sentences"]}
        for link in data["links"]:
            if not link["src"] or not link["tgt"]:
                continue
            if status == "confirmed" and link["status"] not in ("confirmed", "edited"):
                continue
            rows.append(
                {
                    "article": data["article"],
                    "source_lang": data["source"]["language"],
                    "target_lang": data["target"]["language"],
                    "source_version": data["source"]["version"],
                    "target_version": data["target"]["version"],
                    "source_ids": link["src"],
                    "target_ids": link["tgt"],
                    "source_text": " ".join(src[i] for i in link["src"]),
                    "target_text": " ".join(tgt[i] for i in link["tgt"]),
                    "score": link["score"],
                    "status": link["status"],
                    "kind": target["kind"],
                    "origin": target["origin"],
                    "official": target["official"],
                    "note": link.get("note", ""),
                    "flag": link.get("flag", False),
                }
            )
    return rows


def read_table(fmt: str, data: bytes) -> list[dict]:
    """Rows of a TSV, JSONL or Parquet export, read with pandas / pyarrow, in the columns' types."""
    if fmt == "tsv":
        frame = pd.read_csv(io.BytesIO(data), sep="\t", dtype=str, keep_default_na=False)
        rows = frame.to_dict("records")
        for row in rows:
            row["source_ids"], row["target_ids"] = row["source_ids"].split(), row["target_ids"].split()
            row["score"] = float(row["score"])
            row["official"] = {"true": True, "false": False}[row["official"]]
            row["flag"] = {"true": True, "false": False}[row["flag"]]
        return rows
    if fmt == "jsonl":
        return pd.read_json(io.BytesIO(data), lines=True, dtype=False, precise_float=True).to_dict("records")
    return pq.read_table(io.BytesIO(data)).to_pylist()


def read_moses(files: dict[str, bytes]) -> dict[str, list[list[str]]]:
    """Per language pair stem: lines of the source file, the target file and the ids file."""
    out = {}
    for name in files:
        if name.endswith(".ids"):
            stem = name[: -len(".ids")]
            src, tgt = stem.rsplit(".", 1)[1].split("-")
            columns = [files[f"{stem}.{src}"], files[f"{stem}.{tgt}"], files[name]]
            lines = [c.decode("utf-8").split("\n") for c in columns]
            for column in lines:
                assert column[-1] == ""  # every line ends in a newline
                del column[-1]
            assert len({len(c) for c in lines}) == 1, "Moses files are not line-parallel"
            for content in columns[:2]:  # no other line breaks hide inside a line
                assert len(content.decode("utf-8").splitlines()) == len(lines[0])
                assert "\t" not in content.decode("utf-8")
            out[stem] = lines
    return out


def moses_rows(lines: dict[str, list[list[str]]]) -> list[tuple]:
    rows = []
    for stem in sorted(lines):
        for src, tgt, ids in zip(*lines[stem], strict=True):
            article, src_version, tgt_version, src_ids, tgt_ids = ids.split("\t")
            rows.append((article, tgt_version, tuple(src_ids.split()), tuple(tgt_ids.split()), src, tgt))
    return rows


def tmx_units(data: bytes) -> list[dict]:
    """Each <tu> as {"props": {...}, "tuvs": {lang: {"seg": text, "props": {...}}}}, checking the 1.4b
    structure on the way."""
    root = etree.fromstring(data)
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header, body = root
    assert (header.tag, body.tag) == ("header", "body")
    units = []
    for tu in body:
        assert tu.tag == "tu"
        unit = {"tuid": tu.get("tuid"), "props": {}, "tuvs": {}, "notes": []}
        children = list(tu)
        kinds = [c.tag for c in children]
        assert kinds == sorted(kinds, key=lambda k: k == "tuv"), "notes and props come before the tuvs"
        for child in children:
            if child.tag == "prop":
                unit["props"][child.get("type")] = child.text or ""
                continue
            if child.tag == "note":
                assert len(child) == 0 and child.text
                unit["notes"].append(child.text)
                continue
            lang = child.get(XML_LANG)
            assert lang and lang not in unit["tuvs"], "one tuv per language"
            *props, seg = list(child)
            assert seg.tag == "seg" and len(seg) == 0
            assert all(p.tag == "prop" and p.get("type").startswith("x-") for p in props)
            unit["tuvs"][lang] = {
                "seg": seg.text or "",
                "props": {p.get("type"): p.text or "" for p in props},
                "changedate": child.get("changedate"),
            }
        units.append(unit)
    return units


# --- round trips on the sample article -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["tsv", "jsonl", "parquet"])
def test_table_round_trip(ws, tmp_path, fmt):
    review_sample(ws)
    out = tmp_path / f"corpus.{fmt}"
    report = ex.export_workspace(ws, None, fmt, out)
    expected = expected_rows(ws)
    assert read_table(fmt, out.read_bytes()) == expected
    assert report.written == report.units == len(expected) > 10
    assert report.alignments == 2
    assert report.skipped[ex.NOT_REVIEWED] == sum(
        1 for link in load_alignment(ws.alignment_path(SEED, "ko.team")).links if link.status == "auto"
    )
    assert report.files == [str(out)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ws", out.name])  # no temp files left


@pytest.mark.parametrize("fmt", ["hf-jsonl", "hf-parquet"])
def test_hugging_face_layouts_carry_notes_and_flags(ws, tmp_path, fmt):
    review_sample(ws)
    out = tmp_path / f"corpus{formats.FORMATS[fmt].extension}"
    ex.export_workspace(ws, [SEED], fmt, out, ex.ExportOptions(langs=("es",)))
    rows = read_table(fmt.removeprefix("hf-"), out.read_bytes())
    expected = [r for r in expected_rows(ws) if r["target_lang"] == "es"]
    assert [r["translation"]["es"] for r in rows] == [r["target_text"] for r in expected]
    assert [(r["note"], r["flag"]) for r in rows] == [(r["note"], r["flag"]) for r in expected]
    assert rows[0]["note"] == NOTE and not any(r["note"] for r in rows[1:])


def test_jsonl_loads_with_pandas_as_is(ws, tmp_path):
    out = tmp_path / "corpus.jsonl"
    ex.export_workspace(ws, [SEED], "jsonl", out, ex.ExportOptions(status="any"))
    frame = pd.read_json(out, lines=True)
    assert list(frame.columns) == list(ex.COLUMNS)
    assert len(frame) == len(expected_rows(ws, "any"))
    assert set(frame["target_lang"]) == {"ko", "es"}


def test_moses_round_trip(ws, tmp_path):
    review_sample(ws)
    report = ex.export_workspace(ws, [SEED], "moses", tmp_path / "corpus")
    names = sorted(Path(p).name for p in report.files)
    assert names == sorted(f"corpus.en-{x}.{y}" for x in ("es", "ko") for y in ("en", "ids", x))
    lines = read_moses({n: (tmp_path / n).read_bytes() for n in names})
    expected = [
        (r["article"], r["target_version"], tuple(r["source_ids"]), tuple(r["target_ids"]))
        + (r["source_text"], r["target_text"])
        for r in expected_rows(ws)
    ]
    assert sorted(moses_rows(lines)) == sorted(expected)
    assert report.written == len(expected)

    # the same as a zip, and as bytes for a download
    zipped = ex.export_workspace(ws, [SEED], "moses", tmp_path / "corpus.zip")
    with zipfile.ZipFile(tmp_path / "corpus.zip") as zf:
        assert zf.namelist() == names
        assert {n: zf.read(n) for n in names} == {n: (tmp_path / n).read_bytes() for n in names}
    assert zipped.files == [str(tmp_path / "corpus.zip")]


def test_tmx_round_trip_multi_target(ws, tmp_path):
    review_sample(ws)
    out = tmp_path / "corpus.tmx"
    report = ex.export_workspace(ws, [SEED], "tmx", out)
    data = out.read_bytes()
    header = etree.fromstring(data).find("header")
    assert dict(header.attrib) == {
        "creationtool": "workbench",
        "creationtoolversion": __version__,
        "segtype": "sentence",
        "o-tmf": "workbench.alignment/1",
        "adminlang": "en",
        "srclang": "en",
        "datatype": "plaintext",
    }
    units = tmx_units(data)

    # every exported bead is in exactly one <tu>, beside the other language's bead with the same English
    by_key: dict[tuple, dict[str, dict]] = {}
    for row in expected_rows(ws):
        by_key.setdefault(tuple(row["source_ids"]), {})[row["target_lang"]] = row
    assert len(units) == len(by_key) == report.units
    assert report.written == sum(len(v) for v in by_key.values())
    merged = notes = 0
    for unit in units:
        en = unit["tuvs"]["en"]
        key = tuple(en["props"]["x-ids"].split())
        rows = by_key.pop(key)
        assert set(unit["tuvs"]) == {"en", *rows}
        merged += len(rows) == 2
        assert unit["props"] == {"x-article": SEED}
        assert sorted(unit["notes"]) == sorted(r["note"] for r in rows.values() if r["note"])
        notes += len(unit["notes"])
        assert en["seg"] == next(iter(rows.values()))["source_text"]
        assert en["props"]["x-version"] == "en.source" and en["props"]["x-kind"] == "source"
        for lang, row in rows.items():
            tuv = unit["tuvs"][lang]
            assert tuv["seg"] == row["target_text"]
            assert tuv["props"]["x-ids"].split() == row["target_ids"]
            assert float(tuv["props"]["x-score"]) == row["score"]
            assert tuv["props"]["x-status"] == row["status"]
            assert tuv["props"]["x-kind"] == row["kind"] == "human"
            assert tuv["props"]["x-origin"] == row["origin"]
            assert tuv["props"]["x-official"] == "false"
            assert tuv["props"].get("x-flag") == ("true" if row["flag"] else None)
            assert re.fullmatch(r"\d{8}T\d{6}Z", tuv["changedate"])
    assert not by_key
    assert merged >= 5, "the two translations share English sides: their beads must share <tu>s"
    assert notes == 2 and b"<note>check &quot;" not in data and b"&lt;term&gt;" in data
    assert "한국어 메모" in units[0]["notes"] and NOTE in units[0]["notes"]  # \r kept as &#13;

    # a standard TMX reader sees the same units and texts
    store = tmxfile(io.BytesIO(data))
    assert len(store.units) == len(units)
    for unit, parsed in zip(store.units, units, strict=True):
        assert unit.getid() == parsed["tuid"]
        nodes = {n.get(XML_LANG): unit.getNodeText(n) for n in unit.getlanguageNodes()}
        assert nodes == {lang: tuv["seg"] for lang, tuv in parsed["tuvs"].items()}
        assert unit.source == parsed["tuvs"]["en"]["seg"]


def test_tmx_puts_a_second_version_of_a_language_in_its_own_tu(ws, tmp_path):
    """Two Spanish versions aligned to the same English: one <tu> may hold only one tuv per language."""
    article = ws.article(SEED)
    text = tx.read_version_text(article, "es.team")
    tx.add_version(ws.texts, SEED, text, language="es", kind="machine", origin="copy", tag="copy")
    copy = load_alignment(ws.alignment_path(SEED, "es.team"))
    copy.target.version = "es.copy"
    save_alignment(ws.alignment_path(SEED, "es.copy"), copy)
    report = ex.export_workspace(ws, [SEED], "tmx", tmp_path / "c.tmx", ex.ExportOptions(status="any"))
    units = tmx_units((tmp_path / "c.tmx").read_bytes())
    assert len({u["tuid"] for u in units}) == len(units)
    es_versions = [u["tuvs"]["es"]["props"]["x-version"] for u in units if "es" in u["tuvs"]]
    assert sorted(set(es_versions)) == ["es.copy", "es.team"]
    assert es_versions.count("es.copy") == es_versions.count("es.team") == len(copy.links)
    assert report.written == len(expected_rows(ws, "any"))


# --- Unicode edge cases (hypothesis) ---------------------------------------------------------------------

EDGE = st.sampled_from(
    [
        "한국어",
        "조선중앙통신",
        "😀",
        "👩\u200d👩\u200d👧",
        "e\u0301",
        "\u0301",
        "\u1100\u1161",  # conjoining jamo
        "\t",
        "\n",
        "\r",
        "\r\n",
        " ",
        "\u00a0",
        "<",
        ">",
        "&",
        "&amp;",
        '"',
        "'",
        "]]>",
        "\x00",
        "\x01",
        "\x0b",
        "\x0c",
        "\x1c",
        "\x1f",
        "\x7f",
        "\x85",
        "\u2028",
        "\ufeff",
        "\ufffe",
        "\uffff",
        "\ud800",
        "NA",
        "1.5",
        "",
    ]
)
TEXT = st.lists(st.one_of(EDGE, st.text(max_size=4)), max_size=6).map("".join)
XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MOSES_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029 ]+")


def as_written(text: str, fmt: str) -> str:
    """What a format is specified to make of a text: lone surrogates (no UTF-8 can hold them) become
    U+FFFD everywhere, and in TMX every character XML 1.0 forbids; Moses puts a sentence on one line."""
    text = re.sub("[\ud800-\udfff]", "\ufffd", text)
    if fmt == "tmx":
        return XML_FORBIDDEN.sub("\ufffd", text)
    if fmt == "moses":
        return MOSES_BREAKS.sub(" ", text).strip(" ")
    return text


@st.composite
def article_records(draw) -> list[ex.Record]:
    """One article with a Korean and a Spanish translation, each 1-1 aligned to the same English."""
    n = draw(st.integers(1, 4))
    src = AlignedSide(
        "en.source", "en", "sha256:s", [Sentence(f"p{i}.s1", draw(TEXT), i) for i in range(1, n + 1)]
    )
    records = []
    for lang in draw(st.sampled_from([["es"], ["ko"], ["es", "ko"]])):
        sents = [Sentence(f"p{i}.s1", draw(TEXT), i) for i in range(1, n + 1)]
        links = [
            Link(
                [f"p{i}.s1"],
                [f"p{i}.s1"],
                draw(st.floats(0, 1)),
                draw(st.sampled_from(["auto", "confirmed", "edited"])),
                draw(TEXT),
                draw(st.booleans()),
            )
            for i in range(1, n + 1)
        ]
        target = AlignedSide(f"{lang}.t", lang, "sha256:t", sents)
        alignment = Alignment(
            "art-1", src, target, links, "test", {}, "2026-01-01T00:00:00Z", "2026-01-02T03:04:05Z", 1
        )
        created = datetime(2026, 1, 1, tzinfo=UTC)
        version = tx.TextVersion(
            f"{lang}.t", f"{lang}.t.txt", lang, "human", draw(TEXT), created, draw(st.booleans())
        )
        records.append(ex.Record(alignment, None, version))
    return records


def expected_beads(records: list[ex.Record], status: str) -> list[dict]:
    beads = []
    for record in records:
        a = record.alignment
        for link, s, t in zip(a.links, a.source.sentences, a.target.sentences, strict=True):
            if s.text.strip() and t.text.strip() and (status == "any" or link.status != "auto"):
                beads.append(
                    {
                        "lang": a.target.language,
                        "ids": s.id,
                        "src": s.text,
                        "tgt": t.text,
                        "link": link,
                        "origin": record.target.origin,
                        "official": record.target.official,
                    }
                )
    return beads


def read_back(fmt: str, data: bytes) -> list[tuple]:
    """(lang, source id, source text, target text, score, status, origin) per bead from any format."""
    if fmt == "tmx":
        rows = []
        for unit in tmx_units(data):
            en = unit["tuvs"].pop("en")
            for lang, tuv in unit["tuvs"].items():
                p = tuv["props"]
                rows.append(
                    (
                        lang,
                        en["props"]["x-ids"],
                        en["seg"],
                        tuv["seg"],
                        float(p["x-score"]),
                        p["x-status"],
                        p.get("x-origin", ""),
                        p.get("x-flag") == "true",
                    )
                )
        parsed = tmxfile(io.BytesIO(data))  # a standard reader opens it too
        assert len(parsed.units) == len(tmx_units(data))
        return rows
    if fmt == "moses":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            lines = read_moses({n: zf.read(n) for n in zf.namelist()})
        return [(tv.split(".")[0], s[0], src, tgt) for _, tv, s, _, src, tgt in moses_rows(lines)]
    rows = read_table(fmt, data)
    if fmt == "tsv":  # the csv module reads it back the same way
        with io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="") as fh:
            assert len(list(csv.reader(fh, delimiter="\t"))) == len(rows) + 1
    if fmt == "jsonl":
        assert [json.loads(line) for line in data.decode("utf-8").split("\n")[:-1]] == rows
    return [
        (
            r["target_lang"],
            r["source_ids"][0],
            r["source_text"],
            r["target_text"],
            r["score"],
            r["status"],
            r["origin"],
            r["flag"],
            r["note"],
        )
        for r in rows
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=article_records(), status=st.sampled_from(["confirmed", "any"]))
def test_unicode_edge_cases_round_trip(fmt, records, status):
    data, report = ex.export_bytes(records, fmt, ex.ExportOptions(status=status))
    beads = expected_beads(records, status)
    expected = [
        (b["lang"], b["ids"], as_written(b["src"], fmt), as_written(b["tgt"], fmt))
        + (
            (round(b["link"].score, 4), b["link"].status, as_written(b["origin"], fmt), b["link"].flag)
            if fmt != "moses"
            else ()
        )
        + ((as_written(b["link"].note, fmt),) if fmt not in ("moses", "tmx") else ())
        for b in beads
    ]
    assert sorted(read_back(fmt, data)) == sorted(expected)
    assert report.written == len(beads)
    total = sum(len(r.alignment.links) for r in records)
    assert report.written + sum(report.skipped.values()) == total
    if fmt == "tmx":  # one <tu> per English side, holding both translations where both are exported
        assert len(tmx_units(data)) == len({b["ids"] for b in beads})
        notes = [as_written(b["link"].note, fmt) for b in beads if b["link"].note]
        assert sorted(n for u in tmx_units(data) for n in u["notes"]) == sorted(notes)
    assert data == ex.export_bytes(records, fmt, ex.ExportOptions(status=status))[0]


def test_forbidden_characters_are_replaced_and_counted():
    src = AlignedSide("en.source", "en", "sha256:s", [Sentence("p1.s1", "bell\x07 & <b>", 1)])
    tgt = AlignedSide("ko.t", "ko", "sha256:t", [Sentence("p1.s1", "종\x07 \ud800", 1)])
    a = Alignment("a", src, tgt, [Link(["p1.s1"], ["p1.s1"], 0.5, "confirmed")], "m", {}, "x", "y", 1)
    data, report = ex.export_bytes([ex.Record(a, None, None)], "tmx")
    units = tmx_units(data)
    assert units[0]["tuvs"]["en"]["seg"] == "bell\ufffd & <b>"
    assert units[0]["tuvs"]["ko"]["seg"] == "종\ufffd \ufffd"
    assert report.replaced_chars == 3 and "U+FFFD" in report.warnings[0]
    data, report = ex.export_bytes([ex.Record(a, None, None)], "jsonl")
    assert json.loads(data)["target_text"] == "종\x07 \ufffd" and report.replaced_chars == 1


# --- filters and skip reasons ----------------------------------------------------------------------------


def test_one_sided_beads_are_skipped_and_counted(ws, tmp_path):
    path = ws.alignment_path(SEED, "es.team")
    record = load_alignment(path)
    k = next(i for i, link in enumerate(record.links) if len(link.src) == len(link.tgt) == 1)
    link = record.links[k]
    record.links[k : k + 1] = [Link(link.src, [], 0.1, "confirmed"), Link([], link.tgt, 0.1, "confirmed")]
    save_alignment(path, record, expected_revision=record.revision)
    report = ex.export_workspace(ws, [SEED], "jsonl", tmp_path / "c.jsonl", ex.ExportOptions(status="any"))
    rows = read_table("jsonl", (tmp_path / "c.jsonl").read_bytes())
    one_sided = sum(
        1
        for v in ("es.team", "ko.team")
        for link in load_alignment(ws.alignment_path(SEED, v)).links
        if not link.src or not link.tgt
    )
    assert one_sided >= 2
    assert report.skipped == {ex.EMPTY_SIDE: one_sided}
    assert all(r["source_ids"] and r["target_ids"] for r in rows)
    assert rows == expected_rows(ws, "any")


def test_filters(ws, tmp_path):
    out = tmp_path / "c.jsonl"
    every = expected_rows(ws, "any")
    report = ex.export_workspace(ws, None, "jsonl", out, ex.ExportOptions(status="any", langs=("ko",)))
    assert read_table("jsonl", out.read_bytes()) == [r for r in every if r["target_lang"] == "ko"]
    assert report.skipped_alignments == {ex.LANGUAGE: 1}

    report = ex.export_workspace(ws, None, "jsonl", out, ex.ExportOptions(status="any", min_score=0.9))
    kept = [r for r in every if r["score"] >= 0.9]
    assert read_table("jsonl", out.read_bytes()) == kept
    assert 0 < len(kept) < len(every)
    assert report.skipped["score below 0.9"] == len(every) - len(kept)

    report = ex.export_workspace(ws, None, "jsonl", out, ex.ExportOptions(status="any", kind="human"))
    assert report.written == len(every)
    with pytest.raises(ex.NothingToExportError, match="kind machine") as info:
        ex.export_workspace(ws, None, "jsonl", out, ex.ExportOptions(status="any", kind="machine"))
    assert info.value.report.skipped_alignments == {ex.KIND: 2}


def test_stale_alignment_is_skipped_unless_allowed(ws, tmp_path, caplog):
    review_sample(ws)
    path = ws.texts / SEED / "ko.team.txt"
    path.write_text(path.read_text(encoding="utf-8") + "새 문단.\n", encoding="utf-8")
    out = tmp_path / "c.tsv"
    report = ex.export_workspace(ws, [SEED], "tsv", out)
    assert {r["target_lang"] for r in read_table("tsv", out.read_bytes())} == {"es"}
    assert report.skipped_alignments == {ex.STALE: 1}
    assert report.skipped[ex.STALE] == len(load_alignment(ws.alignment_path(SEED, "ko.team")).links)
    assert "ko.team.json" in caplog.text and "--allow-stale" in caplog.text
    report = ex.export_workspace(ws, [SEED], "tsv", out, ex.ExportOptions(allow_stale=True))
    assert read_table("tsv", out.read_bytes()) == expected_rows(ws)
    assert not report.skipped_alignments


def test_corrupt_alignment_is_skipped_with_a_warning(ws, tmp_path, caplog):
    review_sample(ws)
    ws.alignment_path(SEED, "es.team").write_text(
        '{"format": "workbench.alignment/1", "links": [', encoding="utf-8"
    )
    report = ex.export_workspace(ws, [SEED], "parquet", tmp_path / "c.parquet")
    assert report.skipped_alignments == {ex.CORRUPT: 1}
    assert "es.team.json" in caplog.text and "not valid JSON" in caplog.text
    rows = read_table("parquet", (tmp_path / "c.parquet").read_bytes())
    assert rows and {r["target_version"] for r in rows} == {"ko.team"}


def test_parquet_row_groups(ws, tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "ROW_GROUP_ROWS", 4)  # the writers read it
    out = tmp_path / "c.parquet"
    ex.export_workspace(ws, None, "parquet", out, ex.ExportOptions(status="any"))
    assert pq.ParquetFile(out).metadata.num_row_groups > 3
    assert read_table("parquet", out.read_bytes()) == expected_rows(ws, "any")


# --- determinism and the app's API ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_input_same_bytes(ws, tmp_path, fmt):
    review_sample(ws)
    outputs = []
    for n in (1, 2):
        folder = tmp_path / str(n)
        folder.mkdir()
        report = ex.export_workspace(ws, None, fmt, folder / "corpus", ex.ExportOptions(status="any"))
        outputs.append({Path(p).name: Path(p).read_bytes() for p in report.files})
    assert outputs[0] == outputs[1]
    article = ws.article(SEED)
    records = [
        ex.record_for(article, load_alignment(ws.alignment_path(SEED, v))) for v in ("es.team", "ko.team")
    ]
    data, report = ex.export_bytes(records, fmt, ex.ExportOptions(status="any"))
    assert report.written == len(expected_rows(ws, "any"))
    if fmt != "moses":
        assert data == outputs[0]["corpus"]
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert {n: zf.read(n) for n in zf.namelist()} == outputs[0]


def test_app_path_selects_and_exports_to_bytes(ws, tmp_path, caplog):
    """What the review app does for a download: iter_records + export_bytes, sharing one report."""
    review_sample(ws)
    path = ws.texts / SEED / "es.team.txt"
    path.write_text(path.read_text(encoding="utf-8") + "Otra frase.\n", encoding="utf-8")
    options = ex.ExportOptions()
    report = ex.ExportReport("tmx")
    records = ex.iter_records(ws, [SEED], options, report)
    data, returned = ex.export_bytes(records, "tmx", options, report=report)
    assert returned is report
    assert report.skipped_alignments == {ex.STALE: 1} and "es.team.json" in report.warnings[0]
    saved = ex.export_workspace(ws, [SEED], "tmx", tmp_path / "c.tmx", options)
    assert data == (tmp_path / "c.tmx").read_bytes()
    assert (saved.written, saved.skipped, saved.skipped_alignments) == (
        report.written,
        report.skipped,
        report.skipped_alignments,
    )
    assert {lang for u in tmx_units(data) for lang in u["tuvs"]} == {"en", "ko"}


# --- bad input ---------------------------------------------------------------------------------------------


def test_cli_export_and_summary(ws, tmp_path):
    review_sample(ws)
    out = tmp_path / "corpus.tmx"
    result = run("--all", "--out", out, "--root", ws.root)
    assert result.exit_code == 0, result.output
    n = len(expected_rows(ws))
    assert f"{n} beads written as" in result.stdout
    assert "skipped: not reviewed (status auto)" in result.stdout
    assert str(out) in result.stdout
    assert len(tmx_units(out.read_bytes())) > 0

    result = run(SEED, "-f", "moses", "-o", tmp_path / "m", "--langs", "es", "--root", ws.root)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("m.*")) == ["m.en-es.en", "m.en-es.es", "m.en-es.ids"]


def test_cli_nothing_reviewed(ws, tmp_path):
    out = tmp_path / "corpus.tsv"
    out.write_text("old export\n", encoding="utf-8")
    result = run(SEED, "--format", "tsv", "--out", out, "--root", ws.root)
    assert result.exit_code == 1
    assert "nothing to export" in result.stderr and "--status any" in result.stderr
    assert "skipped: not reviewed (status auto)" in result.stdout
    assert out.read_text(encoding="utf-8") == "old export\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.tsv", "ws"]
    result = run(SEED, "--format", "tsv", "--out", out, "--status", "any", "--root", ws.root)
    assert result.exit_code == 0, result.output
    assert read_table("tsv", out.read_bytes()) == expected_rows(ws, "any")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xlsx"], "unknown format 'xlsx'"),
        (["--langs", "ko,zz"], "unknown language zz"),
        (["--langs", "Korean"], "Invalid language 'Korean'"),
        (["--status", "reviewed"], "unknown status filter 'reviewed'"),
        (["--kind", "robot"], "unknown kind 'robot'"),
        (["--min-score", "2"], "between 0 and 1"),
    ],
)
def test_cli_bad_options(ws, tmp_path, args, message):
    result = run(SEED, "--out", tmp_path / "c.tsv", "--status", "any", *args, "--root", ws.root)
    assert result.exit_code == 1
    assert message in result.stderr
    assert not (tmp_path / "c.tsv").exists()


def test_cli_bad_paths_and_articles(ws, tmp_path):
    cases = [
        ([SEED, "--out", tmp_path / "missing" / "c.tsv"], "folder"),
        ([SEED, "--out", tmp_path], "is a folder"),
        ([SEED, "--out", tmp_path / "c.xyz"], "cannot tell the format"),
        (["no-such-article", "--out", tmp_path / "c.tsv"], "No article 'no-such-article'"),
        (["kcna-2011-09-02-bunker-buster", "--out", tmp_path / "c.tsv"], "no alignments yet"),
        (["--out", tmp_path / "c.tsv"], "name one or more articles, or use --all"),
        ([SEED, "--all", "--out", tmp_path / "c.tsv"], "not both"),
    ]
    for args, message in cases:
        result = run(*args, "--status", "any", "--root", ws.root)
        assert result.exit_code == 1, args
        assert message in result.stderr, (args, result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]


def test_interrupted_export_leaves_no_file(ws, tmp_path):
    def interrupt(done, total, label):
        raise KeyboardInterrupt

    for fmt, name in [("tmx", "c.tmx"), ("moses", "c"), ("parquet", "c.parquet")]:
        with pytest.raises(KeyboardInterrupt):
            ex.export_workspace(ws, None, fmt, tmp_path / name, ex.ExportOptions(status="any"), interrupt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]


# --- a set of files, and the temp files of killed exports ------------------------------------------------


def test_a_moses_export_that_fails_leaves_the_old_set_whole(ws, tmp_path, request):
    """The repro: an export whose second rename fails left PATH.en-es.en new beside the old .es and .ids."""
    review_sample(ws)
    out = tmp_path / "corpus"
    ex.export_workspace(ws, [SEED], "moses", out, ex.ExportOptions(status="confirmed"))
    old = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    request.getfixturevalue("second_rename_fails")
    with pytest.raises(ex.ExportError, match="No space left"):
        ex.export_workspace(ws, [SEED], "moses", out, ex.ExportOptions(status="any"))  # more lines
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == old


def test_a_target_that_is_a_folder_fails_before_anything_is_renamed(ws, tmp_path):
    review_sample(ws)
    out = tmp_path / "corpus"
    (tmp_path / "corpus.en-ko.ko").mkdir()
    with pytest.raises(ex.ExportError, match="corpus.en-ko.ko"):
        ex.export_workspace(ws, [SEED], "moses", out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.en-ko.ko", "ws"]


KILLED_EXPORT = """
import sys, time
from pathlib import Path
from workbench.export import articles as ex
from workbench.store import files as storage
from workbench.workspace import Workspace

def stall(files):  # every file written, none renamed yet, when the kill comes
    print("exporting", flush=True)
    time.sleep(60)

storage.AtomicFiles.commit = stall
ex.export_workspace(Workspace(Path(sys.argv[1])), None, sys.argv[2], Path(sys.argv[3]),
                    ex.ExportOptions(status="any"))
"""


@pytest.mark.parametrize(("fmt", "name"), [("moses", "c"), ("tmx", "c.tmx"), ("parquet", "c.parquet")])
def test_a_killed_export_leaves_the_old_files_and_the_next_one_its_temp_files(ws, tmp_path, fmt, name):
    import subprocess
    import sys

    review_sample(ws)
    out = tmp_path / "out"
    out.mkdir()
    ex.export_workspace(ws, [SEED], fmt, out / name)
    old = {p.name: p.read_bytes() for p in out.iterdir()}
    for _ in range(2):  # two killed runs
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED_EXPORT, str(ws.root), fmt, str(out / name)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline() == "exporting\n"
        proc.kill()
        proc.wait()
        proc.stdout.close()
    left = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert left and {p.name: p.read_bytes() for p in out.iterdir() if p.name in old} == old
    report = ex.export_workspace(ws, [SEED], fmt, out / name, ex.ExportOptions(status="any"))
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(f).name for f in report.files)


def test_jsonl_escapes_the_characters_line_readers_break_on(tmp_path):
    text = "one\u2028two\u2029three\x85four"
    record = ex.Record(_tiny_alignment(text), None, None)
    data, _ = ex.export_bytes([record], "jsonl", ex.ExportOptions(status="any"))
    assert not any(ch in data.decode("utf-8") for ch in "\u2028\u2029\x85")
    (line,) = data.decode("utf-8").splitlines()
    assert json.loads(line)["target_text"] == text
    frame = pd.read_json(io.BytesIO(data), lines=True, dtype=False)
    assert frame["target_text"][0] == text


def _tiny_alignment(target_text: str) -> Alignment:
    src = AlignedSide("en.source", "en", "sha256:a", [Sentence("p1.s1", "007", 1)])
    tgt = AlignedSide("es.human", "es", "sha256:b", [Sentence("p1.s1", target_text, 1)])
    return Alignment("a", src, tgt, [Link(["p1.s1"], ["p1.s1"], 0.5)], "m", {}, "2026-01-01T00:00:00Z", "x")


def test_the_readme_way_to_read_jsonl_keeps_number_like_texts(tmp_path):
    record = ex.Record(_tiny_alignment("nan"), None, None)
    data, _ = ex.export_bytes([record], "jsonl", ex.ExportOptions(status="any"))
    frame = pd.read_json(io.BytesIO(data), lines=True, dtype=False)  # as README.md says
    assert frame["source_text"][0] == "007" and frame["target_text"][0] == "nan"
