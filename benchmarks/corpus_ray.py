"""The archive pipeline on both engines in one run: wall time of each, Ray's overhead over the local
engine, throughput per stage, and whether the two give the same tables.

    python benchmarks/corpus_ray.py                          # the KCNA archive, local and Ray (local runtime)
    python benchmarks/corpus_ray.py --scale 4 --scale 16     # synthetic archives 4 and 16 times larger
    python benchmarks/corpus_ray.py --archive tests/fixtures/kcna-mini/stories.parquet --cluster
                                                             # also on a two-node Ray cluster on loopback

With ``--cluster`` it starts a real two-node cluster on this machine (``ray start --head --num-cpus 1`` and
a second ``ray start --address ... --num-cpus 1``), runs the pipeline on it through ``--ray-address``,
compares its tables with the local engine's, and stops both nodes. Each stage runs as its own
``workbench corpus ...`` process. Skips cleanly (exit 0) without the archive.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import tables  # noqa: E402
from corpus_kcna import ARCHIVE, stage, synthetic  # noqa: E402

TABLES = ("documents", "sentences", "candidates", "pairs", "links")
STAGES = ("import", "pair", "align")


def run_engine(archive: Path, folder: Path, engine: list[str], env: dict) -> dict:
    """Run the three stages and the export; seconds per stage (wall, of the process) and counts."""
    base = [sys.executable, "-m", "workbench.cli", "corpus"]
    commands = {
        "import": [*base, "import", str(archive), "--out", str(folder), *engine],
        "pair": [*base, "pair", str(folder), "--src", "en", "--tgt", "es", *engine],
        "align": [*base, "align", str(folder), *engine],
        "export": [*base, "export", str(folder), "--out", str(folder.parent / f"{folder.name}.tmx")],
    }
    wall = {name: stage(cmd, env) for name, cmd in commands.items()}
    manifest = json.loads((folder / "manifest.json").read_text())
    return {"wall": wall, "manifest": manifest}


def same_tables(a: Path, b: Path) -> bool:
    return all((a / f"{t}.parquet").read_bytes() == (b / f"{t}.parquet").read_bytes() for t in TABLES)


RAY = str(Path(sys.executable).with_name("ray"))


def _ray(args: list[str], env: dict) -> None:
    done = subprocess.run([RAY, *args], env=env, capture_output=True)
    if done.returncode:
        sys.exit(f"ray {' '.join(args)} failed:\n{done.stderr.decode()[-2000:]}")


def start_cluster(env: dict) -> str:
    """A head node and a worker node on loopback, one CPU each; returns the address."""
    port = "6390"
    stop_cluster(env)
    common = ["--num-cpus", "1", "--node-ip-address", "127.0.0.1", "--disable-usage-stats"]
    _ray(["start", "--head", "--port", port, "--include-dashboard", "false", *common], env)
    _ray(["start", "--address", f"127.0.0.1:{port}", *common], env)
    return f"127.0.0.1:{port}"


def stop_cluster(env: dict) -> None:
    subprocess.run([RAY, "stop", "--force"], env=env, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--archive", type=Path, default=ARCHIVE)
    ap.add_argument(
        "--scale", type=int, action="append", help="synthetic archive N times larger (repeatable)"
    )
    ap.add_argument("--engines", default="local,ray", help="comma-separated: local, ray")
    ap.add_argument("--cluster", action="store_true", help="also run on a two-node Ray cluster on loopback")
    tables.add_option(ap)
    args = ap.parse_args()
    if not args.archive.is_file():
        print(f"skipped: {args.archive} not found")
        return
    scratch = Path(tempfile.mkdtemp(prefix="corpus-ray-"))
    env = dict(os.environ, WORKBENCH_CACHE=str(scratch / "cache"), RAY_ADDRESS="")
    engines = {"local": [], "ray": ["--engine", "ray"]}
    chosen = [e for e in args.engines.split(",") if e]
    print(
        f"signature: commit {tables.git_commit()}, archive {args.archive.name}, {os.cpu_count()} cores, "
        f"engines {chosen}" + (", plus a two-node cluster (1 CPU each) on loopback" if args.cluster else "")
    )
    print(
        "\n| archive | stories | engine | import s | pair s | align s | export s | total s | vs local | "
        "stories/s | links/s (align) | same tables |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for scale in args.scale or [1]:
        archive = synthetic(args.archive, scale, scratch) if scale > 1 else args.archive
        runs = {}
        targets = [(e, engines[e]) for e in chosen]
        if args.cluster:
            targets.append(("ray, 2 nodes", None))
        for label, flags in targets:
            folder = scratch / f"x{scale}-{label.replace(', ', '-').replace(' ', '')}"
            if flags is None:
                # `ray start --head` turns on token authentication, which a node started on the same
                # machine does not pick up; on loopback the benchmark turns it off for both nodes
                on_cluster = dict(env, RAY_AUTH_MODE="disabled")
                address = start_cluster(on_cluster)
                try:
                    flags = ["--engine", "ray", "--ray-address", address]
                    result = run_engine(archive, folder, flags, on_cluster)
                finally:
                    stop_cluster(on_cluster)
            else:
                result = run_engine(archive, folder, flags, env)
            runs[label] = (folder, result)
            wall = result["wall"]
            m = result["manifest"]
            stories = m["import"]["stories"]
            links = m["align"]["links"]
            total = sum(wall.values())
            local_total = sum(runs["local"][1]["wall"].values()) if "local" in runs else None
            vs = f"{total / local_total:.2f}x" if local_total and label != "local" else ""
            same = (
                "" if label == "local" or "local" not in runs else str(same_tables(runs["local"][0], folder))
            )
            print(
                f"| {archive.name} | {stories:,} | {label} | {wall['import']:.0f} | {wall['pair']:.0f} | "
                f"{wall['align']:.0f} | {wall['export']:.0f} | {total:.0f} | {vs} | {stories / total:.1f} | "
                f"{links / wall['align']:.0f} | {same} |",
                flush=True,
            )
        for folder, _ in runs.values():
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    tables.run(main)
