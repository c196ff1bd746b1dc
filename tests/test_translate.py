"""Machine translation: model management, the argos engine on a tiny random-weight model (real
argostranslate + CTranslate2 code), the apertium engine (real English->Spanish), batches, resume, errors."""

from __future__ import annotations

import http.server
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from cli_run import run

from workbench.store import texts
from workbench.store.alignments import load_alignment, save_alignment
from workbench.store.files import copies_of
from workbench.text.segment import split_paragraphs, split_sentences
from workbench.translate import argos_models, engines
from workbench.translate.errors import ModelError
from workbench.workspace import Workspace, alignment_status

pytestmark = pytest.mark.slow  # real Argos models (built for the session), Apertium, subprocesses

SAMPLES = Path(__file__).resolve().parents[1] / "texts"

BUNKER = "kcna-2011-09-02-bunker-buster"
SEED = "rodong-2024-08-09-general-offensive"
needs_apertium = pytest.mark.skipif(
    "eng-spa" not in engines.apertium_modes(), reason="apertium with the eng-spa pair is not installed"
)


@pytest.fixture
def en_es(argos_home, tiny_argosmodel) -> argos_models.InstalledPackage:
    """The tiny en->es model, installed in the test's private Argos folder."""
    return argos_models.install_from_file(tiny_argosmodel)


def _source_sentences(ws: Path, article: str) -> list:
    art = texts.load_article(ws / "texts", article)
    return split_sentences(texts.read_version_text(art, art.source().id), "en")


def _add_article(ws: Path, article: str, text: str, lang: str = "en") -> None:
    (ws / "texts").mkdir(parents=True, exist_ok=True)
    texts.create_article(ws / "texts", article, text.split("\n")[0])
    texts.add_version(ws / "texts", article, text, language=lang, kind="source", origin="test")


# --- models -------------------------------------------------------------------------------------------


def test_importing_the_cli_loads_no_translation_library():
    code = (
        "import sys, workbench.cli, workbench.translate.job, workbench.translate.argos_models, "
        "workbench.compare; "
        "print([m for m in ('ctranslate2', 'argostranslate', 'sacrebleu', 'torch') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_models_install_from_file_and_list(argos_home, tiny_argosmodels):
    empty = run("models", "list")
    assert empty.exit_code == 0, empty.output
    assert "0 Argos package(s)" in empty.stdout and "No Argos models installed" in empty.stdout

    for name in ("en_es", "ko_en"):
        result = run("models", "install", tiny_argosmodels[name])
        assert result.exit_code == 0, result.output
        assert f"translate-{name}-1_0" in result.stdout
    assert sorted(p.name for p in argos_home.iterdir()) == ["translate-en_es-1_0", "translate-ko_en-1_0"]
    assert [p.name for p in argos_home.parent.iterdir() if p.name.startswith(".")] == []  # no scratch left

    listing = run("models", "list")
    assert listing.exit_code == 0, listing.output
    assert "2 Argos package(s)" in listing.stdout
    rows = {tuple(line.split("│")[1:4]) for line in listing.stdout.splitlines() if line.count("│") == 5}
    rows = {tuple(c.strip() for c in row) for row in rows}
    assert {("en", "es", "direct"), ("ko", "en", "direct"), ("ko", "es", "via en")} <= rows
    # argostranslate itself sees the package where it looks for packages.
    from argostranslate.package import get_installed_packages

    assert sorted(p.code for p in get_installed_packages()) == ["translate-en_es", "translate-ko_en"]


def test_reinstalling_replaces_the_package(argos_home, tiny_argosmodel):
    first = argos_models.install_from_file(tiny_argosmodel)
    marker = first.path / "marker"
    marker.write_text("old")
    again = argos_models.install_from_file(tiny_argosmodel)
    assert again.path == first.path and not marker.exists()
    assert [p.name for p in argos_models.installed_packages()] == ["translate-en_es-1_0"]


def _corrupt_copies(good: Path, folder: Path) -> dict[str, Path]:
    data = good.read_bytes()
    truncated = folder / "truncated.argosmodel"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = folder / "garbage.argosmodel"
    garbage.write_bytes(os.urandom(4096))
    bad_model = folder / "bad-model.argosmodel"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad_model, "w") as dst:
        for item in src.infolist():
            payload = src.read(item)
            dst.writestr(item, os.urandom(len(payload)) if item.filename.endswith("model.bin") else payload)
    no_metadata = folder / "no-metadata.argosmodel"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(no_metadata, "w") as dst:
        for item in src.infolist():
            if not item.filename.endswith("metadata.json"):
                dst.writestr(item, src.read(item))
    return {
        "truncated": truncated,
        "garbage": garbage,
        "bad-model": bad_model,
        "no-metadata": no_metadata,
    }


def test_installing_a_corrupt_file_fails_cleanly(argos_home, tiny_argosmodel, tmp_path):
    expected = {
        "truncated": "not an Argos model",
        "garbage": "not an Argos model",
        "bad-model": "its model does not load",
        "no-metadata": "metadata.json missing",
    }
    for kind, path in _corrupt_copies(tiny_argosmodel, tmp_path).items():
        result = run("models", "install", path)
        assert result.exit_code == 1, (kind, result.output)
        assert result.stderr.startswith("error:") and expected[kind] in result.stderr, (kind, result.stderr)
    missing = run("models", "install", tmp_path / "nope.argosmodel")
    assert missing.exit_code == 1 and "no such file" in missing.stderr
    assert list(argos_home.iterdir()) == []
    assert [p.name for p in argos_home.parent.iterdir()] == ["packages"]  # no scratch folders left


def test_install_from_the_index_offline_says_how_to_install_a_file(argos_home, monkeypatch):
    from argostranslate import settings

    monkeypatch.setattr(settings, "remote_package_index", "http://127.0.0.1:9/index.json")  # nothing listens
    result = run("models", "install", "en", "ko")
    assert result.exit_code == 1
    assert "Cannot reach the Argos package index" in result.stderr
    assert "workbench models install ./translate-en_ko.argosmodel" in result.stderr
    assert list(argos_home.iterdir()) == []


@pytest.fixture
def package_index(tiny_argosmodels, tmp_path):
    """A local HTTP server with an Argos-style index.json listing the tiny models; yields the index URL."""
    served = tmp_path / "index"
    served.mkdir()
    for model in tiny_argosmodels.values():
        shutil.copy(model, served / model.name)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    index = []
    for name, model in tiny_argosmodels.items():
        a, b = name.split("_")
        index.append(
            {
                "package_version": "1.0",
                "argos_version": "1.0",
                "from_code": a,
                "to_code": b,
                "from_name": a,
                "to_name": b,
                "type": "translate",
                "links": [f"{base}/{model.name}"],
            }
        )
    (served / "index.json").write_text(json.dumps(index))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{base}/index.json"
    server.shutdown()
    server.server_close()


def test_install_from_the_index_direct_and_through_english(argos_home, package_index, monkeypatch):
    from argostranslate import settings

    monkeypatch.setattr(settings, "remote_package_index", package_index)
    direct = run("models", "install", "en", "es")
    assert direct.exit_code == 0, direct.output
    assert [p.name for p in argos_models.installed_packages()] == ["translate-en_es-1_0"]
    pivot = run("models", "install", "ko", "es")  # no ko->es package: ko->en and en->es
    assert pivot.exit_code == 0, pivot.output
    assert sorted(p.name for p in argos_models.installed_packages()) == [
        "translate-en_es-1_0",
        "translate-ko_en-1_0",
    ]
    none = run("models", "install", "en", "fr")
    assert none.exit_code == 1 and "no package for en->fr" in none.stderr
    assert not list(Path(settings.downloads_dir).iterdir())  # downloads are removed after installing


# --- translating with argos ---------------------------------------------------------------------------


def test_translate_article_writes_version_provenance_and_alignment(en_es, workspace):
    result = run("translate", BUNKER, "--to", "es", "--root", workspace)
    assert result.exit_code == 0, result.output
    folder = workspace / "texts" / BUNKER
    source = (folder / "en.source.txt").read_text(encoding="utf-8")
    machine = (folder / "es.argos.txt").read_text(encoding="utf-8")
    assert machine.endswith("\n") and "\n\n" not in machine
    assert len(split_paragraphs(machine)) == len(split_paragraphs(source)) == 10
    assert machine != source

    meta = tomllib.loads((folder / "article.toml").read_text(encoding="utf-8"))
    entry = next(v for v in meta["versions"] if v["id"] == "es.argos")
    assert entry["kind"] == "machine" and entry["language"] == "es" and entry["file"] == "es.argos.txt"
    assert (
        entry["engine"] == "argos" and entry["model"] == "translate-en_es" and entry["model_version"] == "1.0"
    )
    assert "Argos Translate" in entry["origin"] and "translate-en_es 1.0" in entry["origin"]
    assert abs(entry["created"].timestamp() - time.time()) < 300

    rec = load_alignment(workspace / "alignments" / BUNKER / "es.argos.json")
    sentences = _source_sentences(workspace, BUNKER)
    assert rec.model == "construction" and rec.params["engine"] == "argos"
    assert [s.id for s in rec.source.sentences] == [s.id for s in sentences]
    assert [s.id for s in rec.target.sentences] == [s.id for s in sentences]  # one per source sentence
    assert all(link.src == link.tgt and len(link.src) == 1 and link.score == 1.0 for link in rec.links)
    assert len(rec.links) == len(sentences) == 14
    # The paragraph lines are the machine sentences joined, so the stored sentences are those of the file.
    by_par: dict[int, list[str]] = {}
    for s in rec.target.sentences:
        by_par.setdefault(s.paragraph, []).append(s.text)
    assert [" ".join(p) for p in by_par.values()] == split_paragraphs(machine)
    assert rec.target.sha256 == texts.content_hash(machine)

    ws = Workspace(workspace)
    assert alignment_status(ws, ws.article(BUNKER), "es.argos") == "auto"
    listing = run("list", BUNKER, "--root", workspace)
    assert "es.argos" in listing.stdout and "machine" in listing.stdout


def test_already_translated_is_skipped_unless_forced(en_es, workspace):
    assert run("translate", BUNKER, "--to", "es", "--root", workspace).exit_code == 0
    folder = workspace / "texts" / BUNKER
    files = [
        folder / "es.argos.txt",
        folder / "article.toml",
        workspace / "alignments" / BUNKER / "es.argos.json",
    ]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}

    again = run("translate", BUNKER, "--to", "es", "--root", workspace)
    assert again.exit_code == 0, again.output
    assert "1 article(s) already translated" in again.stderr and "translated 0 of 0" in again.stderr
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before

    forced = run("translate", BUNKER, "--to", "es", "--force", "--root", workspace)
    assert forced.exit_code == 0, forced.output
    assert "translated 1 of 1" in forced.stderr
    # Same model, same input: the same translation, so nothing is written (no new revision or time).
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before
    assert load_alignment(files[2]).revision == 1
    meta = tomllib.loads((folder / "article.toml").read_text(encoding="utf-8"))
    assert [v["id"] for v in meta["versions"]].count("es.argos") == 1
    source = folder / "en.source.txt"  # a changed source: translated and written again
    source.write_text(source.read_text(encoding="utf-8") + "A new last sentence.\n", encoding="utf-8")
    assert run("translate", BUNKER, "--to", "es", "--force", "--root", workspace).exit_code == 0
    assert load_alignment(files[2]).revision == 2


def test_force_keeps_a_post_edited_machine_text(en_es, workspace, caplog):
    assert run("translate", BUNKER, "--to", "es", "--root", workspace).exit_code == 0
    path = workspace / "texts" / BUNKER / "es.argos.txt"
    edited = path.read_text(encoding="utf-8").replace("\n", " (revisado)\n", 1)
    path.write_text(edited, encoding="utf-8")
    skipped = run("translate", BUNKER, "--to", "es", "--root", workspace)
    assert "already translated" in skipped.stderr and path.read_text(encoding="utf-8") == edited
    forced = run("translate", BUNKER, "--to", "es", "--force", "--root", workspace)
    assert forced.exit_code == 0, forced.output
    assert "(revisado)" not in path.read_text(encoding="utf-8")
    (backup,) = copies_of(path, "bak")
    assert backup.read_text(encoding="utf-8") == edited
    assert any(f"the old text is kept as {backup.name}" in r.getMessage() for r in caplog.records)
    edited_again = path.read_text(encoding="utf-8").replace("\n", " (otra vez)\n", 1)
    path.write_text(edited_again, encoding="utf-8")
    assert run("translate", BUNKER, "--to", "es", "--force", "--root", workspace).exit_code == 0
    assert [b.read_text(encoding="utf-8") for b in copies_of(path, "bak")] == [edited, edited_again]


def test_force_keeps_a_text_post_edited_in_the_app(en_es, workspace):
    from workbench.review.textedit import edit_sentence

    assert run("translate", BUNKER, "--to", "es", "--root", workspace).exit_code == 0
    ws = Workspace(workspace)
    record = load_alignment(workspace / "alignments" / BUNKER / "es.argos.json")
    first = record.target.sentences[0]
    done = edit_sentence(ws, ws.article(BUNKER), record, "tgt", first.id, "Un título corregido")
    save_alignment(workspace / "alignments" / BUNKER / "es.argos.json", done.alignment, expected_revision=1)
    assert ws.article(BUNKER).version("es.argos").post_edited
    assert run("translate", BUNKER, "--to", "es", "--force", "--root", workspace).exit_code == 0
    path = workspace / "texts" / BUNKER / "es.argos.txt"
    (backup,) = copies_of(path, "bak")
    assert "Un título corregido" in backup.read_text(encoding="utf-8")
    assert "Un título corregido" not in path.read_text(encoding="utf-8")
    assert not ws.article(BUNKER).version("es.argos").post_edited  # a fresh machine translation


def test_translate_all_resumes_after_the_process_is_killed(en_es, tmp_path):
    """Kill a batch run after its first article is done; the rerun keeps that one and does the rest."""
    workspace = tmp_path
    ids = [f"story-{i}" for i in range(5)]
    for i, article in enumerate(ids):  # 141 sentences each: the first four make a translation group (512)
        paragraphs = [
            " ".join(f"Sentence {k} of paragraph {p} in story {i}." for k in range(7)) for p in range(20)
        ]
        _add_article(workspace, article, "\n".join([f"Story {i}", *paragraphs]))
    args = ["translate", "--all", "--to", "es", "--max-length", "16", "--root", str(workspace)]
    cmd = [sys.executable, "-c", "from workbench.cli import app; app()", *args]  # the package has no __main__
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    aligned = workspace / "alignments"
    deadline = time.monotonic() + 120
    while not (aligned.exists() and any(aligned.glob("*/es.argos.json"))):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()

    done = sorted(p.parent.name for p in aligned.glob("*/es.argos.json"))
    assert 1 <= len(done) < len(ids), "the kill should land midway"
    kept = {}
    for article in done:
        for p in (workspace / "texts" / article / "es.argos.txt", aligned / article / "es.argos.json"):
            kept[p] = (p.read_bytes(), p.stat().st_mtime_ns)

    rerun = run(*args)
    assert rerun.exit_code == 0, rerun.output
    assert f"{len(done)} article(s) already translated" in rerun.stderr
    assert f"translated {len(ids) - len(done)} of {len(ids) - len(done)}" in rerun.stderr
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in kept} == kept  # finished work untouched

    ws = Workspace(workspace)
    for article in ids:
        art = ws.article(article)
        assert [v.id for v in art.versions].count("es.argos") == 1
        assert alignment_status(ws, art, "es.argos") == "auto"  # text and alignment match
        text = texts.read_version_text(art, "es.argos")
        assert len(split_paragraphs(text)) == len(split_paragraphs(texts.read_version_text(art, "en.source")))
    assert not [p for p in workspace.rglob("*") if p.name.endswith(".tmp")]


def test_temp_files_of_a_killed_run_are_removed(en_es, workspace):
    folder = workspace / "texts" / BUNKER
    (workspace / "alignments" / BUNKER).mkdir(parents=True)
    left = [
        folder / ".es.argos.txt.0123abcd.tmp",
        folder / ".article.toml.deadbeef.tmp",
        workspace / "alignments" / BUNKER / ".es.argos.json.89abcdef.tmp",
    ]
    others = [folder / ".es.kcna.txt.aaaaaaaa.tmp", folder / "notes.tmp"]  # not written by a translation
    for path in left + others:
        path.write_text("partial")
    result = run("translate", BUNKER, "--to", "es", "--max-length", "16", "--root", workspace)
    assert result.exit_code == 0, result.output
    assert not any(p.exists() for p in left) and all(p.exists() for p in others)


def test_pivot_through_english(argos_home, tiny_argosmodels, tmp_path):
    for name in ("en_es", "ko_en"):
        argos_models.install_from_file(tiny_argosmodels[name])
    _add_article(
        tmp_path, "ko-story", "조선 기사 제목\n첫 문장입니다. 둘째 문장입니다.\n셋째 문단입니다.\n", "ko"
    )
    result = run("translate", "ko-story", "--to", "es", "--root", tmp_path)
    assert result.exit_code == 0, result.output
    art = texts.load_article(tmp_path / "texts", "ko-story")
    version = art.version("es.argos")
    assert version.model == "translate-ko_en+translate-en_es" and version.model_version == "1.0+1.0"
    assert "translate-ko_en 1.0 + translate-en_es 1.0" in version.origin
    assert len(split_paragraphs(texts.read_version_text(art, "es.argos"))) == 3
    rec = load_alignment(tmp_path / "alignments" / "ko-story" / "es.argos.json")
    assert [link.src for link in rec.links] == [["p1.s1"], ["p2.s1"], ["p2.s2"], ["p3.s1"]]


def test_engine_sends_sentences_in_batches(en_es):
    engine = engines.get_engine("argos", "en", "es", batch_size=16, max_decoding_length=8, inter_threads=2)
    model = engine._models[0]
    calls = []
    real = model.translator

    class Recording:
        def translate_batch(self, batch, **kwargs):
            calls.append((len(batch), kwargs["max_batch_size"], kwargs["beam_size"]))
            return real.translate_batch(batch, **kwargs)

    model.translator = Recording()
    sentences = [f"Sentence number {i} of the test, with {'more words ' * (i % 7)}." for i in range(150)]
    reports = []
    out = engine.translate(sentences, progress=lambda done, total: reports.append((done, total)))
    assert len(out) == 150 and all(out)
    assert calls == [(150, 16, 4)]  # one call for 150 sentences, which CTranslate2 runs in batches of 16
    assert [d for d, _ in reports] == list(range(1, 151)) and {t for _, t in reports} == {150}
    few = engine.translate(sentences[:10])
    assert len(few) == 10 and calls[-1] == (10, 5, 4)  # a batch for each of the two workers


def test_a_sentence_longer_than_the_model_takes_is_split_with_a_warning(en_es, caplog):
    engine = engines.get_engine("argos", "en", "es", max_input_tokens=40, max_decoding_length=6)
    long = " ".join(f"word{i}," for i in range(200)) + " end."
    with caplog.at_level(logging.WARNING, logger="workbench.translate.engines"):
        out = engine.translate(["A short one.", long, "Another short one."])
    assert len(out) == 3 and all(out)
    assert any("more than the 40 the model takes" in r.getMessage() for r in caplog.records)
    assert len(out[1]) > len(out[0])  # the parts were all translated and joined


def test_no_model_for_the_pair_lists_installed_pairs(en_es, workspace):
    result = run("translate", BUNKER, "--to", "ko", "--root", workspace)
    assert result.exit_code == 1
    assert "No Argos model for en->ko" in result.stderr and "Installed pairs: en->es" in result.stderr
    assert "workbench models install en ko" in result.stderr
    assert not (workspace / "texts" / BUNKER / "ko.argos.txt").exists()


@pytest.mark.parametrize(
    ("to", "message"), [("xx", "Unknown language code 'xx'"), ("english", "Invalid language 'english'")]
)
def test_unknown_language_code(en_es, workspace, to, message):
    result = run("translate", BUNKER, "--to", to, "--root", workspace)
    assert result.exit_code == 1 and message in result.stderr


def test_translation_and_the_embedding_models_agree_on_language_codes(workspace):
    # translate had its own code table and did not fold old and variant codes as embed did: "iw" was an
    # unknown code, and "nb" was another language than "no"; both now go through workbench.text.language
    from workbench.text.language import language_base
    from workbench.translate import job
    from workbench.translate.errors import TranslateError, check_language_code

    assert language_base("iw") == language_base("he") and check_language_code("iw") == "iw"
    assert language_base("nb") == language_base("no")
    assert argos_models.argos_code("nb") == argos_models.argos_code("no") == "nb"  # Argos's Norwegian
    _add_article(workspace, "norsk", "Stortinget vedtok loven i går.\nDen trer i kraft neste år.\n", "no")
    article = texts.load_article(workspace / "texts", "norsk")
    with pytest.raises(TranslateError, match="already in nb"):
        job.plan_batch(Workspace(workspace), [article], "nb", "apertium")


def test_errors_for_empty_article_same_language_and_no_target(en_es, workspace):
    empty = workspace / "texts" / "empty-story"
    empty.mkdir()
    (empty / "article.toml").write_text(
        'id = "empty-story"\ntitle = "Empty"\n[[versions]]\nid = "en.source"\nfile = "en.source.txt"\n'
        'language = "en"\nkind = "source"\norigin = "test"\ncreated = 2024-01-01T00:00:00Z\n'
    )
    (empty / "en.source.txt").write_text("\n  \n")
    result = run("translate", "empty-story", "--to", "es", "--root", workspace)
    assert result.exit_code == 1 and "is empty" in result.stderr

    # --all goes on past the broken article and reports it.
    batch = run("translate", "--all", "--to", "es", "--max-length", "16", "--root", workspace)
    assert batch.exit_code == 1 and "empty-story" in batch.stderr and "translated 5 of 5" in batch.stderr

    same = run("translate", BUNKER, "--to", "en", "--root", workspace)
    assert same.exit_code == 1 and "already in en" in same.stderr
    missing = run("translate", BUNKER, "--root", workspace)
    assert missing.exit_code == 1 and "--to" in missing.stderr
    unknown_engine = run("translate", BUNKER, "--to", "es", "--engine", "deepl", "--root", workspace)
    assert unknown_engine.exit_code == 1 and "unknown engine 'deepl'" in unknown_engine.stderr


def test_a_human_version_with_the_same_id_is_not_overwritten(en_es, workspace):
    texts.add_version(
        workspace / "texts", BUNKER, "Hola.\n", language="es", kind="human", origin="x", tag="argos"
    )
    result = run("translate", BUNKER, "--to", "es", "--root", workspace)
    assert result.exit_code == 1 and "already has a human version es.argos" in result.stderr
    assert (workspace / "texts" / BUNKER / "es.argos.txt").read_text() == "Hola.\n"


# --- apertium -----------------------------------------------------------------------------------------


@needs_apertium
def test_apertium_translates_english_to_spanish(argos_home, workspace):
    result = run("translate", BUNKER, "--to", "es", "--engine", "apertium", "--root", workspace)
    assert result.exit_code == 0, result.output
    art = texts.load_article(workspace / "texts", BUNKER)
    version = art.version("es.apertium")
    assert version.kind == "machine" and version.engine == "apertium"
    assert version.model == "apertium-eng-spa" and version.model_version not in ("", "unknown")
    text = texts.read_version_text(art, "es.apertium")
    lines = split_paragraphs(text)
    assert len(lines) == 10
    assert "producción" in lines[1] and "Bunker Buster" in lines[1]  # "the production of Bunker Buster"
    assert "Península coreana" in text and "guerra" in text
    rec = load_alignment(workspace / "alignments" / BUNKER / "es.apertium.json")
    assert len(rec.links) == 14 and rec.model == "construction"
    assert rec.target.sentences[1].text.startswith("Los EE.UU.")


@needs_apertium
def test_apertium_keeps_one_output_per_sentence():
    engine = engines.get_engine("apertium", "en", "es")
    sentences = [
        "The house is red",  # no final stop
        "the dog sleeps.",  # lowercase start
        'He said "hello',  # unbalanced quote
        "[Brackets] and <tags> and \\ backslashes.",
        "Numbers: 1.5 million, 3.",
        "A line\nwith a newline inside.",
    ]
    out = engine.translate(sentences)
    assert len(out) == len(sentences) and all(out) and all("\n" not in s for s in out)
    assert out[0] == "La casa es roja"
    assert "perro" in out[1] and "casa" not in out[1]
    assert "línea" in out[5] and "nueva" not in out[0]


def test_apertium_without_the_pair_says_what_is_installed(monkeypatch, workspace):
    monkeypatch.setattr(engines, "apertium_modes", lambda: ["eng-spa", "spa-eng"])
    with pytest.raises(ModelError, match="no en->ko pair installed. Installed directions: eng-spa, spa-eng"):
        engines.get_engine("apertium", "en", "ko")
    monkeypatch.setattr(engines, "apertium_modes", lambda: [])
    result = run("translate", BUNKER, "--to", "es", "--engine", "apertium", "--root", workspace)
    assert result.exit_code == 1 and "apt-get install apertium apertium-eng-spa" in result.stderr


@needs_apertium
def test_align_keeps_the_alignment_by_construction(argos_home, workspace):
    assert run("translate", BUNKER, "--to", "es", "--engine", "apertium", "--root", workspace).exit_code == 0
    path = workspace / "alignments" / BUNKER / "es.apertium.json"
    before = path.read_bytes()
    result = run("align", BUNKER, "--root", workspace)
    assert result.exit_code == 0, result.output
    assert "kept its 1-1 alignment by construction" in result.output
    assert path.read_bytes() == before
    assert load_alignment(workspace / "alignments" / BUNKER / "es.kcna.json").model == "use-m3"
    forced = run("align", BUNKER, "-t", "es.apertium", "--force", "--root", workspace)
    assert forced.exit_code == 0, forced.output
    assert load_alignment(path).model == "use-m3"
