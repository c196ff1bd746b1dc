"""Publishing a corpus: its tables as Parquet datasets, and its manifest, at any path that pyarrow and so
Ray can write to (a local folder, ``s3://bucket/prefix``, ``gs://...``, ``hdfs://...``).

The corpus folder stays where the pipeline works (resumable parts, a manifest, locks); ``publish`` puts
the finished tables where other tools read them. On the Ray engine the tables are written by Ray Data's
``write_parquet`` from the cluster, each a folder of Parquet files; on the local engine by pyarrow from
this process, each a folder of one file. Either reads back with pandas, DuckDB, Spark or Ray Data.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from workbench.corpus import folder as folder_mod
from workbench.corpus.folder import CorpusError, CorpusFolder

__all__ = ["TABLES", "publish"]

log = logging.getLogger(__name__)

# the corpus's tables, but a person's decisions: those stay with the corpus folder, which they steer
TABLES = tuple(t for t in folder_mod.TABLES if t != "decisions")


def _filesystem(dest: str) -> tuple[pafs.FileSystem, str]:
    try:
        return pafs.FileSystem.from_uri(dest)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError, OSError) as exc:
        raise CorpusError(
            f"cannot write to {dest}: {str(exc).splitlines()[0]}. Give a folder, or a URI pyarrow knows "
            "(s3://bucket/prefix, gs://bucket/prefix, hdfs://host/path)"
        ) from None


def publish(folder: CorpusFolder, dest: str, engine=None, progress=None) -> dict[str, int]:
    """Write every table the corpus has to ``dest/<table>/`` (replacing what is there) and its manifest to
    ``dest/manifest.json``; the rows written per table. ``engine``: a RayEngine writes through Ray Data,
    anything else (None, the local engine) through pyarrow."""
    dest = str(dest).rstrip("/")
    if "://" not in dest:
        dest = str(Path(dest).expanduser().resolve())
        folder_mod.refuse_inside_corpus(dest, folder.path, others=False)  # a published copy is fine
    have = [t for t in TABLES if folder.has(t)]
    if not have:
        raise CorpusError(f"corpus {folder.name} has no tables yet: run `workbench corpus build` first")
    fs, root = _filesystem(dest)
    written = {}
    try:
        fs.create_dir(root, recursive=True)
        for k, name in enumerate(have):
            if progress:
                progress("publish", k, len(have))
            table = folder.read(name)
            if getattr(engine, "name", "local") == "ray":
                engine.write_parquet(table, f"{dest}/{name}")
            else:
                path = f"{root}/{name}"
                if fs.get_file_info(path).type != pafs.FileType.NotFound:
                    fs.delete_dir(path)
                fs.create_dir(path, recursive=True)
                pq.write_table(table, f"{path}/part-0.parquet", filesystem=fs, compression="zstd")
            written[name] = table.num_rows
            log.info("published %s: %d rows to %s/%s", name, table.num_rows, dest, name)
        with fs.open_output_stream(f"{root}/manifest.json") as out:
            out.write(json.dumps(folder.manifest, indent=1, sort_keys=True).encode())
    except OSError as exc:
        raise CorpusError(
            f"cannot write to {dest}: {str(exc).splitlines()[0]}. The corpus folder is unchanged: fix the "
            "destination and run the same command again"
        ) from None
    if progress:
        progress("publish", len(have), len(have))
    return written
