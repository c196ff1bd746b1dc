"""Tiny corpus folders written table by table, for the tests of what a corpus tells."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from workbench.corpus.folder import COLUMNS, CorpusFolder
from workbench.corpus.pipeline import LINK_SCHEMA


def link(tgt_id: str, k: int, src: list[tuple[str, str]], tgt: list[tuple[str, str]], score: float) -> dict:
    """One row of the links table: ``src``/``tgt`` are (sentence id, text) lists, either may be empty."""
    return {
        "tgt_id": tgt_id,
        "src_id": "s" + tgt_id,
        "link": k,
        "src_sent_ids": [i for i, _ in src],
        "tgt_sent_ids": [i for i, _ in tgt],
        "src_text": " ".join(t for _, t in src),
        "tgt_text": " ".join(t for _, t in tgt),
        "src_sents": [t for _, t in src],
        "tgt_sents": [t for _, t in tgt],
        "score": score,
        "kind": f"{len(src)}-{len(tgt)}",
    }


def make_corpus(path: Path, links: list[dict], dates: dict[str, str] | None = None) -> CorpusFolder:
    """A corpus folder at ``path`` holding ``links`` and a documents table (both stories of each pair;
    ``dates`` by target id, default 2012-01-01)."""
    folder = CorpusFolder.create(path, path.name)
    folder.manifest["params"] = {"pair": {"src": "en", "tgt": "es"}}
    folder.save()
    pairs = sorted({(r["tgt_id"], r["src_id"]) for r in links})
    dates = dates or {}
    docs = []
    for tgt_id, src_id in pairs:
        date = dates.get(tgt_id, "2012-01-01")
        docs += [(tgt_id, date, f"title {tgt_id}"), (src_id, date, f"title {src_id}")]
    columns = {"doc_id": [d[0] for d in docs], "date": [d[1] for d in docs], "title": [d[2] for d in docs]}
    for name in COLUMNS["documents"]:  # the columns this test does not need, empty (a table must have them)
        columns.setdefault(name, pa.nulls(len(docs)))
    folder.write("documents", pa.table(columns))
    folder.write("links", pa.Table.from_pylist(links, schema=LINK_SCHEMA))
    return folder
