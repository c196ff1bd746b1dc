"""The reliability campaign of issue 17, re-run through the real ``workbench`` command (a subprocess each
time) against any checkout: bad input to ``add``, corrupt alignment files against list, show, export and
align, markup in user text, backups and corrupt files that hold reviewed beads, a Moses export that fails
half-way, exports killed with SIGKILL, and two processes saving one alignment at the same instant.

Each case ends in one outcome: ``ok``, ``traceback`` (a Python traceback reached the user), ``mojibake``
(text stored other than the file said, exit 0), ``data loss`` (reviewed work or an old export no longer
anywhere on disk), ``temp left`` (hidden temp files that no later run removed), ``markup lost`` (user text
printed other than it is), ``bad input taken`` or ``good input refused``.

    python benchmarks/fault_campaign.py                         # this checkout
    python benchmarks/fault_campaign.py --checkout /tmp/old     # another (e.g. `git archive 229cd64`)
    python benchmarks/fault_campaign.py --trials 200            # the simultaneous saves, 200 times
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
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
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
            [sys.executable, "-m", "workbench.cli", *map(str, args)],
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
        command = [sys.executable, "-m", "workbench.cli", "export", "--all", "-f", fmt, "-o", target / name]
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
    ap.add_argument("--trials", type=int, default=200, help="simultaneous-save trials (default 200)")
    args = ap.parse_args()
    checkout = args.checkout.resolve()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="workbench-campaign-") as tmp:
        c = Campaign(checkout, Path(tmp))
        print(f"fault campaign on {checkout}")
        add_cases(c)
        corrupt_cases(c)
        markup_cases(c)
        reviewed_cases(c)
        export_cases(c)
        saves = save_cases(c, args.trials)
    counts = Counter(outcome for group, _, outcome in c.results if group != "saves")
    print(
        f"\nsignature: {signature(checkout)}; {len(c.results) - 1} cases; {time.perf_counter() - start:.0f} s"
    )
    print("| outcome | cases |\n| --- | ---: |")
    for outcome, n in sorted(counts.items(), key=lambda kv: (kv[0] != "ok", kv[0])):
        print(f"| {outcome} | {n} |")
    print(f"| two simultaneous saves: exactly one succeeded | {saves.get(1, 0)} of {args.trials} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
