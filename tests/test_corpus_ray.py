"""``--engine ray``: the same stages on Ray Data give the same tables and export bytes as the local engine
(kcna-mini, the real use-m3 model, a real Ray runtime), a killed Ray build resumes, and Ray missing or out
of reach gets a message.

One Ray runtime serves the module (``ray.init(num_cpus=2)``, as the Ray Data testing guide advises
instead of the removed local mode); the pipeline runs in this process so that it uses that runtime."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cli_run import run

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "fixtures" / "kcna-mini"
ARCHIVE = FIXTURE / "stories.parquet"
TABLES = ("documents", "sentences", "candidates", "pairs", "links")


@pytest.fixture(scope="module")
def ray_runtime():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _build(root: Path, *extra) -> None:
    result = run("corpus", "build", ARCHIVE, "--name", "mini", "--root", root, *extra)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def both(ray_runtime, tmp_path_factory) -> tuple[Path, Path]:
    """The fixture built by the local engine (two workers) and by Ray (two actors), batches of 16 stories."""
    saved = os.environ.get("WORKBENCH_CORPUS_BATCH")
    os.environ["WORKBENCH_CORPUS_BATCH"] = "16"
    try:
        local, on_ray = tmp_path_factory.mktemp("local"), tmp_path_factory.mktemp("ray")
        _build(local, "--workers", "2")
        _build(on_ray, "--engine", "ray", "--workers", "2")
    finally:
        if saved is None:
            os.environ.pop("WORKBENCH_CORPUS_BATCH")
        else:
            os.environ["WORKBENCH_CORPUS_BATCH"] = saved
    return local, on_ray


def test_ray_gives_the_same_tables_as_the_local_engine(both):
    local, on_ray = both
    for table in TABLES:
        a = (local / "corpora" / "mini" / f"{table}.parquet").read_bytes()
        b = (on_ray / "corpora" / "mini" / f"{table}.parquet").read_bytes()
        assert a == b, table
    assert pq.read_table(on_ray / "corpora" / "mini" / "pairs.parquet").num_rows == 16


@pytest.mark.parametrize("fmt", ["tmx", "hf-parquet"])
def test_ray_gives_the_same_export_bytes(both, tmp_path, fmt):
    outs = []
    for root in both:
        out = tmp_path / f"{root.name}.{fmt}"
        result = run("corpus", "export", "mini", "--out", out, "--format", fmt, "--root", root)
        assert result.exit_code == 0, result.output
        # TMX dates each unit with the time the align stage finished, which differs between two builds
        outs.append(re.sub(rb' changedate="[0-9TZ]+"', b"", out.read_bytes()))
    assert outs[0] == outs[1] and len(outs[0]) > 1000


@pytest.mark.parametrize("engine", ["ray", "local"])
def test_publish_writes_every_table_where_it_is_told_and_replaces_it(both, tmp_path, engine):
    import pandas as pd

    local, _ = both
    dest = f"file://{tmp_path}/published" if engine == "ray" else str(tmp_path / "published")
    for _ in range(2):  # the second time replaces, and does not add to, the first
        result = run("corpus", "publish", "mini", dest, "--engine", engine, "--root", local)
        assert result.exit_code == 0, result.output
    assert "links: " in result.output
    for table in TABLES:
        files = sorted((tmp_path / "published" / table).glob("*.parquet"))
        assert files, table
        got = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        want = pd.read_parquet(local / "corpora" / "mini" / f"{table}.parquet")
        key = list(want.columns[:2])
        pd.testing.assert_frame_equal(
            got.sort_values(key).reset_index(drop=True), want.sort_values(key).reset_index(drop=True)
        )
    manifest = (tmp_path / "published" / "manifest.json").read_text()
    assert '"pair"' in manifest


def test_publish_to_a_place_nobody_can_write_says_so(both):
    local, _ = both
    for dest, message in (("nosuch://bucket/x", "Unrecognized filesystem"), ("/proc/x", "cannot write to")):
        result = run("corpus", "publish", "mini", dest, "--root", local)
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_a_ray_build_killed_mid_stage_resumes_to_the_same_tables(both, tmp_path):
    local, _ = both
    root = tmp_path / "wb"
    (root / "texts").mkdir(parents=True)
    cmd = [sys.executable, "-m", "workbench.cli", "corpus", "build", str(ARCHIVE), "--name", "mini"]
    cmd += ["--engine", "ray", "--workers", "2", "--root", str(root)]
    env = dict(os.environ, WORKBENCH_CORPUS_BATCH="16", RAY_ADDRESS="")  # its own local Ray runtime
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    parts = root / "corpora" / "mini" / ".work" / "pair-rescore"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None and len(list(parts.glob("part-*"))) < 2:
        time.sleep(0.05)
    assert proc.poll() is None, "the build ended before the stage wrote two parts"
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and the Ray runtime it started
    proc.wait()
    # the Ray processes of the killed runtime may linger a moment; the resumed run starts its own
    resumed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    for table in TABLES:
        got = (root / "corpora" / "mini" / f"{table}.parquet").read_bytes()
        assert got == (local / "corpora" / "mini" / f"{table}.parquet").read_bytes(), table


def test_without_ray_the_message_says_to_install_the_extra(tmp_path):
    code = (
        "import sys; sys.modules['ray'] = None\n"
        "from workbench.cli import app\n"
        f"app(['corpus', 'build', {str(ARCHIVE)!r}, '--out', {str(tmp_path / 'c')!r}, '--engine', 'ray'])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "install the ray extra" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "c").exists()


def test_an_unreachable_cluster_is_said_so_without_a_traceback(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "corpus",
            "build",
            str(ARCHIVE),
            "--out",
            str(tmp_path / "c"),
            "--engine",
            "ray",
            "--ray-address",
            "127.0.0.1:9",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "cannot start or reach the Ray cluster at 127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr


def test_ray_address_without_ray_engine_is_refused(tmp_path):
    result = run("corpus", "build", ARCHIVE, "--out", tmp_path / "c", "--ray-address", "auto")
    assert result.exit_code == 1 and "--ray-address is for --engine ray" in result.output
