"""The reliability campaign of issue 17, re-run through the real ``workbench`` command (a subprocess each
time) against any checkout: bad input to ``add``, corrupt alignment files against list, show, export and
align, markup in user text, backups and corrupt files that hold reviewed beads, a Moses export that fails
half-way, exports killed with SIGKILL, and two processes saving one alignment at the same instant. And the
corpus surfaces of issue 28 (``corpus_cases``): archive input, nonsense settings, corrupt corpus folders,
exports into a corpus, lost decisions, colliding article ids, two builds, a decision during a build, junk a
kill leaves, and two ``corpus decide`` at the same instant (``--trials`` times: none may be lost).

Each case ends in one outcome: ``ok``, ``traceback`` (a Python traceback reached the user), ``mojibake``
(text stored other than the file said, exit 0), ``data loss`` (reviewed work or an old export no longer
anywhere on disk), ``temp left`` (hidden temp files that no later run removed), ``markup lost`` (user text
printed other than it is), ``bad input taken`` or ``good input refused``.

    python benchmarks/fault_campaign.py                         # this checkout
    python benchmarks/fault_campaign.py --checkout /tmp/old     # another (e.g. `git archive 229cd64`)
    python benchmarks/fault_campaign.py --trials 200            # the simultaneous saves and decisions
    python benchmarks/fault_campaign.py --only corpus           # only the corpus surfaces
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

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
        self.results: list[tuple[str, str, str]] = []
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

    def record(self, group: str, name: str, outcome: str) -> None:
        self.results.append((group, name, outcome))
        print(f"  {group:8} {name:48} {outcome}", flush=True)

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
        done = c.run("corpus", "build", ARCHIVE, "--name", "mini", "--workers", "1", "--root", self.base)
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


def import_cases(c: Campaign) -> None:
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

    for fmt in ("parquet", "csv", "jsonl"):
        path = files / f"pandas.{fmt}"
        _pandas_file(stories, path, fmt)
        c.record("import", f"an archive pandas wrote with its index ({fmt})", expect(build(path), 0))

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
        c.record("import", name, expect(build(path), 1))
    mixed = dated("tz", ["2011-01-26T23:00:00+09:00", "2011-01-26T23:00:00-05:00"])
    read = c.python(
        "import sys; from workbench.corpus.archive import read_archive; "
        "print(sorted({str(d) for d in read_archive(sys.argv[1])['date']}))",
        mixed,
    )
    right = read.returncode == 0 and "['2011-01-26']" in read.stdout
    c.record("import", "mixed time zone offsets", traceback_or(read, "ok" if right else "silent wrong"))
    nested = files / "nested.jsonl"
    nested.write_text(
        json.dumps({"id": "a", "language": "en", "date": "2011-01-01", "story": {"text": "x"}}) + "\n"
    )
    c.record("import", "a JSON object as a story", expect(build(nested, "--date-from", ""), 1))
    line42 = files / "line42.jsonl"
    line42.write_text('{"id": "a", "language": "en", "date": "2011-01-01", "story": "x"}\n42\n')
    c.record("import", "a JSONL line 42", expect(build(line42, "--date-from", ""), 1))
    footer = files / "footer.parquet"
    data = bytearray(ARCHIVE.read_bytes())
    size = int.from_bytes(data[-8:-4], "little")
    data[-8 - size // 2 : -8] = bytes(size // 2)  # the footer's metadata, half zeros
    footer.write_bytes(bytes(data))
    c.record("import", "a Parquet file with a garbage footer", expect(build(footer), 1))
    c.record("import", "a bad --date-pattern", expect(build(ARCHIVE, "--date-pattern", "(unclosed"), 1))
    undated = build(ARCHIVE, "--date-col", "", "--date-from", "")
    manifest = json.loads((root / f"c{n}" / "manifest.json").read_text())
    running = any(s.get("status") == "running" for s in manifest["stages"].values())
    outcome = expect(undated, 1)
    c.record("import", "no date column", "stage left running" if outcome == "ok" and running else outcome)


def settings_cases(c: Campaign, corpora: Corpora) -> None:
    root, folder = corpora.copy()
    for setting in ("top_k=0", "top_k=-1", "neighbours=-2", "reject=3", "length_ratio=0", "accept=nan"):
        result = c.run("corpus", "pair", "mini", "--set", setting, "--root", root)
        c.record("settings", f"--set {setting}", expect(result, 1))
    c.record(
        "settings",
        "--before -3",
        expect(c.run("corpus", "pair", "mini", "--before", "-3", "--root", root), 1),
    )
    text = (folder / "manifest.json").read_text()
    c.record("settings", "the manifest holds no NaN", "ok" if "NaN" not in text else "silent wrong")


def corrupt_corpus_cases(c: Campaign, corpora: Corpora) -> None:
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
            "corrupt",
            f"pairs with other columns: {args[0]}",
            expect(c.run("corpus", *args, "--root", root), 1),
        )
    again = c.run("corpus", "pair", "mini", "--root", root)
    mended = again.returncode == 0 and "already done" not in again.stderr + again.stdout
    c.record(
        "corrupt",
        "pairs with other columns: re-run the stage",
        traceback_or(again, "ok" if mended else "advice fails"),
    )

    root, folder = corpora.copy()
    (folder / "links.parquet").write_bytes(b"PAR1" + os.urandom(300) + b"PAR1")
    c.record(
        "corrupt",
        "garbage links: export",
        expect(c.run("corpus", "export", "mini", "-o", c.scratch / "y.tmx", "--root", root), 1),
    )
    again = c.run("corpus", "align", "mini", "--root", root)
    c.record("corrupt", "garbage links: re-run align", expect(again, 0))

    for damage in ("stages oops", "unreadable", "deleted"):
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
                "corrupt",
                f"manifest {damage}: status",
                expect(c.run("corpus", "status", "mini", "--root", root), 1),
            )
        rebuilt = c.run(
            "corpus", "build", ARCHIVE, "--name", "mini", "--rebuild", "--workers", "1", "--root", root
        )
        c.record("corrupt", f"manifest {damage}: build --rebuild", expect(rebuilt, 0))


def corpus_export_cases(c: Campaign, corpora: Corpora) -> None:
    root, folder = corpora.copy()
    assert c.run("corpus", "decide", "mini", "2012-09484", "--accept", "", "--root", root).returncode == 0
    for name in ("decisions.parquet", "links.parquet", "manifest.json"):
        before = (folder / name).read_bytes()
        result = c.run("corpus", "export", "mini", "-o", folder / name, "-f", "parquet", "--root", root)
        lost = (folder / name).read_bytes() != before
        c.record(
            "export",
            f"corpus export --out C/{name}",
            traceback_or(result, "data loss" if lost else expect(result, 1)),
        )


def decision_cases(c: Campaign, corpora: Corpora) -> None:
    import pandas as pd

    root, folder = corpora.copy()
    assert c.run("corpus", "decide", "mini", "2012-09484", "--accept", "", "--root", root).returncode == 0
    (folder / "decisions.parquet").unlink()
    pairs = (folder / "pairs.parquet").read_bytes()
    result = c.run("corpus", "build", ARCHIVE, "--name", "mini", "--workers", "1", "--root", root)
    kept = (folder / "pairs.parquet").read_bytes() == pairs or (folder / "decisions.backup.parquet").is_file()
    c.record(
        "decisions",
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
    c.record("decisions", "corpus open with a 98-character corpus name", "ok" if right else "silent wrong")


def writer_cases(c: Campaign, corpora: Corpora) -> None:
    # two builds started at one instant (each redoes the pair and align stages): one runs, one is refused
    root, folder = corpora.copy()
    build = [sys.executable, *CLI, "corpus", "build", str(ARCHIVE), "--name", "mini", "--workers", "1"]

    def start(*extra: str) -> subprocess.Popen:
        command = [*build, *extra, "--root", str(root)]
        return subprocess.Popen(
            command, env=c.env, cwd=c.scratch, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )

    procs = [start("--set", "accept=2.9"), start("--set", "accept=2.9")]
    errors = [p.communicate()[1] for p in procs]
    codes = sorted(p.returncode for p in procs)
    refused = [e for p, e in zip(procs, errors, strict=True) if p.returncode == 1]
    right = codes == [0, 1] and "being built by process" in " ".join(refused[0].split())
    outcome = "traceback" if any("Traceback" in e for e in errors) else "ok" if right else "bad input taken"
    c.record("writers", "two builds at once: one runs, one is refused", outcome)

    # a decision while a build runs: refused with nothing stored, or stored after it; the build finishes
    root, folder = corpora.copy()
    proc = start("--set", "accept=2.9")
    end = time.monotonic() + 60
    while not (folder / ".corpus.lock").exists() and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.01)
    decided = c.run("corpus", "decide", "mini", "2012-09484", "--none", "--root", root)
    proc.wait()
    stored = (folder / "decisions.parquet").is_file()
    honest = (decided.returncode == 0) == stored
    c.record(
        "writers", "a decision during a build", traceback_or(decided, "ok" if honest else "silent wrong")
    )
    stages = json.loads((folder / "manifest.json").read_text())["stages"]
    done = proc.returncode == 0 and all(s.get("status") == "done" for s in stages.values())
    c.record("writers", "the build beside it finished", "ok" if done else "silent wrong")

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
        "kill -9",
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
lost = failed = 0
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
    lost += sum(notes.get(t) != f"trial {trial}" for t in pair)
print(json.dumps({"lost": lost, "failed": failed}))
"""


def decide_race(c: Campaign, corpora: Corpora, trials: int) -> dict:
    root, folder = corpora.copy()
    result = c.python(DECIDES, folder, trials)
    try:
        outcome = json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        outcome = {"lost": None, "failed": None}
    c.record(
        "decides",
        f"two at once, {trials} trials: decisions lost",
        f"{outcome['lost']} (failed {outcome['failed']})",
    )
    return outcome


def corpus_cases(c: Campaign, trials: int) -> dict:
    import_cases(c)
    corpora = Corpora(c)
    settings_cases(c, corpora)
    corrupt_corpus_cases(c, corpora)
    corpus_export_cases(c, corpora)
    decision_cases(c, corpora)
    writer_cases(c, corpora)
    return decide_race(c, corpora, trials)


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--checkout", type=Path, default=REPO, help="the workbench checkout to test (default: this one)"
    )
    ap.add_argument(
        "--trials", type=int, default=200, help="simultaneous-save and -decide trials (default 200)"
    )
    ap.add_argument("--only", choices=["all", "corpus"], default="all", help="which surfaces (default all)")
    args = ap.parse_args()
    checkout = args.checkout.resolve()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="workbench-campaign-") as tmp:
        c = Campaign(checkout, Path(tmp))
        print(f"fault campaign on {checkout}")
        saves = {}
        if args.only == "all":
            add_cases(c)
            corrupt_cases(c)
            markup_cases(c)
            reviewed_cases(c)
            export_cases(c)
            saves = save_cases(c, args.trials)
        decides = corpus_cases(c, args.trials)
    counts = Counter(outcome for group, _, outcome in c.results if group not in ("saves", "decides"))
    took = time.perf_counter() - start
    print(f"\nsignature: {signature(checkout)}; {sum(counts.values())} cases; {took:.0f} s")
    print("| outcome | cases |\n| --- | ---: |")
    for outcome, n in sorted(counts.items(), key=lambda kv: (kv[0] != "ok", kv[0])):
        print(f"| {outcome} | {n} |")
    if args.only == "all":
        print(f"| two simultaneous saves: exactly one succeeded | {saves.get(1, 0)} of {args.trials} |")
    print(f"| two simultaneous decisions: decisions lost | {decides['lost']} in {args.trials} trials |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
