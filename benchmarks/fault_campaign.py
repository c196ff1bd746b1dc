"""Fault campaigns through the real ``workbench`` command (a subprocess each time), against any checkout.

Issue 28's seven surfaces (the default): archive import (odd dates, JSON, broken Parquet, other encodings,
nonsense settings, colliding article ids), kill -9 and resume (``corpus build`` killed at moments spread
over a build, some killed again while resuming: the tables must equal an uninterrupted build's, with no
junk left), a corrupt corpus folder (every table and the person's decisions damaged five ways, against
status, pairs, decide, export and build, which must mend it), two writers (two builds, a decision during
a build, and two ``corpus decide`` at the same instant ``--trials`` times: none may be lost), text edit and
search (catastrophic regexes, huge queries and pastes, odd characters, bead numbers; a step over 2 s is a
hang), the app's deep links (AppTest with crafted ``?article=``, ``?target=``, ``?bead=``: no exception,
no image from another host on the page) and corpus export (control characters, NUL, RTL marks, ``<`` and
``]]>`` in text and story ids: every format must read back; no output inside a corpus folder). Each case
counts as fine or a clear error, traceback, silent wrong, data lost or hang; cases that run in a worker
are killed after a limit, so the campaign never hangs. It prints issue 28's table and every case that did
not end well.

Issue 17's (``--only issue17``): bad input to ``add``, corrupt alignment files against list, show, export
and align, markup in user text, backups of reviewed beads, a Moses export that fails half-way, exports
killed with SIGKILL, and two processes saving one alignment at the same instant.

    python benchmarks/fault_campaign.py                         # issue 28's surfaces, this checkout
    python benchmarks/fault_campaign.py --quick                 # fewer trials, kills and cases (minutes)
    python benchmarks/fault_campaign.py --only all              # issue 17's and 28's
    python benchmarks/fault_campaign.py --checkout /tmp/old     # another (e.g. `git archive 229cd64`)
    python benchmarks/fault_campaign.py --markdown docs/benchmarks/fault_campaign.md
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import tables

REPO = Path(__file__).resolve().parents[1]
CLI = ["-c", "from workbench.cli import app; app()"]  # the ``workbench`` command of the checkout
SEED = "rodong-2024-08-09-general-offensive"
KOREAN = (
    "조국해방을 위한 총공격\n1945년에 이르러 파쑈독일이 패망하고 일제는 최후멸망의 운명에 처하게 되였다.\n"  # noqa: E501
)
CHINESE = "朝鲜中央通讯社报道\n金正日同志视察了新建成的光复地区商业中心。\n"
SPANISH = "Año nuevo en la capital\nEl señor director señaló que el comercio seguirá creciendo.\n"
JAPANESE = "朝鮮中央通信によると\n金正日同志は新しく建設された光復地区商業中心を現地指導した。\n"


class Campaign:
    def __init__(self, checkout: Path, scratch: Path):
        self.checkout, self.scratch = checkout, scratch
        self.results: list[tuple[str, str, str, int]] = []
        self.env = dict(
            os.environ,
            PYTHONPATH=str(checkout),
            WORKBENCH_CACHE=str(scratch / "cache"),
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            COLUMNS="400",
        )

    def run(self, *args: object, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *CLI, *map(str, args)],
            capture_output=True,
            text=True,
            errors="replace",
            env=self.env,
            cwd=self.scratch,
            timeout=timeout,
        )

    def python(self, code: str, *args: object, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", code, *map(str, args)],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.scratch,
            timeout=timeout,
        )

    def record(self, group: str, name: str, outcome: str, n: int = 1) -> None:
        """One case's outcome (``n`` cases with the same outcome, e.g. trials)."""
        self.results.append((group, name, outcome, n))
        line = f"  {group:8} {name[:100]:100} {outcome}{f' x{n}' if n != 1 else ''}"
        print(line, file=sys.stderr, flush=True)  # stdout holds the tables (what --markdown writes)

    def workspace(self, name: str) -> Path:
        root = self.scratch / name
        shutil.copytree(REPO / "texts", root / "texts")
        return root


def traceback_or(result: subprocess.CompletedProcess, outcome: str) -> str:
    return "traceback" if "Traceback" in result.stdout + result.stderr else outcome


def folder_bytes(folder: Path) -> list[bytes]:
    return [p.read_bytes() for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []


# --- add ------------------------------------------------------------------------------------------------


def add_cases(c: Campaign) -> None:
    ws = c.workspace("add")
    files = c.scratch / "files"
    files.mkdir()
    utf16 = KOREAN.encode("utf-16-le")
    cases = {  # name: (file bytes or None for a folder/missing file, extra args, expected text or None)
        "empty": (b"", [], None),
        "whitespace only": (b" \n\t\r\n", [], None),
        "a PNG": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, [], None),
        "zero-width spaces only": (("\u200b" * 40 + "\n").encode(), [], None),
        "UTF-8 with one Latin-1 line": (SPANISH.encode() + "Línea vieja.\n".encode("latin-1"), [], None),
        "UTF-8 surrogate bytes (ED A0 80)": (SPANISH.encode() + b"\xed\xa0\x80\n", [], None),
        "Korean UTF-16LE without BOM": (utf16, [], KOREAN),
        "Korean UTF-16BE without BOM": (KOREAN.encode("utf-16-be"), [], KOREAN),
        "Korean CP949": (KOREAN.encode("cp949"), [], KOREAN),
        "Chinese GB18030": (CHINESE.encode("gb18030"), [], CHINESE),
        "Japanese Shift-JIS": (JAPANESE.encode("shift_jis"), [], JAPANESE),
        "Spanish CP1252": (SPANISH.encode("cp1252"), [], SPANISH),
        "UTF-8 with BOM": (b"\xef\xbb\xbf" + SPANISH.encode(), [], SPANISH),
        "21 MiB": (b"a" * (21 * 1024 * 1024), [], None),
        "a folder": (None, [], None),
        "no such file": (None, [], None),
        "a 300-character id": (SPANISH.encode(), ["-a", "a" * 300], None),
        "id 'con'": (SPANISH.encode(), ["-a", "con"], None),
        "id 'nul'": (SPANISH.encode(), ["-a", "nul"], None),
        "id 'story.' (trailing dot)": (SPANISH.encode(), ["-a", "story."], None),
        "a bad --date": (SPANISH.encode(), ["-a", "dated", "--date", "2011-13-45", "--kind", "source"], None),
        "origin 'O [/]'": (SPANISH.encode(), ["--origin", "O [/]"], SPANISH),
        "origin '[bold red]x[/]'": (SPANISH.encode(), ["--origin", "[bold red]x[/]"], SPANISH),
        "a file named '[red]x.txt'": (SPANISH.encode(), [], SPANISH),
    }
    for n, (name, (data, extra, expected)) in enumerate(cases.items()):
        path = files / ("[red]x.txt" if "[red]" in name else f"f{n}.txt")
        if name == "a folder":
            path.mkdir()
        elif data is not None:
            path.write_bytes(data)
        lang = "ko" if "Korean" in name else "zh" if "Chinese" in name else "ja" if "Japan" in name else "es"
        args = ["add", path, "-l", lang, "--tag", f"t{n}", "--root", ws]
        if "-a" not in extra:
            args += ["-a", SEED]
        result = c.run(*args, *extra)
        stored = ws / "texts" / SEED / f"{lang}.t{n}.txt"
        if expected is None:
            outcome = "ok" if result.returncode == 1 else "bad input taken"
            if result.returncode == 0 and stored.is_file() and data and stored.read_bytes() != data:
                outcome = "mojibake"
        elif result.returncode != 0:
            outcome = "good input refused"
        else:
            outcome = "ok" if stored.read_text(encoding="utf-8") == expected else "mojibake"
        c.record("add", name, traceback_or(result, outcome))
    listing = c.run("list", "--root", ws)
    shown = all(origin in listing.stdout for origin in ("O [/]", "[bold red]x[/]", "[red]x.txt"))
    c.record(
        "markup",
        "list: origins '[/]', '[bold red]', '[red]'",
        traceback_or(listing, "ok" if shown else "markup lost"),
    )


# --- corrupt alignment files -----------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
CORRUPTIONS = {
    "a score of 401 digits": lambda t: t.replace('"score": ', '"score": ' + "9" * 401 + ', "x": ', 1),
    "arrays nested 100,000 deep": lambda t: t.replace('"params": {', f'"x": {DEEP}, "params": {{'),
    "a lone surrogate escape": lambda t: t.replace('"text": "', '"text": "\\ud800', 1),
    "truncated": lambda t: t[: len(t) // 3],
    "empty": lambda t: "",
    "a folder": None,
}


def corrupt_cases(c: Campaign) -> None:
    ws = c.workspace("corrupt")
    assert c.run("align", SEED, "-t", "es.team", "-t", "ko.team", "--root", ws).returncode == 0
    path = ws / "alignments" / SEED / "es.team.json"
    good = path.read_text(encoding="utf-8")
    for name, corrupt in CORRUPTIONS.items():
        for command in ("list", "show", "export", "align"):
            if path.is_dir():
                shutil.rmtree(path)
            for copy in path.parent.glob("es.team.json.*"):
                shutil.rmtree(copy) if copy.is_dir() else copy.unlink()
            if corrupt is None:
                path.unlink(missing_ok=True)
                (path / "inside").mkdir(parents=True)
            else:
                path.write_text(corrupt(good), encoding="utf-8")
            args = {
                "list": ["list", "--root", ws],
                "show": ["show", SEED, "-t", "es.team", "--root", ws],
                "export": ["export", SEED, "--status", "any", "-o", c.scratch / "c.tsv", "--root", ws],
                "align": ["align", SEED, "-t", "es.team", "--root", ws],
            }[command]
            c.record("corrupt", f"{command}: {name}", traceback_or(c.run(*args), "ok"))
        if path.is_dir():
            shutil.rmtree(path)
        path.write_text(good, encoding="utf-8")


# --- markup in texts ---------------------------------------------------------------------------------------


def markup_cases(c: Campaign) -> None:
    ws = c.workspace("markup")
    text = c.scratch / "markup.txt"
    text.write_text("Título [/] con [bold red]marcas[/].\nOtra frase \x1b[31mroja aquí.\n", encoding="utf-8")
    assert c.run("add", text, "-a", SEED, "-l", "es", "--tag", "mk", "--root", ws).returncode == 0
    aligned = c.run("align", SEED, "-t", "es.mk", "--root", ws)
    ok = "ok" if aligned.returncode == 0 else "good input refused"
    c.record("markup", "align a text with '[/]'", traceback_or(aligned, ok))
    shown = c.run("show", SEED, "-t", "es.mk", "--root", ws)
    lost = "[bold red]marcas[/]" not in shown.stdout or "\x1b" in shown.stdout
    c.record(
        "markup", "show '[/]', '[bold red]' and ESC", traceback_or(shown, "markup lost" if lost else "ok")
    )
    long = c.scratch / "long.txt"
    long.write_text("Título\n" + "[/] palabra " * 300 + "\n", encoding="utf-8")
    assert c.run("add", long, "-a", SEED, "-l", "es", "--tag", "long", "--root", ws).returncode == 0
    refused = c.run("align", SEED, "-t", "es.long", "--root", ws)
    c.record("markup", "align's error quoting '[/]'", traceback_or(refused, "ok"))


# --- reviewed work ---------------------------------------------------------------------------------------

CONFIRM = """
import sys
from workbench.store.alignments import load_alignment, save_alignment
path = sys.argv[1]
record = load_alignment(path)
for link in record.links[:3]:
    link.status = "confirmed"
save_alignment(path, record, expected_revision=record.revision)
"""


def reviewed_cases(c: Campaign) -> None:
    ws = c.workspace("reviewed")
    folder = ws / "alignments" / SEED
    path = folder / "es.team.json"
    assert c.run("align", SEED, "-t", "es.team", "--root", ws).returncode == 0
    assert c.python(CONFIRM, path).returncode == 0
    reviewed = path.read_bytes()
    forced = c.run("align", SEED, "-t", "es.team", "--force", "--root", ws)  # a backup holds them
    path.write_bytes(b"")  # truncated
    again = c.run("align", SEED, "-t", "es.team", "--root", ws)
    lost = reviewed not in folder_bytes(folder)
    c.record(
        "backups",
        "align --force, truncate, align (the .bak)",
        traceback_or(again, "data loss" if lost else "ok"),
    )
    assert forced.returncode == 0
    for p in folder.iterdir():
        p.unlink()
    path.write_bytes(reviewed[: len(reviewed) // 2])  # a corrupt file that holds reviewed beads
    half = path.read_bytes()
    result = c.run("align", SEED, "-t", "es.team", "--root", ws)
    lost = half not in folder_bytes(folder)
    c.record(
        "backups", "align over a corrupt reviewed file", traceback_or(result, "data loss" if lost else "ok")
    )


# --- exports ---------------------------------------------------------------------------------------------


def export_cases(c: Campaign) -> None:
    ws = c.workspace("export")
    assert c.run("align", SEED, "-t", "es.team", "-t", "ko.team", "--root", ws).returncode == 0
    for version in ("es.team", "ko.team"):
        assert c.python(CONFIRM, ws / "alignments" / SEED / f"{version}.json").returncode == 0
    out = c.scratch / "moses"
    out.mkdir()
    assert c.run("export", SEED, "-f", "moses", "-o", out / "c", "--root", ws).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "c.en-ko.ko").unlink()
    (out / "c.en-ko.ko").mkdir()  # the last file of the set cannot be renamed into place
    del before["c.en-ko.ko"]
    failed = c.run("export", SEED, "-f", "moses", "--status", "any", "-o", out / "c", "--root", ws)
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    changed = sorted(n for n in before if after.get(n) != before[n])
    outcome = "data loss" if changed or failed.returncode == 0 else "ok"  # a half-new set replaced the old
    c.record("export", "moses set whose last rename fails", traceback_or(failed, outcome))

    synth = c.scratch / "synth"
    spec = importlib.util.spec_from_file_location("export_scale", REPO / "benchmarks" / "export_scale.py")
    export_scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(export_scale)
    export_scale.grow(synth, 300)
    for fmt, name in (("tmx", "big.tmx"), ("moses", "big"), ("parquet", "big.parquet")):
        target = c.scratch / f"killed-{fmt}"
        target.mkdir()
        command = [sys.executable, *CLI, "export", "--all", "-f", fmt, "-o", target / name]
        for _ in range(3):  # killed while writing: as soon as its temp file is there
            proc = subprocess.Popen(
                [*map(str, command), "--root", str(synth)],
                env=c.env,
                cwd=c.scratch,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            before = set(target.iterdir())
            end = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < end and not set(target.iterdir()) - before:
                time.sleep(0.01)
            time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        killed = sum(1 for p in target.iterdir() if p.name.startswith("."))  # what the kills left
        done = c.run("export", "--all", "-f", fmt, "-o", target / name, "--root", synth)
        left = [p.name for p in target.iterdir() if p.name.startswith(".")]
        c.record(
            "kill -9",
            f"export {fmt} killed 3 times ({killed} temp files), then run",
            traceback_or(done, "temp left" if left else "ok"),
        )


# --- two processes saving at once -----------------------------------------------------------------------

SAVES = """
import json, multiprocessing, sys
from collections import Counter
from workbench.store.alignments import ConflictError, load_alignment, save_alignment

def save(path, revision, barrier, results):
    record = load_alignment(path)
    barrier.wait()
    try:
        save_alignment(path, record, expected_revision=revision)
        results.put("saved")
    except ConflictError:
        results.put("refused")

path, trials = sys.argv[1], int(sys.argv[2])
ctx = multiprocessing.get_context("fork")
outcomes = Counter()
for _ in range(trials):
    revision = load_alignment(path).revision
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=save, args=(path, revision, barrier, results)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    outcomes[[results.get() for _ in procs].count("saved")] += 1
print(json.dumps({str(k): v for k, v in outcomes.items()}))
"""


def save_cases(c: Campaign, trials: int) -> dict:
    ws = c.workspace("saves")
    assert c.run("align", SEED, "-t", "es.team", "--root", ws).returncode == 0
    result = c.python(SAVES, ws / "alignments" / SEED / "es.team.json", trials)
    outcomes = {int(k): v for k, v in json.loads(result.stdout.strip().splitlines()[-1]).items()}
    c.record("saves", f"two at once, {trials} trials: exactly one saved", f"{outcomes.get(1, 0)} of {trials}")
    return outcomes


# --- the corpus folder (issue 28) -----------------------------------------------------------------------

ARCHIVE = REPO / "tests" / "fixtures" / "kcna-mini" / "stories.parquet"


def expect(result: subprocess.CompletedProcess, code: int) -> str:
    """``ok`` when the command exited with ``code`` without a traceback."""
    if code == 0:
        return traceback_or(result, "ok" if result.returncode == 0 else "good input refused")
    return traceback_or(result, "ok" if result.returncode == code else "bad input taken")


class Corpora:
    """A corpus built once from the fixture, copied for each case."""

    def __init__(self, c: Campaign):
        self.c = c
        self.base = c.scratch / "corpus-base"
        (self.base / "texts").mkdir(parents=True)
        start = time.monotonic()
        done = c.run("corpus", "build", ARCHIVE, "--name", "mini", "--workers", "1", "--root", self.base)
        self.took = time.monotonic() - start  # how long one build takes, for kill -9 at moments within one
        assert done.returncode == 0, done.stderr
        self.n = 0

    def copy(self) -> tuple[Path, Path]:
        """(a workbench folder, its corpus ``mini``), fresh."""
        self.n += 1
        root = self.c.scratch / f"corpus-{self.n}"
        shutil.copytree(self.base, root)
        return root, root / "corpora" / "mini"


def _pandas_file(stories, path: Path, fmt: str) -> None:
    import pandas as pd

    week = stories[stories["id"].str.startswith("2012")]
    if fmt == "parquet":
        week.to_parquet(path)
    elif fmt == "csv":
        week.to_csv(path)
    else:
        with warnings.catch_warnings():  # pandas says its default (epoch milliseconds) will change
            warnings.simplefilter("ignore")
            week.assign(date=pd.to_datetime(week["date"])).to_json(path, orient="records", lines=True)


def import_cases(c: Campaign, quick: bool) -> None:
    """Odd archives (issue 28 items 11 and 13); ``quick`` leaves out the ones that build a whole corpus and
    the plain bad files."""
    import pandas as pd

    stories = pd.read_parquet(ARCHIVE)
    root = c.scratch / "imports"
    (root / "texts").mkdir(parents=True)
    files = c.scratch / "archives"
    files.mkdir()
    n = 0

    def build(path: Path, *extra: object) -> subprocess.CompletedProcess:
        nonlocal n
        n += 1
        return c.run(
            "corpus", "build", path, "--out", root / f"c{n}", "--workers", "1", *extra, "--root", root
        )

    for fmt in () if quick else ("parquet", "csv", "jsonl"):
        path = files / f"pandas.{fmt}"
        _pandas_file(stories, path, fmt)
        c.record("archive import", f"an archive pandas wrote with its index ({fmt})", expect(build(path), 0))

    def dated(name: str, dates: list) -> Path:
        path = files / f"{name}.parquet"
        stories.head(len(dates)).assign(date=dates).to_parquet(path)
        return path

    bad = {
        "dates day first and month first": dated("dm", ["03/04/2011", "13/04/2011", "04/13/2011"]),
        "dates that read either way": dated("either", ["03/04/2011", "05/06/2011"]),
        "year 0001": dated("y1", ["2011-01-26", "0001-01-01"]),
        "year 9999": dated("y9999", ["2011-01-26", "9999-12-31"]),
    }
    for name, path in bad.items():
        c.record("archive import", name, expect(build(path), 1))
    mixed = dated("tz", ["2011-01-26T23:00:00+09:00", "2011-01-26T23:00:00-05:00"])
    read = c.python(
        "import sys; from workbench.corpus.archive import read_archive; "
        "print(sorted({str(d) for d in read_archive(sys.argv[1])['date']}))",
        mixed,
    )
    right = read.returncode == 0 and "['2011-01-26']" in read.stdout
    outcome = traceback_or(read, "ok" if right else "silent wrong")
    c.record("archive import", "mixed time zone offsets", outcome)
    nested = files / "nested.jsonl"
    nested.write_text(
        json.dumps({"id": "a", "language": "en", "date": "2011-01-01", "story": {"text": "x"}}) + "\n"
    )
    c.record("archive import", "a JSON object as a story", expect(build(nested, "--date-from", ""), 1))
    line42 = files / "line42.jsonl"
    line42.write_text('{"id": "a", "language": "en", "date": "2011-01-01", "story": "x"}\n42\n')
    c.record("archive import", "a JSONL line 42", expect(build(line42, "--date-from", ""), 1))
    footer = files / "footer.parquet"
    data = bytearray(ARCHIVE.read_bytes())
    size = int.from_bytes(data[-8:-4], "little")
    data[-8 - size // 2 : -8] = bytes(size // 2)  # the footer's metadata, half zeros
    footer.write_bytes(bytes(data))
    c.record("archive import", "a Parquet file with a garbage footer", expect(build(footer), 1))
    bad_pattern = build(ARCHIVE, "--date-pattern", "(unclosed")
    c.record("archive import", "a bad --date-pattern", expect(bad_pattern, 1))
    if not quick:
        plain_bad_files(c, build, stories, files)
    undated = build(ARCHIVE, "--date-col", "", "--date-from", "")
    manifest = json.loads((root / f"c{n}" / "manifest.json").read_text())
    running = any(s.get("status") == "running" for s in manifest["stages"].values())
    outcome = expect(undated, 1)
    outcome = "stage left running" if outcome == "ok" and running else outcome
    c.record("archive import", "no date column", outcome)


def plain_bad_files(c: Campaign, build: Callable, stories, files: Path) -> None:
    """Files that are no archive, or one the import must refuse: each a clear message."""
    truncated = files / "truncated.parquet"
    truncated.write_bytes(ARCHIVE.read_bytes()[: ARCHIVE.stat().st_size // 2])
    c.record("archive import", "a truncated Parquet file", expect(build(truncated), 1))
    week = stories[stories["id"].str.startswith("2012")]
    for encoding in ("latin-1", "utf-16"):
        path = files / f"{encoding}.csv"
        text = week.assign(story=week["story"] + " Año señalado.").to_csv(index=False)
        path.write_bytes(text.encode(encoding, errors="replace"))
        c.record("archive import", f"a {encoding} CSV", expect(build(path), 1))
    empty = files / "empty.csv"
    empty.write_bytes(b"")
    c.record("archive import", "an empty file", expect(build(empty), 1))
    c.record("archive import", "a file that is not there", expect(build(files / "missing.parquet"), 1))
    c.record("archive import", "a folder", expect(build(files), 1))
    noid = files / "noid.csv"
    week.drop(columns=["id"]).to_csv(noid, index=False)
    c.record("archive import", "a CSV without an id column", expect(build(noid), 1))
    big = files / "big.parquet"
    stories.head(2).assign(story=["x " * 10_000_000, "y."]).to_parquet(big)
    c.record("archive import", "a 20 MB story", expect(build(big), 1))


def settings_cases(c: Campaign, corpora: Corpora, quick: bool) -> None:
    root, folder = corpora.copy()
    settings = ("top_k=0", "top_k=-1", "neighbours=-2", "reject=3", "length_ratio=0", "accept=nan")
    for setting in settings[::3] if quick else settings:
        result = c.run("corpus", "pair", "mini", "--set", setting, "--root", root)
        c.record("archive import", f"--set {setting}", expect(result, 1))
    c.record(
        "archive import",
        "--before -3",
        expect(c.run("corpus", "pair", "mini", "--before", "-3", "--root", root), 1),
    )
    text = (folder / "manifest.json").read_text()
    c.record("archive import", "the manifest holds no NaN", "ok" if "NaN" not in text else "silent wrong")


def corrupt_corpus_cases(c: Campaign, corpora: Corpora, quick: bool) -> None:
    import pandas as pd

    root, folder = corpora.copy()
    good = pd.read_parquet(folder / "pairs.parquet")
    good.rename(columns={"decision": "verdict"}).to_parquet(folder / "pairs.parquet")
    for args in (
        ("pairs", "mini"),
        ("decide", "mini", "2012-09484", "--none"),
        ("export", "mini", "-o", c.scratch / "x.tmx"),
    ):
        c.record(
            "corrupt corpus folder",
            f"pairs with other columns: {args[0]}",
            expect(c.run("corpus", *args, "--root", root), 1),
        )
    again = c.run("corpus", "pair", "mini", "--root", root)
    mended = again.returncode == 0 and "already done" not in again.stderr + again.stdout
    c.record(
        "corrupt corpus folder",
        "pairs with other columns: re-run the stage",
        traceback_or(again, "ok" if mended else "advice fails"),
    )

    root, folder = corpora.copy()
    (folder / "links.parquet").write_bytes(b"PAR1" + os.urandom(300) + b"PAR1")
    c.record(
        "corrupt corpus folder",
        "garbage links: export",
        expect(c.run("corpus", "export", "mini", "-o", c.scratch / "y.tmx", "--root", root), 1),
    )
    again = c.run("corpus", "align", "mini", "--root", root)
    c.record("corrupt corpus folder", "garbage links: re-run align", expect(again, 0))

    for damage in ("stages oops",) if quick else ("stages oops", "unreadable", "deleted"):
        root, folder = corpora.copy()
        manifest = folder / "manifest.json"
        if damage == "stages oops":
            info = json.loads(manifest.read_text())
            info["stages"] = "oops"
            manifest.write_text(json.dumps(info))
        elif damage == "unreadable":
            manifest.write_bytes(b"\xff{")
        else:
            manifest.unlink()
        if damage != "deleted":
            c.record(
                "corrupt corpus folder",
                f"manifest {damage}: status",
                expect(c.run("corpus", "status", "mini", "--root", root), 1),
            )
        rebuilt = c.run(
            "corpus", "build", ARCHIVE, "--name", "mini", "--rebuild", "--workers", "1", "--root", root
        )
        c.record("corrupt corpus folder", f"manifest {damage}: build --rebuild", expect(rebuilt, 0))


DAMAGES = {
    "garbage": lambda p: p.write_bytes(b"PAR1" + os.urandom(300) + b"PAR1"),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "empty": lambda p: p.write_bytes(b""),
    "a folder": lambda p: (p.unlink(), p.mkdir()),
    "deleted": lambda p: p.unlink(),
}
COMMANDS = {
    "status": ("status", "mini"),
    "pairs": ("pairs", "mini"),
    "decide": ("decide", "mini", "2012-09445", "--none"),
    "export": ("export", "mini", "-o", "OUT", "-f", "tsv"),
}


def corrupt_table_cases(c: Campaign, corpora: Corpora, quick: bool) -> None:
    """Each table of a corpus (and the person's decisions) damaged one way, then each command: a clear
    message or a right answer, never a traceback; then ``corpus build``, which must mend a stage table
    (the same rows as before) and must keep a person's decisions."""
    import pandas as pd

    damages = list(DAMAGES)[:1] if quick else list(DAMAGES)
    for table in ("decisions", "pairs") if quick else ("decisions", *TABLES):
        for damage in damages:
            root, folder = corpora.copy()
            decided = c.run("corpus", "decide", "mini", "2012-09484", "--accept", "", "--root", root)
            assert decided.returncode == 0, decided.stderr
            path = folder / f"{table}.parquet"
            before = pd.read_parquet(path)
            DAMAGES[damage](path)
            for command, args in COMMANDS.items():
                args = [str(c.scratch / f"x-{corpora.n}.tsv") if a == "OUT" else a for a in args]
                result = c.run("corpus", *args, "--root", root)
                c.record("corrupt corpus folder", f"{table} {damage}: {command}", traceback_or(result, "ok"))
            result = c.run("corpus", "build", ARCHIVE, "--name", "mini", "--workers", "1", "--root", root)
            name = f"{table} {damage}: build"
            if table == "decisions":
                kept = (folder / "decisions.backup.parquet").is_file() or result.returncode != 0
                c.record("corrupt corpus folder", name, traceback_or(result, "ok" if kept else "data loss"))
                continue
            if result.returncode != 0:
                # a folder where a table belongs is named ("Is a directory ... fix the folder"): clear
                named = damage == "a folder" and "Is a directory" in result.stdout + result.stderr
                outcome = traceback_or(result, "ok" if named else "advice fails")
                c.record("corrupt corpus folder", name + " (refused)", outcome)
                continue
            mended = path.is_file() and pd.read_parquet(path).equals(before)
            c.record("corrupt corpus folder", name, "ok" if mended else "silent wrong")


def corpus_export_cases(c: Campaign, corpora: Corpora, quick: bool) -> None:
    root, folder = corpora.copy()
    assert c.run("corpus", "decide", "mini", "2012-09484", "--accept", "", "--root", root).returncode == 0
    for name in ("decisions.parquet", "links.parquet", "manifest.json", ".work/x.tmx", "new.tsv"):
        before = (folder / name).read_bytes() if (folder / name).is_file() else None
        result = c.run("corpus", "export", "mini", "-o", folder / name, "-f", "parquet", "--root", root)
        after = (folder / name).read_bytes() if (folder / name).is_file() else None
        lost = after != before
        c.record(
            "corpus export",
            f"corpus export --out C/{name}",
            traceback_or(result, "data loss" if lost else expect(result, 1)),
        )
    result = c.run("corpus", "export", "mini", "-o", folder, "-f", "tmx", "--root", root)
    c.record("corpus export", "corpus export --out C (the folder)", expect(result, 1))
    odd_export_cases(c, quick)


def decision_cases(c: Campaign, corpora: Corpora) -> None:
    import pandas as pd

    root, folder = corpora.copy()
    assert c.run("corpus", "decide", "mini", "2012-09484", "--accept", "", "--root", root).returncode == 0
    (folder / "decisions.parquet").unlink()
    pairs = (folder / "pairs.parquet").read_bytes()
    result = c.run("corpus", "build", ARCHIVE, "--name", "mini", "--workers", "1", "--root", root)
    kept = (folder / "pairs.parquet").read_bytes() == pairs or (folder / "decisions.backup.parquet").is_file()
    c.record(
        "corrupt corpus folder",
        "decisions.parquet deleted, then build",
        traceback_or(result, expect(result, 1) if kept else "data loss"),
    )

    # a 98-character corpus name: every pair its own article
    root = c.scratch / "long-name"
    (root / "texts").mkdir(parents=True)
    name = "k" * 98
    assert c.run("corpus", "build", ARCHIVE, "--name", name, "--workers", "1", "--root", root).returncode == 0
    pairs = pd.read_parquet(root / "corpora" / name / "pairs.parquet")
    paired = pairs[pairs["src_id"].notna()]["tgt_id"].tolist()[:3]
    opened = [c.run("corpus", "open", name, t, "--root", root) for t in paired]
    articles = {p.name for p in (root / "texts").iterdir()}
    right = all(r.returncode == 0 for r in opened) and len(articles) == len(paired)
    outcome = "ok" if right else "silent wrong"
    c.record("archive import", "corpus open with a 98-character corpus name", outcome)


def _realign(folder: Path) -> None:
    """Leave a build real work (the align stage) so that two runs overlap: an unchanged corpus builds in
    a moment, and a second build started just after could find the first already done."""
    (folder / "links.parquet").unlink()
    shutil.rmtree(folder / ".work" / "align", ignore_errors=True)


def writer_cases(c: Campaign, corpora: Corpora) -> None:
    # two builds started at one instant (each redoes the align stage): one runs, one is refused
    root, folder = corpora.copy()
    _realign(folder)
    build = [sys.executable, *CLI, "corpus", "build", str(ARCHIVE), "--name", "mini", "--workers", "1"]

    def start(*extra: str) -> subprocess.Popen:
        command = [*build, *extra, "--root", str(root)]
        return subprocess.Popen(
            command, env=c.env, cwd=c.scratch, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )

    procs = [start(), start()]
    errors = [p.communicate()[1] for p in procs]
    codes = sorted(p.returncode for p in procs)
    refused = [e for p, e in zip(procs, errors, strict=True) if p.returncode == 1]
    right = codes == [0, 1] and "being built by process" in " ".join(refused[0].split())
    outcome = "traceback" if any("Traceback" in e for e in errors) else "ok" if right else "bad input taken"
    c.record("two writers", "two builds at once: one runs, one is refused", outcome)

    # a decision while a build runs: refused with nothing stored, or stored after it; the build finishes
    root, folder = corpora.copy()
    _realign(folder)
    proc = start()
    end = time.monotonic() + 60
    while not (folder / ".corpus.lock").exists() and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.01)
    decided = c.run("corpus", "decide", "mini", "2012-09484", "--none", "--root", root)
    proc.wait()
    stored = (folder / "decisions.parquet").is_file()
    honest = (decided.returncode == 0) == stored
    c.record(
        "two writers", "a decision during a build", traceback_or(decided, "ok" if honest else "silent wrong")
    )
    stages = json.loads((folder / "manifest.json").read_text())["stages"]
    done = proc.returncode == 0 and all(s.get("status") == "done" for s in stages.values())
    c.record("two writers", "the build beside it finished", "ok" if done else "silent wrong")

    # junk: import parts left by a kill just after the stage was marked done
    root, folder = corpora.copy()
    work = folder / ".work" / "import"
    work.mkdir(parents=True)
    print_ = json.loads((folder / "manifest.json").read_text())["stages"]["import"]["fingerprint"]
    (work / "FINGERPRINT").write_text(print_ + "\n")
    (work / "part-000000-abcdef.parquet").write_bytes(b"PAR1")
    again = c.run("corpus", "build", ARCHIVE, "--name", "mini", "--root", root)
    left = work.exists() or any(folder.glob(".*.lock"))
    c.record(
        "kill -9 and resume",
        "import parts left after import was done, then build",
        traceback_or(again, "temp left" if left else "ok"),
    )


DECIDES = """
import json, multiprocessing, sys
from pathlib import Path
import pandas as pd
from workbench.corpus import CorpusFolder
from workbench.corpus import review

def decide(path, tgt_id, note, barrier):
    folder = CorpusFolder.open(Path(path))
    barrier.wait()
    review.decide(folder, tgt_id, "none", note=note)

path, trials = Path(sys.argv[1]), int(sys.argv[2])
targets = sorted(pd.read_parquet(path / "pairs.parquet")["tgt_id"])
ctx = multiprocessing.get_context("fork")
lost = failed = lost_trials = 0
for trial in range(trials):
    pair = targets[(2 * trial) % len(targets)], targets[(2 * trial + 1) % len(targets)]
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=decide, args=(str(path), t, f"trial {trial}", barrier)) for t in pair]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    failed += sum(p.exitcode != 0 for p in procs)
    notes = pd.read_parquet(path / "decisions.parquet").set_index("tgt_id")["note"]
    missing = sum(notes.get(t) != f"trial {trial}" for t in pair)
    lost += missing
    lost_trials += missing > 0
print(json.dumps({"lost": lost, "failed": failed, "lost_trials": lost_trials}))
"""


MARKS = """
import json, multiprocessing, sys
from pathlib import Path
import pandas as pd
from workbench.corpus import CorpusFolder
from workbench.corpus import qa

def mark(path, item, barrier):
    folder = CorpusFolder.open(Path(path))
    barrier.wait()
    qa.mark(folder, item, "right")

path, trials = Path(sys.argv[1]), int(sys.argv[2])
folder = CorpusFolder.open(path)
ids = sorted(qa.draw(folder, 20, seed=1, pairs=5)["id"])
ctx = multiprocessing.get_context("fork")
lost_trials = failed = 0
for trial in range(trials):
    pair = ids[(2 * trial) % len(ids)], ids[(2 * trial + 1) % len(ids)]
    for item in pair:
        qa.mark(folder, item, "clear")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=mark, args=(str(path), item, barrier)) for item in pair]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    failed += any(p.exitcode != 0 for p in procs)
    marks = pd.read_parquet(path / "qa_marks.parquet").set_index("id")["mark"]
    lost_trials += any(marks.get(item) != "right" for item in pair)
print(json.dumps({"lost_trials": lost_trials, "failed": failed}))
"""


def _race_outcome(result, fallback: dict) -> dict:
    """The JSON object a race script printed last; ``fallback`` (everything lost) when it printed none."""
    try:
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        print(result.stderr[-2000:], file=sys.stderr)
        return fallback


def _record_race(c: Campaign, name: str, what: str, trials: int, lost: int, bad: int) -> None:
    """A race's trials: ``bad`` of ``trials`` went wrong, ``lost`` of them by losing a writer's work."""
    c.record("two writers", name, "ok", trials - bad)
    if lost:
        c.record("two writers", name, "data loss", lost)
    if bad > lost:
        c.record("two writers", f"{name}: a {what} failed", "traceback", bad - lost)


def marks_race(c: Campaign, corpora: Corpora, trials: int) -> None:
    """Two QA marks at the same instant, ``trials`` times: both must be kept."""
    root, folder = corpora.copy()
    outcome = _race_outcome(c.python(MARKS, folder, trials), {"lost_trials": trials, "failed": trials})
    bad = max(outcome["lost_trials"], outcome["failed"])
    _record_race(c, f"two QA marks at once ({trials} trials)", "mark", trials, outcome["lost_trials"], bad)


def decide_race(c: Campaign, corpora: Corpora, trials: int) -> dict:
    root, folder = corpora.copy()
    fallback = {"lost": trials * 2, "failed": trials * 2, "lost_trials": trials}
    outcome = _race_outcome(c.python(DECIDES, folder, trials), fallback)
    name = f"two corpus decide at once ({trials} trials; {outcome['lost']} decisions lost)"
    bad = max(outcome["lost_trials"], min(outcome["failed"], trials))
    _record_race(c, name, "decide", trials, outcome["lost_trials"], bad)
    return outcome


def corpus_cases(c: Campaign, trials: int, quick: bool) -> dict:
    import_cases(c, quick)
    corpora = Corpora(c)
    settings_cases(c, corpora, quick)
    kill_cases(c, corpora, 2 if quick else 12)
    corrupt_corpus_cases(c, corpora, quick)
    corrupt_table_cases(c, corpora, quick)
    decision_cases(c, corpora)
    writer_cases(c, corpora)
    outcome = decide_race(c, corpora, trials)
    marks_race(c, corpora, max(trials // 4, 5))
    edit_cases(c, quick)
    link_cases(c, quick)
    corpus_export_cases(c, corpora, quick)
    return outcome


# --- kill -9 and resume (issue 28) -----------------------------------------------------------------------

TABLES = ("documents", "sentences", "candidates", "pairs", "links")


def _layout(folder: Path) -> set[str]:
    """The names a corpus folder holds (its top level and the stages under .work), parts aside."""
    names = {p.name for p in folder.iterdir()}
    work = folder / ".work"
    names |= {f".work/{p.name}" for p in work.iterdir()} if work.is_dir() else set()
    return names


def kill_cases(c: Campaign, corpora: Corpora, kills: int) -> None:
    """``corpus build`` killed (SIGKILL to its whole process group) at moments spread over a build, every
    third one killed again while it resumes; then built to the end: the five tables must equal those of an
    uninterrupted build, and nothing may be left that such a build does not leave."""
    import pandas as pd

    ref_folder = corpora.base / "corpora" / "mini"
    reference = {t: pd.read_parquet(ref_folder / f"{t}.parquet") for t in TABLES}
    layout = _layout(ref_folder)
    for i in range(kills):
        root = c.scratch / f"kill-{i}"
        (root / "texts").mkdir(parents=True)
        folder = root / "corpora" / "mini"
        command = [sys.executable, *CLI, "corpus", "build", str(ARCHIVE), "--name", "mini", "--workers", "1"]
        command += ["--root", str(root)]
        delay = corpora.took * (i + 0.5) / kills
        twice = i % 3 == 2
        for at in (delay, delay / 2) if twice else (delay,):
            proc = subprocess.Popen(
                command,
                env=c.env,
                cwd=c.scratch,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            time.sleep(at)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        resumed = c.run("corpus", "build", ARCHIVE, "--name", "mini", "--workers", "1", "--root", root)
        name = f"killed at {delay:.1f} s{' and again while resuming' if twice else ''}, then resumed"
        if resumed.returncode != 0:
            c.record("kill -9 and resume", name, traceback_or(resumed, "good input refused"))
            continue
        same = all(
            (folder / f"{t}.parquet").is_file() and pd.read_parquet(folder / f"{t}.parquet").equals(frame)
            for t, frame in reference.items()
        )
        junk = _layout(folder) - layout
        outcome = "silent wrong" if not same else "temp left" if junk else "ok"
        c.record("kill -9 and resume", name + (f" (left {sorted(junk)})" if junk else ""), outcome)


# --- cases run in a worker process, each timed: text edit and search, the app's links ---------------------


def run_cases(c: Campaign, surface: str, script: str, names: list[str], *args: object, limit: float) -> None:
    """Run the cases ``names`` of ``script`` in a worker that prints one JSON line per case done; a worker
    that is still in a case after ``limit`` seconds is killed, that case counts as a hang and a new worker
    takes the rest. The campaign itself never hangs."""
    left = list(names)
    while left:
        proc = subprocess.Popen(
            [sys.executable, "-c", script, *map(str, args), *left],
            env=c.env,
            cwd=c.scratch,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        timer = threading.Timer(limit * len(left) + 60, lambda p=proc: os.killpg(p.pid, signal.SIGKILL))
        timer.start()
        stuck = None
        started = time.monotonic()
        for line in proc.stdout:
            if line.startswith("START "):
                stuck, started = line[6:].strip(), time.monotonic()
                watchdog = threading.Timer(limit, lambda p=proc: os.killpg(p.pid, signal.SIGKILL))
                watchdog.start()
                continue
            if not line.startswith("{"):
                continue
            watchdog.cancel()
            done = json.loads(line)
            c.record(surface, f"{done['name']} ({done['seconds']:.2f} s)", done["outcome"])
            left.remove(done["name"])
            stuck = None
        errors = proc.stderr.read()
        proc.wait()
        timer.cancel()
        if stuck is None and left:  # the worker died between cases
            stuck = left[0]
            c.record(surface, f"{stuck} (worker died: {errors.strip()[-200:]})", "traceback")
        elif stuck is not None:
            c.record(surface, f"{stuck} (still running after {time.monotonic() - started:.0f} s)", "hang")
        if stuck in left:
            left.remove(stuck)


EDITS = r"""
import dataclasses, json, shutil, sys, tempfile, time, traceback
from pathlib import Path
from workbench.errors import WorkbenchError
from workbench.review import search
from workbench.review.textedit import edit_sentence, join_sentences, split_sentence
from workbench.store.alignments import load_alignment, save_alignment
from workbench.workspace import Workspace

TEMPLATE, SCRATCH, ART, HANG = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], 2.0
ws = None

def fresh():
    global ws
    root = Path(tempfile.mkdtemp(dir=SCRATCH))
    for part in ("texts", "alignments"):
        shutil.copytree(TEMPLATE / part, root / part)
    ws = Workspace(root)

def load():
    return load_alignment(ws.alignment_path(ART, "ko.team"))

def save(done, old):
    save_alignment(ws.alignment_path(ART, "ko.team"), done.alignment, expected_revision=old.revision)

def with_text(text):
    al = load()
    first = dataclasses.replace(al.source.sentences[0], text=text)
    al.source = dataclasses.replace(al.source, sentences=[first, *al.source.sentences[1:]])
    return al

def find(pattern, text, mode="regex"):
    def case():
        try:
            search.find(with_text(text), pattern, mode)
        except search.SearchError:
            pass
        return "ok"
    return case

def locate(where, want):
    def case():
        al = load()
        try:
            got = search.locate(al, where)
        except search.SearchError:
            got = None
        return "ok" if got == want else "silent wrong"
    return case

def steps():
    # after an edit: an ordinary edit, a split and a join of the first sentence must all work
    for step in ("edit", "split", "join"):
        al = load()
        s = al.source.sentences[0]
        try:
            if step == "edit":
                done = edit_sentence(ws, ws.article(ART), al, "src", s.id, s.text + " Otra vez.")
            elif step == "split":
                cut = s.text.index(" ", len(s.text) // 2)
                done = split_sentence(ws, ws.article(ART), al, "src", s.id, cut)
            else:
                done = join_sentences(ws, ws.article(ART), al, "src", s.id)
        except WorkbenchError:
            return "silent wrong"
        save(done, al)
    return "ok"

def paste(text, keep=None):
    def case():
        al = load()
        first = al.source.sentences[0]
        started = time.monotonic()
        try:
            done = edit_sentence(ws, ws.article(ART), al, "src", first.id, text(first.text))
        except WorkbenchError:
            return "ok" if time.monotonic() - started <= HANG else "hang"
        if time.monotonic() - started > HANG:
            return "hang"
        if done is None:
            return "ok"
        ids = [s.id for s in done.alignment.source.sentences]
        stored = [s.text for s in done.alignment.source.sentences]
        if len(ids) != len(set(ids)) or (keep is not None and not keep(stored)):
            return "silent wrong"
        save(done, al)
        return steps()
    return case

ODD = "\u200fRTL <b>x</b> ]]> &amp;"
LINES = lambda n: lambda t: "\n".join(f"Línea {i} del texto pegado." for i in range(n))
CASES = {
    "regex (a|aa)+c on a 5,000-character line": find("(a|aa)+c", "a" * 5000),
    "regex (a+)+$ on 30 a's and a b": find("(a+)+$", "a" * 30 + "b"),
    "regex (\\w+\\s?)+; on a 20,000-character sentence": find("(\\w+\\s?)+;", "palabra " * 2500),
    "regex (x+x+)+y on 10,000 x's": find("(x+x+)+y", "x" * 10000),
    "regex (.*a){20} on 5,000 characters": find("(.*a){20}", "ab" * 2500),
    "regex that does not compile": find("(unclosed", "texto"),
    "regex a* (empty matches)": find("a*", "banana"),
    "text query of 1 MB": find("a " * 500_000, "a a a", "text"),
    "words query with regex specials": find("(a+)+$ [x", "texto", "words"),
    "go to bead '²'": locate("²", None),
    "go to bead '١٢' (Arabic-Indic digits)": locate("١٢", None),
    "go to a bead of 5,000 digits": locate("9" * 5000, None),
    "go to bead '-3'": locate("-3", None),
    "go to bead '#0'": locate("#0", None),
    "go to bead '#3'": locate("#3", 2),
    "go to bead ' 3 '": locate(" 3 ", 2),
    "go to sentence 'src:'": locate("src:", None),
    "go to a 100,000-character sentence id": locate("x" * 100_000, None),
    "paste with a double space": paste(lambda t: "Un  doble espacio. " + t, lambda s: "  " not in s[0]),
    "paste with a tab": paste(lambda t: "Un\ttabulador. " + t, lambda s: "\t" not in s[0]),
    "paste with a byte-order mark": paste(lambda t: "\ufeff" + t, lambda s: "\ufeff" not in s[0]),
    "paste with CRLF line breaks": paste(lambda t: t + "\r\nSegunda línea.\r\n", lambda s: "\r" not in s[1]),
    "paste with a U+2028 line separator": paste(lambda t: t + "\u2028Otra línea."),
    "paste with a NUL character": paste(lambda t: t + " a\x00b."),
    "paste of zero-width spaces only": paste(lambda t: "\u200b\u200b"),
    "paste of spaces only": paste(lambda t: "  \t "),
    "paste with RTL marks, <b> and ]]>": paste(lambda t: f"{ODD} {t}", lambda s: ODD in s[0]),
    "paste of 999 lines": paste(LINES(999)),
    "paste of 8,000 lines": paste(LINES(8000)),
    "paste of 1 MB of lines": paste(LINES(40_000)),
    "paste of a 1 MB line": paste(lambda t: "palabra " * 130_000),
}

if sys.argv[4:] == ["--list"]:
    print(json.dumps(list(CASES)))
    sys.exit()
for name in sys.argv[4:]:
    print("START " + name, flush=True)
    fresh()
    started = time.monotonic()
    try:
        outcome = CASES[name]()
    except Exception:
        traceback.print_exc()
        outcome = "traceback"
    took = time.monotonic() - started
    if took > HANG and name.startswith(("regex", "text query", "words")):
        outcome = "hang"
    print(json.dumps({"name": name, "outcome": outcome, "seconds": took}), flush=True)
"""


def edit_cases(c: Campaign, quick: bool) -> None:
    template = c.scratch / "edits-template"
    shutil.copytree(REPO / "texts", template / "texts")
    shutil.copytree(REPO / "alignments", template / "alignments")
    listed = c.python(EDITS, template, c.scratch, SEED, "--list")
    names = json.loads(listed.stdout)
    run_cases(c, "text edit and search", EDITS, names, template, c.scratch, SEED, limit=30)


LINKS = r"""
import json, re, sys, time, traceback
from pathlib import Path
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

APP, CASES = sys.argv[1], json.loads(Path(sys.argv[2]).read_text())
MARKDOWN, HTML = MarkdownIt("commonmark", {"html": False}), MarkdownIt("commonmark", {"html": True})
REMOTE = re.compile(r"<img[^>]*\bsrc=[\"']?(?!/|data:|app/static)", re.I)

def bodies(node):
    # every text the page shows, as the browser gets it: (markdown or HTML, may it hold raw HTML)
    for child in getattr(node, "children", {}).values():
        yield from bodies(child)
    proto = getattr(node, "proto", None)
    kind = getattr(node, "type", "")
    if proto is None or not hasattr(proto, "body"):
        return
    if kind == "html":
        yield proto.body, True
    else:
        yield proto.body, getattr(proto, "allow_html", False)

for name in sys.argv[3:]:
    print("START " + name, flush=True)
    params, bead = CASES[name]
    started = time.monotonic()
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params.update(params)
        at.run()
        shown = [(HTML if raw else MARKDOWN).render(body) for body, raw in bodies(at._tree)]
        if at.exception:
            outcome = "traceback"
            print(at.exception[0].value, file=sys.stderr)
        elif any(REMOTE.search(h) for h in shown):
            outcome = "silent wrong"
        elif bead is not None and {d.cur for d in at.session_state["docs"].values()} != {bead}:
            outcome = "silent wrong"
        else:
            outcome = "ok"
    except RuntimeError as exc:
        outcome = "hang" if "timed out" in str(exc).lower() else "traceback"
    except Exception:
        traceback.print_exc()
        outcome = "traceback"
    print(json.dumps({"name": name, "outcome": outcome, "seconds": time.monotonic() - started}), flush=True)
"""

IMG = "![x](http://HOST/p.png)"


def link_cases(c: Campaign, quick: bool) -> None:
    """The app opened by a link (AppTest with query parameters): no exception, no image from another host
    on the page, and a good link opens its bead."""
    ws = c.workspace("links")
    shutil.copytree(REPO / "alignments", ws / "alignments")
    art, tgt = {"article": SEED}, {"article": SEED, "target": "es.team"}
    cases = {  # name: (query parameters, the bead (0-based) every open alignment must be on, or None)
        "a good link to bead 3": ({**tgt, "bead": "3"}, 2),
        "article with a Markdown image": ({"article": IMG}, None),
        "article with an <img> tag": ({"article": '<img src="http://HOST/p.png">'}, None),
        "target with a Markdown image": ({**art, "target": IMG}, None),
        "bead with a Markdown image": ({**tgt, "bead": IMG}, 0),
        "bead with HTML": ({**tgt, "bead": '<img src="http://HOST/p.png">'}, 0),
        "article ../../etc/passwd": ({"article": "../../etc/passwd"}, None),
        "target ../es.team": ({**art, "target": "../es.team"}, None),
        "bead '²'": ({**tgt, "bead": "²"}, 0),
        "bead '١٢' (Arabic-Indic digits)": ({**tgt, "bead": "١٢"}, 0),
        "a bead of 5,000 digits": ({**tgt, "bead": "9" * 5000}, 0),
        "bead -3": ({**tgt, "bead": "-3"}, 0),
        "a 100,000-character article": ({"article": "a" * 100_000}, None),
        "a 100,000-character target with a Markdown image": ({**art, "target": IMG * 4000}, None),
    }
    if quick:
        cases = dict(list(cases.items())[:6])
    path = c.scratch / "links.json"
    path.write_text(json.dumps(cases))
    app = c.checkout / "workbench" / "app" / "main.py"
    c.env["WORKBENCH_ROOT"] = str(ws)
    try:
        run_cases(c, "app deep links", LINKS, list(cases), app, path, limit=120)
    finally:
        del c.env["WORKBENCH_ROOT"]


# --- corpus export of odd ids and text (issue 28) ----------------------------------------------------------

ODD = "Odd \u200fmark <b>x</b> ]]> a\tb\x00c\x01d."
ODD_ID = "\x01<]]>\u200f"


def _odd_archive(path: Path) -> None:
    import pandas as pd

    stories = pd.read_parquet(ARCHIVE)
    stories["story"] = [s.replace(". ", f". {ODD} ", 1) for s in stories["story"]]
    stories["id"] = [
        i + ODD_ID if lang == "es" else i for i, lang in zip(stories["id"], stories["language"], strict=True)
    ]
    stories.to_parquet(path)


def _read_back(fmt: str, out: Path) -> tuple[list[str], list[str]]:
    """(the texts, the article ids) an export holds, read as its readers read it."""
    import csv

    import pandas as pd

    if fmt == "tmx":
        import xml.etree.ElementTree as ET

        root = ET.parse(out).getroot()
        return [s.text or "" for s in root.iter("seg")], [tu.get("tuid") for tu in root.iter("tu")]
    if fmt == "moses":
        stem = out.parent / f"{out.name}.en-es"
        texts = [line for ext in ("en", "es") for line in Path(f"{stem}.{ext}").read_text().split("\n")]
        ids = [line.split("\t")[0] for line in Path(f"{stem}.ids").read_text().split("\n")]
        return texts, ids
    if fmt == "tsv":
        with out.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
    elif fmt.endswith("jsonl"):
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    else:
        rows = pd.read_parquet(out).to_dict("records")
    if fmt.startswith("hf-"):
        return [t for r in rows for t in r["translation"].values()], [r["article"] for r in rows]
    return [t for r in rows for t in (r["source_text"], r["target_text"])], [r["article"] for r in rows]


def odd_export_cases(c: Campaign, quick: bool) -> None:
    """A corpus whose stories hold control characters, NUL, RTL marks, ``<`` and ``]]>`` in their text and
    their ids: every format exits 0 and reads back with that text (TMX: forbidden characters as U+FFFD)."""
    root = c.scratch / "odd"
    (root / "texts").mkdir(parents=True)
    archive = c.scratch / "odd.parquet"
    _odd_archive(archive)
    built = c.run("corpus", "build", archive, "--name", "odd", "--workers", "1", "--root", root)
    c.record("corpus export", "build a corpus of odd ids and text", expect(built, 0))
    if built.returncode != 0:
        return
    out_dir = c.scratch / "odd-out"
    formats = ("tmx", "moses", "tsv", "jsonl", "parquet", "hf-jsonl", "hf-parquet")
    for fmt in formats[:3] if quick else formats:
        out = out_dir / fmt / ("corpus" if fmt == "moses" else f"corpus.{fmt.split('-')[-1]}")
        out.parent.mkdir(parents=True)
        decisions = "auto,accepted,doubtful"
        done = c.run("corpus", "export", "odd", "-f", fmt, "-o", out, "--decision", decisions, "--root", root)
        name = f"export odd ids and text as {fmt}, read back"
        if done.returncode != 0:
            c.record("corpus export", name, traceback_or(done, "good input refused"))
            continue
        try:
            texts, ids = _read_back(fmt, out)
        except Exception as exc:  # noqa: BLE001 - a file its reader cannot read is the finding
            c.record("corpus export", f"{name} ({type(exc).__name__}: {exc})", "silent wrong")
            continue
        clean = "\ufffd" if fmt == "tmx" else "\x01"
        text_kept = any("\u200fmark <b>x</b> ]]>" in t for t in texts)
        id_kept = any(ODD_ID.replace("\x01", clean) in (i or "") for i in ids)
        c.record("corpus export", name, "ok" if text_kept and id_kept else "silent wrong")


def signature(checkout: Path) -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = f"checkout {checkout}"
    dirty = subprocess.run(
        ["git", "-C", str(checkout), "status", "--porcelain", "workbench"], capture_output=True, text=True
    )
    return commit + (" (+ uncommitted changes)" if dirty.stdout.strip() else "")


SURFACES = (  # issue 28's table, in its order
    "archive import",
    "kill -9 and resume",
    "corrupt corpus folder",
    "two writers",
    "text edit and search",
    "app deep links",
    "corpus export",
)
COLUMNS = ("fine or a clear error", "traceback", "silent wrong", "data lost", "hang")


def column(outcome: str) -> str:
    """The column of issue 28's table an outcome counts in (junk counts as fine, and is said beside it)."""
    if outcome in ("ok", "temp left"):
        return "fine or a clear error"
    if outcome == "data loss":
        return "data lost"
    if outcome in ("traceback", "hang"):
        return outcome
    return "silent wrong"  # bad input taken, good input refused, advice fails, a stage left running, ...


def surface_table(results: list[tuple[str, str, str, int]]) -> list[str]:
    """Issue 28's table: per surface, the cases tried and how they ended; then every case that went wrong."""
    lines = ["| surface | tried | " + " | ".join(COLUMNS) + " |", "|---|---|---|---|---|---|---|"]
    for surface in SURFACES:
        rows = [r for r in results if r[0] == surface]
        counts = Counter()
        for _, _, outcome, n in rows:
            counts[column(outcome)] += n
        junk = sum(n for _, _, outcome, n in rows if outcome == "temp left")
        cells = [str(counts[col]) for col in COLUMNS]
        if junk:
            cells[0] += f" ({junk} leave{'s' if junk == 1 else ''} junk)"
        lines.append(f"| {surface} | {sum(counts.values())} | " + " | ".join(cells) + " |")
    wrong = [r for r in results if r[0] in SURFACES and r[2] != "ok"]
    if wrong:
        lines += ["", "Cases that did not end well:"]
        for surface, name, outcome, n in wrong:
            lines.append(f"- {surface}: {name}: {outcome}" + (f" x{n}" if n != 1 else ""))
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--checkout", type=Path, default=REPO, help="the workbench checkout to test (default: this one)"
    )
    ap.add_argument(
        "--trials", type=int, help="simultaneous-save and -decide trials (default 200; 20 with --quick)"
    )
    ap.add_argument(
        "--only",
        choices=["issue28", "issue17", "all"],
        default="issue28",
        help="issue 28's seven surfaces (default), issue 17's, or both",
    )
    ap.add_argument("--quick", action="store_true", help="fewer trials, kills and cases (a few minutes)")
    tables.add_option(ap)
    args = ap.parse_args()
    trials = args.trials or (20 if args.quick else 200)
    checkout = args.checkout.resolve()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="workbench-campaign-") as tmp:
        c = Campaign(checkout, Path(tmp))
        print(f"fault campaign on {checkout}", file=sys.stderr)
        saves = {}
        if args.only in ("all", "issue17"):
            add_cases(c)
            corrupt_cases(c)
            markup_cases(c)
            reviewed_cases(c)
            export_cases(c)
            saves = save_cases(c, trials)
        if args.only in ("all", "issue28"):
            corpus_cases(c, trials, args.quick)
    took = time.perf_counter() - start
    mode = "quick" if args.quick else "full"
    print(f"\nsignature: commit {signature(checkout)} | {args.only}, {mode}: {trials} trials | {took:.0f} s")
    if args.only in ("all", "issue28"):
        print("\n".join(["", *surface_table(c.results)]))
    if args.only in ("all", "issue17"):
        counts = Counter()
        for group, _, outcome, n in c.results:
            if group not in SURFACES and group != "saves":
                counts[outcome] += n
        print("\n| outcome | cases |\n| --- | ---: |")
        for outcome, n in sorted(counts.items(), key=lambda kv: (kv[0] != "ok", kv[0])):
            print(f"| {outcome} | {n} |")
        print(f"| two simultaneous saves: exactly one succeeded | {saves.get(1, 0)} of {trials} |")
    return 0


if __name__ == "__main__":
    sys.exit(tables.run(main))
