"""Tests for the ``workbench`` command line: typer's CliRunner in-process, on a copy of the samples."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cli_run import run

from workbench import __version__
from workbench.cli import common
from workbench.store import texts
from workbench.store.alignments import load_alignment, save_alignment
from workbench.store.files import copies_of

SEED = "rodong-2024-08-09-general-offensive"
ARTICLES = [
    "kcna-2011-08-30-cheonan-salvage-delay",
    "kcna-2011-09-02-bunker-buster",
    "kcna-2011-09-02-us-travel-company-dprk-tourism",
    "kcna-2011-12-15-kwangbok-supermarket",
    SEED,
]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- basics -------------------------------------------------------------------------------------------


def test_version():
    result = run("--version")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"workbench {__version__}"


@pytest.mark.slow
def test_console_script_help():
    exe = Path(sys.executable).parent / "workbench"
    if not exe.exists():
        exe = Path(shutil.which("workbench") or "workbench")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for command in ("list", "add", "align", "show", "eval"):
        assert command in out.stdout


def test_list(workspace):
    result = run("list", "--root", workspace)
    assert result.exit_code == 0, result.output
    for article in ARTICLES:
        assert article in result.stdout
    assert "5 article(s)" in result.stdout
    for version in ("en.source", "es.kcna", "ko.team", "es.team", "es.apertium"):
        assert version in result.stdout
    assert result.stdout.count("none") == 7  # seven translations, none aligned (texts/ only)
    assert "auto" not in result.stdout


def test_user_errors_share_one_base_and_bugs_show_their_traceback(workspace, monkeypatch):
    from workbench import workspace as wsp
    from workbench.align import aligner as align
    from workbench.align import evaluate
    from workbench.embed import embedder as embed
    from workbench.errors import WorkbenchError
    from workbench.export import articles as export
    from workbench.review import beads as review
    from workbench.store import alignments
    from workbench.translate import errors as translate

    for cls in (
        texts.TextsError,
        alignments.AlignmentError,
        align.AlignError,
        embed.EmbeddingError,
        evaluate.GoldFormatError,
        wsp.ReviewedWorkError,
        translate.TranslateError,
        export.ExportError,
        review.ReviewError,
    ):
        assert issubclass(cls, WorkbenchError), cls
    assert (WorkbenchError,) == common.USER_ERRORS

    def bug(self):
        raise ValueError("a bug, not the user's doing")

    monkeypatch.setattr(wsp.Workspace, "articles", bug)
    result = run("list", "--root", workspace)
    assert isinstance(result.exception, ValueError)  # not turned into "error: ..." and exit code 1
    assert "error:" not in result.output


def test_list_without_texts_folder(tmp_path):
    result = run("list", "--root", tmp_path)
    assert result.exit_code == 1
    assert "no texts/ folder" in result.stderr


def test_unknown_article_suggests_close_matches(workspace):
    for args in (
        ["show", "rodong-2024-08-09-general-ofensive"],
        ["align", "rodong-2024-08-09-general-ofensive"],
    ):
        result = run(*args, "--root", workspace)
        assert result.exit_code == 1
        assert "No article 'rodong-2024-08-09-general-ofensive'" in result.stderr
        assert f"Did you mean: {SEED}" in result.stderr
    assert not (workspace / "alignments").exists()


# --- align --------------------------------------------------------------------------------------------


def _check_alignment(path: Path, source_lang: str, target_lang: str):
    rec = load_alignment(path)
    assert rec.source.language == source_lang and rec.target.language == target_lang
    assert rec.model == "use-m3"
    src_ids = [s.id for s in rec.source.sentences]
    tgt_ids = [s.id for s in rec.target.sentences]
    assert len(src_ids) == 11 and len(tgt_ids) >= 11
    # Every sentence is covered, once, in document order.
    assert [i for link in rec.links for i in link.src] == src_ids
    assert [i for link in rec.links for i in link.tgt] == tgt_ids
    assert all(0.0 <= link.score <= 1.0 for link in rec.links)
    assert all(link.status == "auto" for link in rec.links)
    return rec


@pytest.mark.slow
def test_align_one_article(workspace):
    result = run("align", SEED, "--root", workspace)
    assert result.exit_code == 0, result.output
    assert "aligned 3 of 3" in result.stderr
    folder = workspace / "alignments" / SEED
    assert sorted(p.name for p in folder.iterdir()) == ["es.apertium.json", "es.team.json", "ko.team.json"]

    ko = _check_alignment(folder / "ko.team.json", "en", "ko")
    _check_alignment(folder / "es.team.json", "en", "es")
    assert ko.revision == 1
    # The Korean reference follows the English paragraph by paragraph: mostly 1-1, in order.
    one_to_one = [link for link in ko.links if len(link.src) == 1 and len(link.tgt) == 1]
    assert len(one_to_one) >= 0.8 * len(ko.links)
    src_pos = {s.id: i for i, s in enumerate(ko.source.sentences)}
    tgt_pos = {s.id: i for i, s in enumerate(ko.target.sentences)}
    firsts = [(src_pos[link.src[0]], tgt_pos[link.tgt[0]]) for link in ko.links if link.src and link.tgt]
    assert firsts == sorted(firsts)
    # Source paragraph k goes with target paragraph k (each English paragraph is one sentence).
    for link in ko.links:
        paragraphs = {s.paragraph for s in ko.source.sentences if s.id in link.src}
        paragraphs |= {s.paragraph for s in ko.target.sentences if s.id in link.tgt}
        assert len(paragraphs) == 1, link

    listing = run("list", SEED, "--root", workspace)
    assert listing.exit_code == 0
    assert listing.stdout.count("auto") == 3
    assert "none" not in listing.stdout

    # Re-aligning unchanged texts gives the same alignment: the files are left as they are.
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    again = run("align", SEED, "--root", workspace)
    assert again.exit_code == 0, again.output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert again.stderr.count(": unchanged, ") == 3 and "aligned 0 of 3: 3 unchanged" in again.stderr

    # A changed text is re-aligned and saved as a new revision.
    es = workspace / "texts" / SEED / "es.team.txt"
    es.write_text(es.read_text(encoding="utf-8") + "\nUna frase nueva al final.\n", encoding="utf-8")
    changed = run("align", SEED, "-t", "es.team", "--root", workspace)
    assert changed.exit_code == 0, changed.output
    assert load_alignment(folder / "es.team.json").revision == 2
    assert load_alignment(folder / "ko.team.json").revision == 1


@pytest.mark.slow
def test_align_warns_of_a_language_the_models_were_not_trained_on(workspace):
    texts.add_version(
        workspace / "texts",
        SEED,
        "Almenn sókn til þjóðfrelsis\nÞetta er íslensk þýðing greinarinnar.\n",
        language="is",
        kind="human",
        origin="test",
    )
    result = run("align", SEED, "-t", "is.human", "--root", workspace)
    assert result.exit_code == 0, result.output
    assert "use-m3 was not trained on 'is'" in result.stderr and "accurate preset" in result.stderr
    plain = run("align", SEED, "-t", "es.team", "--root", workspace)
    assert plain.exit_code == 0, plain.output
    assert "not trained on" not in plain.stderr


@pytest.mark.slow
def test_align_one_target(workspace):
    result = run("align", SEED, "-t", "es.team", "--root", workspace)
    assert result.exit_code == 0, result.output
    assert [p.name for p in (workspace / "alignments" / SEED).iterdir()] == ["es.team.json"]


@pytest.mark.slow
def test_align_protects_reviewed_work(workspace):
    assert run("align", SEED, "-t", "ko.team", "--root", workspace).exit_code == 0
    path = workspace / "alignments" / SEED / "ko.team.json"
    rec = load_alignment(path)
    rec.links[1].status = "confirmed"
    save_alignment(path, rec, expected_revision=rec.revision)
    reviewed = path.read_bytes()
    assert "reviewed 1/" in run("list", SEED, "--root", workspace).stdout

    refused = run("align", SEED, "-t", "ko.team", "--root", workspace)
    assert refused.exit_code == 1
    assert "--force" in refused.stderr
    assert "reviewed" in refused.stderr
    assert path.read_bytes() == reviewed
    assert not copies_of(path, "bak")

    forced = run("align", SEED, "-t", "ko.team", "--force", "--root", workspace)
    assert forced.exit_code == 0, forced.output
    (backup,) = copies_of(path, "bak")
    assert backup.read_bytes() == reviewed
    new = load_alignment(path)
    assert new.revision == 3
    assert all(link.status == "auto" for link in new.links)

    # The campaign's repro: the file is truncated, then aligned again. The backup is never overwritten,
    # and a corrupt file (it may hold reviewed beads) is replaced only with --force, and kept.
    path.write_bytes(b"")
    refused = run("align", SEED, "-t", "ko.team", "--root", workspace)
    assert refused.exit_code == 1 and "--force" in refused.stderr and "Traceback" not in refused.output
    assert path.read_bytes() == b"" and backup.read_bytes() == reviewed
    forced = run("align", SEED, "-t", "ko.team", "--force", "--root", workspace)
    assert forced.exit_code == 0, forced.output
    assert backup.read_bytes() == reviewed and copies_of(path, "bak") == [backup]
    (corrupt,) = copies_of(path, "corrupt")
    assert corrupt.read_bytes() == b"" and load_alignment(path).revision == 1


@pytest.mark.slow
def test_align_all(workspace):
    result = run("align", "--all", "--root", workspace)
    assert result.exit_code == 0, result.output
    assert "aligned 7 of 7" in result.stderr
    written = sorted(
        str(p.relative_to(workspace / "alignments")) for p in (workspace / "alignments").rglob("*")
    )
    expected = sorted(
        [f"{a}/es.kcna.json" for a in ARTICLES[:4]]
        + [f"{SEED}/es.apertium.json", f"{SEED}/es.team.json", f"{SEED}/ko.team.json"]
        + [*ARTICLES]
    )
    assert written == expected
    for article in ARTICLES[:4]:
        rec = load_alignment(workspace / "alignments" / article / "es.kcna.json")
        assert rec.source.version == "en.source" and rec.target.language == "es"
        assert all(0.0 <= link.score <= 1.0 for link in rec.links)
    listing = run("list", "--root", workspace).stdout
    assert listing.count("auto") == 7 and "none" not in listing


@pytest.mark.slow
def test_align_missing_only_touches_unaligned_translations(workspace):
    assert run("align", SEED, "-t", "ko.team", "--root", workspace).exit_code == 0
    done = workspace / "alignments" / SEED / "ko.team.json"
    before = done.read_bytes()
    result = run("align", SEED, "--missing", "--root", workspace)
    assert result.exit_code == 0, result.output
    assert "aligned 2 of 2" in result.stderr  # es.team and es.apertium
    assert done.read_bytes() == before
    assert (workspace / "alignments" / SEED / "es.team.json").exists()
    again = run("align", SEED, "--missing", "--root", workspace)
    assert again.exit_code == 0 and "already has an alignment" in again.stderr


@pytest.mark.slow
def test_list_reports_stale_and_missing_texts(workspace):
    assert run("align", SEED, "--root", workspace).exit_code == 0
    folder = workspace / "texts" / SEED
    with (folder / "es.team.txt").open("a", encoding="utf-8") as fh:
        fh.write("Una frase nueva.\n")
    (folder / "ko.team.txt").unlink()
    result = run("list", SEED, "--root", workspace)
    assert result.exit_code == 0, result.output
    assert "stale" in result.stdout
    assert "text unreadable" in result.stdout
    shown = run("show", SEED, "-t", "es.team", "--root", workspace)
    assert shown.exit_code == 0, shown.output
    assert "re-align it" in shown.stderr


def test_align_needs_articles(workspace):
    result = run("align", "--root", workspace)
    assert result.exit_code == 1
    assert "--all" in result.stderr


def test_align_bad_model(workspace):
    result = run("align", SEED, "--model", "nope", "--root", workspace)
    assert result.exit_code == 1
    assert "unknown embedding model 'nope'" in result.stderr
    assert not (workspace / "alignments").exists()


def test_settings_that_are_not_finite_numbers_are_refused(workspace, tmp_path):
    result = run("align", SEED, "--param", "size_gain=1e999", "--root", workspace)
    assert result.exit_code == 1
    assert "--param 'size_gain=1e999': setting size_gain = inf should be a finite number" in result.stderr
    assert not (workspace / "alignments").exists()
    archive = tmp_path / "archive.csv"  # never read: the settings are refused first
    result = run("corpus", "build", archive, "--name", "mini", "--set", "accept=nan", "--root", workspace)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "--set 'accept=nan': setting accept = nan should be a finite number" in result.stderr
    assert not (workspace / "corpora").exists()  # no empty corpus left behind


def test_python_dash_m_runs_the_command_with_every_group():
    out = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "corpus", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "build" in out.stdout and "publish" in out.stdout


def _add(workspace: Path, tmp_path: Path, article: str, lang: str, text: str, *options: str):
    path = tmp_path / f"{article}.{lang}.txt"
    path.write_text(text, encoding="utf-8")
    result = run("add", path, "-a", article, "-l", lang, *options, "--root", workspace)
    assert result.exit_code == 0, result.output
    return result


def test_add_warns_when_the_text_reads_as_another_language(workspace, tmp_path):
    article = "kcna-2011-09-02-bunker-buster"
    english = (workspace / "texts" / article / "en.source.txt").read_text(encoding="utf-8")
    result = _add(workspace, tmp_path, article, "es", english, "--tag", "oops")  # a warning, not a refusal
    message = " ".join(result.stderr.split())
    assert "warning: es.oops: the text is labelled 'es' but reads as 'en'" in message
    quiet = _add(workspace, tmp_path, article, "en", english, "--tag", "copy")
    assert "warning" not in quiet.stderr


@pytest.mark.slow
def test_align_stops_at_one_sentence_against_a_hundred(workspace, tmp_path):
    english = "A Long Report\n" + "\n".join(f"Paragraph {i} reports on item {i}." for i in range(99))
    _add(workspace, tmp_path, "lopsided", "en", english, "--kind", "source")
    _add(workspace, tmp_path, "lopsided", "es", "Un informe largo\n")
    refused = run("align", "lopsided", "--root", workspace)
    assert refused.exit_code == 1
    assert "en.source has 100 sentences and es.human 1" in refused.stderr
    assert "--anyway" in " ".join(refused.stderr.split())
    assert "Traceback" not in refused.output
    assert not (workspace / "alignments" / "lopsided").exists()

    forced = run("align", "lopsided", "--anyway", "--root", workspace)
    assert forced.exit_code == 0, forced.output
    links = load_alignment(workspace / "alignments" / "lopsided" / "es.human.json").links
    assert sum(len(link.src) for link in links) == 100 and sum(len(link.tgt) for link in links) == 1


@pytest.mark.slow
def test_align_stops_at_a_sentence_over_2000_characters_and_keeps_the_old_alignment(workspace):
    assert run("align", SEED, "-t", "es.team", "--root", workspace).exit_code == 0
    saved = workspace / "alignments" / SEED / "es.team.json"
    before = saved.read_bytes()
    es = workspace / "texts" / SEED / "es.team.txt"
    es.write_text(es.read_text(encoding="utf-8") + "\n" + "palabra " * 300 + "\n", encoding="utf-8")
    refused = run("align", SEED, "-t", "es.team", "--root", workspace)
    assert refused.exit_code == 1
    message = " ".join(refused.stderr.split())  # rich wraps long lines
    assert "of es.team has 2,399 characters (at most 2,000)" in message
    assert str(es) in message.replace(" ", "")
    assert "Traceback" not in refused.output
    assert saved.read_bytes() == before

    # A real sentence that long (KCNA's lists of names) is aligned with --anyway.
    anyway = run("align", SEED, "-t", "es.team", "--anyway", "--root", workspace)
    assert anyway.exit_code == 0, anyway.output
    record = load_alignment(saved)
    assert record.revision == 2
    assert any(len(s.text) == 2399 for s in record.target.sentences)


# --- show ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_show(workspace):
    assert run("align", SEED, "--root", workspace).exit_code == 0
    result = run("show", SEED, "-t", "ko.team", "--root", workspace)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "General Offensive for National Liberation" in out
    assert "조국해방을 위한 총공격" in out
    assert "Thus, the historic cause of national liberation was accomplished." in out
    assert "revision 1" in out
    rec = load_alignment(workspace / "alignments" / SEED / "ko.team.json")
    for link in rec.links:
        assert f"{link.score:.2f}" in out
    assert out.count("auto") == len(rec.links)

    below = run("show", SEED, "-t", "ko.team", "--below", "0", "--root", workspace)
    assert below.exit_code == 0
    assert "조국해방" not in below.stdout


def test_show_not_aligned(workspace):
    result = run("show", SEED, "-t", "ko.team", "--root", workspace)
    assert result.exit_code == 1
    assert f"run `workbench align {SEED}`" in result.stderr


def test_show_needs_a_target_when_there_are_several(workspace):
    result = run("show", SEED, "--root", workspace)
    assert result.exit_code == 1
    assert "ko.team" in result.stderr and "es.team" in result.stderr
    assert "--target" in result.stderr


def test_show_unknown_version(workspace):
    result = run("show", SEED, "-t", "fr.team", "--root", workspace)
    assert result.exit_code == 1
    assert "no version 'fr.team'" in result.stderr


# --- add ----------------------------------------------------------------------------------------------

KOREAN = (
    "조국해방을 위한 총공격\n"
    "1945년에 이르러 파쑈독일이 패망하고 일제는 최후멸망의 운명에 처하게 되였다.\n"
    "급변하는 정세의 흐름을 과학적으로 예리하게 통찰하신 김일성주석께서는 일제의 패망을 앞당기고 "
    "조국해방을 이룩하기 위한 최후결전을 준비하시였다.\n"
)


def test_add_new_article_and_cp949_translation(workspace, tmp_path):
    src = tmp_path / "story.txt"
    src.write_text("Rain Hits the Capital\nHeavy rain fell on Monday. Rivers rose.\n", encoding="utf-8")
    result = run("add", src, "-a", "new-story", "-l", "en", "--kind", "source", "--root", workspace)
    assert result.exit_code == 0, result.output
    assert "created article new-story" in result.stdout
    folder = workspace / "texts" / "new-story"
    meta = tomllib.loads((folder / "article.toml").read_text(encoding="utf-8"))
    assert meta["title"] == "Rain Hits the Capital"
    assert [(v["id"], v["kind"]) for v in meta["versions"]] == [("en.source", "source")]
    assert (folder / "en.source.txt").read_text(encoding="utf-8") == src.read_text(encoding="utf-8")

    ko = tmp_path / "ko.txt"
    ko.write_bytes(KOREAN.encode("cp949"))
    result = run("add", ko, "-a", "new-story", "-l", "ko", "--tag", "team", "--root", workspace)
    assert result.exit_code == 0, result.output
    assert "created article" not in result.stdout
    assert (folder / "ko.team.txt").read_bytes() == KOREAN.encode("utf-8")

    listing = run("list", "new-story", "--root", workspace)
    assert "en.source" in listing.stdout and "ko.team" in listing.stdout


def _bad_file(folder: Path, kind: str) -> Path:
    path = folder / {"png": "image.png"}.get(kind, f"{kind}.txt")
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "blank":
        path.write_bytes(b" \n\t\r\n")
    elif kind == "png":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4)
    return path  # "missing": not created


BAD_FILE_MESSAGES = {
    "empty": "is empty",
    "blank": "is empty",
    "png": "looks like a binary file",
    "missing": "no such file",
}


@pytest.mark.parametrize("kind", BAD_FILE_MESSAGES)
@pytest.mark.parametrize("article", [SEED, "brand-new"])
def test_add_rejects_bad_files(workspace, tmp_path, kind, article):
    bad = _bad_file(tmp_path, kind)
    before = snapshot(workspace)
    result = run("add", bad, "-a", article, "-l", "ko", "--tag", "extra", "--root", workspace)
    assert result.exit_code == 1
    assert BAD_FILE_MESSAGES[kind] in result.stderr
    assert bad.name in result.stderr
    assert snapshot(workspace) == before
    assert not (workspace / "texts" / "brand-new").exists()


def test_add_bad_options_leave_no_article_behind(workspace, tmp_path):
    src = tmp_path / "story.txt"
    src.write_text("Title\nBody.\n", encoding="utf-8")
    before = snapshot(workspace)
    result = run("add", src, "-a", "new-story", "-l", "EN", "--kind", "source", "--root", workspace)
    assert result.exit_code == 1
    assert "Invalid language 'EN'" in result.stderr
    assert snapshot(workspace) == before
    assert not (workspace / "texts" / "new-story").exists()


def test_add_refuses_to_overwrite(workspace, tmp_path):
    src = tmp_path / "ko.txt"
    src.write_text(KOREAN, encoding="utf-8")
    before = snapshot(workspace)
    result = run("add", src, "-a", SEED, "-l", "ko", "--tag", "team", "--root", workspace)
    assert result.exit_code == 1
    assert "already has a version 'ko.team'" in result.stderr
    assert snapshot(workspace) == before


# --- eval ---------------------------------------------------------------------------------------------

EVAL_DOCS = {
    "doc1": (
        [
            "The president visited the new hospital on Monday.",
            "He spoke with the doctors and nurses about their work.",
            "The hospital has three hundred beds.",
            "It was built in only two years.",
            "Many citizens attended the opening ceremony.",
        ],
        [
            "El presidente visitó el nuevo hospital el lunes.",
            "Habló con los médicos y las enfermeras sobre su trabajo.",
            "El hospital tiene trescientas camas y fue construido en solo dos años.",
            "Muchos ciudadanos asistieron a la ceremonia de inauguración.",
        ],
        "[0]:[0]\n[1]:[1]\n[2, 3]:[2]\n[4]:[3]\n",
    ),
    "doc2": (
        [
            "Heavy rain fell across the country yesterday.",
            "Several rivers overflowed their banks.",
            "Farmers fear that the harvest will be lost.",
            "The government promised financial help.",
        ],
        [
            "Ayer cayeron fuertes lluvias en todo el país.",
            "Varios ríos se desbordaron.",
            "Los agricultores temen que se pierda la cosecha.",
            "El gobierno prometió ayuda financiera.",
        ],
        "[0]:[0]\n[1]:[1]\n[2]:[2]\n[3]:[3]\n",
    ),
}


@pytest.fixture
def eval_set(tmp_path) -> Path:
    root = tmp_path / "evalset"
    for sub in ("gold", "src", "tgt"):
        (root / sub).mkdir(parents=True)
    for name, (en, es, gold) in EVAL_DOCS.items():
        (root / "src" / name).write_text("\n".join(en) + "\n", encoding="utf-8")
        (root / "tgt" / name).write_text("\n".join(es) + "\n", encoding="utf-8")
        (root / "gold" / name).write_text(gold, encoding="utf-8")
    return root


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip("│┃ ").split("│")] if "│" in line else []


def _eval_rows(stdout: str) -> dict[str, list[str]]:
    rows = {}
    for line in stdout.splitlines():
        cells = _cells(line)
        if cells and cells[0] in ("doc1", "doc2", "all"):
            rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.slow
def test_eval_perfect_set(eval_set, tmp_path):
    out_dir = tmp_path / "system"
    result = run(
        "eval",
        "--gold",
        eval_set / "gold",
        "--src",
        eval_set / "src",
        "--tgt",
        eval_set / "tgt",
        "--output",
        out_dir,
    )
    assert result.exit_code == 0, result.output
    assert "strict F1" in result.stdout and "lax F1" in result.stdout
    rows = _eval_rows(result.stdout)
    assert set(rows) == {"doc1", "doc2", "all"}
    for cells in rows.values():
        assert cells == ["1.000"] * 6
    for name, (_, _, gold) in EVAL_DOCS.items():
        assert (out_dir / name).read_text(encoding="utf-8") == gold
    kinds = run(
        "eval", "--gold", eval_set / "gold", "--src", eval_set / "src", "--tgt", eval_set / "tgt", "--kinds"
    )
    assert kinds.exit_code == 0, kinds.output
    lines = {c[0]: c[1:] for c in (_cells(line) for line in kinds.stdout.splitlines()) if c}
    # doc1: three 1-1 beads and a 2-1; doc2: four 1-1 (columns: 1-0/0-1, 1-1, 1-2/2-1, 2-2, 3+, other)
    assert lines["gold found"] == ["0 / 0", "7 / 7", "1 / 1", "0 / 0", "0 / 0", "0 / 0"]
    assert lines["system right"] == ["0 / 0", "7 / 7", "1 / 1", "0 / 0", "0 / 0", "0 / 0"]


@pytest.mark.slow
def test_eval_scores_a_wrong_gold(eval_set):
    # Gold that disagrees with the obvious alignment must not score 1.
    (eval_set / "gold" / "doc2").write_text("[0, 1]:[0]\n[2]:[1]\n[3]:[2, 3]\n", encoding="utf-8")
    result = run(
        "eval",
        "--gold",
        eval_set / "gold",
        "--src",
        eval_set / "src",
        "--tgt",
        eval_set / "tgt",
        "--docs",
        "doc2",
    )
    assert result.exit_code == 0, result.output
    rows = _eval_rows(result.stdout)
    assert set(rows) == {"doc2", "all"}
    assert float(rows["doc2"][2]) == 0.0  # strict F1: no bead matches exactly
    assert 0.0 < float(rows["doc2"][5]) < 1.0  # lax F1


@pytest.mark.slow
def test_eval_omission_columns_say_dash_where_there_is_nothing_to_count(eval_set):
    # doc2's gold leaves its last two sentences unaligned, which the aligner links: recall 0 there; no
    # sentence is left unaligned by the system anywhere, and doc1's gold has none either: "-", not 0.
    (eval_set / "gold" / "doc2").write_text("[0]:[0]\n[1]:[1]\n[2]:[2]\n[3]:[]\n", encoding="utf-8")
    result = run("eval", "--gold", eval_set / "gold", "--src", eval_set / "src", "--tgt", eval_set / "tgt")
    assert result.exit_code == 0, result.output
    rows = _eval_rows(result.stdout)
    assert rows["doc1"][6:] == ["-", "-"]
    assert rows["doc2"][6:] == ["-", "0.000"]
    assert rows["all"][6:] == ["-", "0.000"]


def test_eval_missing_folder(eval_set, tmp_path):
    result = run("eval", "--gold", tmp_path / "nope", "--src", eval_set / "src", "--tgt", eval_set / "tgt")
    assert result.exit_code == 1
    assert "not a folder" in result.stderr and "nope" in result.stderr


def test_eval_bad_gold_line(eval_set):
    (eval_set / "gold" / "doc1").write_text("[0]:[0]\n0-1\n", encoding="utf-8")
    result = run("eval", "--gold", eval_set / "gold", "--src", eval_set / "src", "--tgt", eval_set / "tgt")
    assert result.exit_code == 1
    assert "doc1:2" in result.stderr and "expected '[0, 1]:[2]'" in result.stderr


@pytest.mark.slow
def test_eval_param_reaches_the_aligner(eval_set):
    # doc1's gold has a 2-1 bead: with beads of one sentence a side only, it cannot be found.
    args = ["eval", "--gold", eval_set / "gold", "--src", eval_set / "src", "--tgt", eval_set / "tgt"]
    result = run(*args, "--docs", "doc1", "--param", "max_side=1", "--param", "max_align=2")
    assert result.exit_code == 0, result.output
    assert float(_eval_rows(result.stdout)["doc1"][2]) < 1.0  # strict F1 (1.000 with the preset)


def test_eval_bad_param(eval_set):
    args = ["eval", "--gold", eval_set / "gold", "--src", eval_set / "src", "--tgt", eval_set / "tgt"]
    result = run(*args, "--param", "nope=1")
    assert result.exit_code == 1
    assert "--param 'nope=1'" in result.stderr and "subsumed" in result.stderr
    result = run(*args, "--param", "skip=lots")
    assert result.exit_code == 1
    assert "skip" in result.stderr and "float" in result.stderr


# --- the reliability campaign's cases: markup, corrupt files, bad input ---------------------------------

MARKUP = ["O [/]", "[bold red]loud[/]", "[link=https://example.com]click[/link]", "back\\", "\x1b[31mred"]


@pytest.mark.slow
def test_user_text_with_markup_prints_as_it_is(workspace, tmp_path):
    for i, origin in enumerate(MARKUP):
        path = tmp_path / f"es{i}.txt"
        path.write_text(
            f"Texto {i} [/] con [bold]marcas[/bold].\nOtra frase [red]aquí[/].\n", encoding="utf-8"
        )
        added = run(
            "add", path, "-a", SEED, "-l", "es", "--tag", f"m{i}", "--origin", origin, "--root", workspace
        )
        assert added.exit_code == 0, added.output
    listing = run("list", "--root", workspace)  # the whole workspace, not a crash
    assert listing.exit_code == 0, listing.output
    for origin in MARKUP[:4]:
        assert origin in listing.stdout
    assert "\x1b" not in listing.stdout and "\\x1b[31mred" in listing.stdout
    aligned = run("align", SEED, "-t", "es.m0", "--root", workspace)
    assert aligned.exit_code == 0, aligned.output
    shown = run("show", SEED, "-t", "es.m0", "--root", workspace)
    assert shown.exit_code == 0, shown.output
    assert "Texto 0 [/] con [bold]marcas[/bold]." in shown.stdout and "[red]aquí[/]" in shown.stdout


@pytest.mark.slow
def test_escape_characters_in_an_alignment_never_reach_the_terminal(workspace):
    assert run("align", SEED, "-t", "es.team", "--root", workspace).exit_code == 0
    path = workspace / "alignments" / SEED / "es.team.json"
    record = load_alignment(path)
    s = record.target.sentences[0]
    record.target.sentences[0] = type(s)(s.id, "\x1b]0;owned\x07\x1b[2J" + s.text, s.paragraph)
    save_alignment(path, record, expected_revision=record.revision)
    shown = run("show", SEED, "-t", "es.team", "--root", workspace)
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.output and "\x07" not in shown.output
    assert "\\x1b]0;owned\\x07\\x1b[2J" in shown.stdout


def test_error_messages_quoting_user_text_print_as_they_are(workspace, tmp_path):
    missing = tmp_path / "[/]missing[bold].txt"
    result = run("add", missing, "-a", SEED, "-l", "es", "--root", workspace)
    assert result.exit_code == 1 and f"{missing}: no such file" in result.stderr
    long = tmp_path / "long.txt"
    long.write_text("Título\n" + "[/] palabra " * 300 + "\n", encoding="utf-8")
    assert run("add", long, "-a", SEED, "-l", "es", "--tag", "long", "--root", workspace).exit_code == 0
    refused = run("align", SEED, "-t", "es.long", "--root", workspace)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert '"[/] palabra [/] palabra' in refused.stderr


CORRUPT_FILES = {
    "a score of 401 digits": lambda t: re.sub(r'"score": [0-9.]+', '"score": ' + "9" * 401, t, count=1),
    "arrays nested 100,000 deep": lambda t: t.replace(
        '"params": {', '"x": ' + "[" * 10**5 + "]" * 10**5 + ', "params": {'
    ),
    "a lone surrogate escape": lambda t: t.replace('"text": "', '"text": "\\ud800', 1),
    "truncated": lambda t: t[: len(t) // 3],
    "empty": lambda t: "",
    "not UTF-8": lambda t: t.replace("Ofensiva", "Ofensiva \udcff"),
    "a folder": None,
}


@pytest.mark.parametrize("name", CORRUPT_FILES)
@pytest.mark.slow
def test_corrupt_alignment_files_are_reported_by_every_command(workspace, tmp_path, name):
    assert run("align", SEED, "-t", "es.team", "-t", "ko.team", "--root", workspace).exit_code == 0
    path = workspace / "alignments" / SEED / "es.team.json"
    if CORRUPT_FILES[name] is None:
        path.unlink()
        (path / "inside").mkdir(parents=True)
    else:
        text = CORRUPT_FILES[name](path.read_text(encoding="utf-8"))
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
    listing = run("list", "--root", workspace)
    assert listing.exit_code == 0, listing.output
    assert "corrupt" in listing.stdout
    for args in (["show", SEED, "-t", "es.team"], ["align", SEED, "-t", "es.team"]):
        result = run(*args, "--root", workspace)
        assert result.exit_code == 1 and result.exception.__class__ is SystemExit, (args, result.output)
        assert (
            str(path) in " ".join(result.stderr.split()).replace(" ", "") or "es.team.json" in result.stderr
        )
    exported = run("export", SEED, "--status", "any", "-o", tmp_path / "c.tsv", "--root", workspace)
    assert exported.exit_code == 0, exported.output
    assert "corrupt alignment file" in exported.stdout


BAD_ADDS = {
    "a 300-character id": (["-a", "a" * 300], "Invalid article id"),
    "a Windows device name": (["-a", "con"], "Windows reserves"),
    "another one": (["-a", "nul"], "Windows reserves"),
    "a trailing dot": (["-a", "story."], "not ending with '.'"),
    "a bad date": (["-a", "new-story", "--date", "2011-13-45", "--kind", "source"], "not a date"),
    "an unknown encoding": (["-a", "new-story", "--encoding", "klingon"], "Unknown encoding 'klingon'"),
}


@pytest.mark.parametrize("case", BAD_ADDS)
def test_add_refuses_bad_options_with_a_message(workspace, tmp_path, case):
    good = tmp_path / "good.txt"
    good.write_text("Title\nA sentence.\n", encoding="utf-8")
    options, message = BAD_ADDS[case]
    before = snapshot(workspace)
    result = run("add", good, "-l", "en", *options, "--root", workspace)
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit, result.output
    assert message in " ".join(result.stderr.split())
    assert snapshot(workspace) == before


def test_add_what_the_campaign_found(workspace, tmp_path):
    folder = tmp_path / "a-folder.txt"
    folder.mkdir()
    result = run("add", folder, "-a", SEED, "-l", "ko", "--root", workspace)
    assert result.exit_code == 1 and "is a folder, not a text file" in result.stderr
    zw = tmp_path / "zw.txt"
    zw.write_text("\u200b" * 50 + "\n", encoding="utf-8")
    assert "is empty" in run("add", zw, "-a", SEED, "-l", "ko", "--root", workspace).stderr
    mixed = tmp_path / "mixed.txt"
    mixed.write_bytes("Año nuevo en la capital.\n".encode() + "Línea vieja.\n".encode("latin-1"))
    refused = run("add", mixed, "-a", SEED, "-l", "es", "--tag", "mixed", "--root", workspace)
    assert refused.exit_code == 1 and "mostly UTF-8, but line 2 is not" in " ".join(refused.stderr.split())
    korean = tmp_path / "ko16.txt"
    korean.write_bytes(KOREAN.encode("utf-16-le"))  # no byte-order mark
    added = run("add", korean, "-a", SEED, "-l", "ko", "--tag", "u16", "--root", workspace)
    assert added.exit_code == 0, added.output
    assert (workspace / "texts" / SEED / "ko.u16.txt").read_text(encoding="utf-8") == KOREAN
    legacy = tmp_path / "cp949.txt"
    legacy.write_bytes(KOREAN.encode("cp949"))
    noted = run("add", legacy, "-a", SEED, "-l", "ko", "--tag", "legacy", "--root", workspace)
    assert noted.exit_code == 0 and "is not UTF-8: read as" in noted.stderr  # a guess, said out loud
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (21 * 1024 * 1024))
    assert (
        "(21.0 MiB; the limit is 20 MiB)"
        in run("add", big, "-a", SEED, "-l", "ko", "--root", workspace).stderr
    )


KILLED_ALIGN = """
import os, signal, sys
from workbench import cli
from workbench.store import files as storage

real = os.replace
def kill_before_the_rename(src, dst):  # the alignment is written to its temp file: kill -9 now
    if str(dst).endswith("es.team.json"):
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)
os.replace = kill_before_the_rename
cli.app(sys.argv[1:])
"""


@pytest.mark.slow
def test_align_killed_while_saving_loses_nothing_and_leaves_no_temp_file(workspace):
    args = ["align", SEED, "-t", "es.team", "--root", str(workspace)]
    assert run(*args).exit_code == 0
    path = workspace / "alignments" / SEED / "es.team.json"
    record = load_alignment(path)
    record.links[0].status = "confirmed"
    save_alignment(path, record, expected_revision=record.revision)
    saved = path.read_bytes()
    for _ in range(2):
        killed = subprocess.run([sys.executable, "-c", KILLED_ALIGN, *args, "--force"], capture_output=True)
        assert killed.returncode == -9, killed.stderr.decode()
    assert path.read_bytes() == saved  # the reviewed file is whole
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")]  # what the kills left
    again = run(*args)  # refused (reviewed beads), but it cleans up
    assert again.exit_code == 1 and "reviewed beads" in again.stderr
    assert not [p.name for p in path.parent.iterdir() if p.name.startswith(".")]
    assert path.read_bytes() == saved
