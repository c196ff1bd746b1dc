"""The stages of a corpus build, run in turn on an engine, resumable and incremental.

``run_import``, ``run_pair`` and ``run_align`` each read their inputs from the corpus folder, map the
stage functions over batches on the engine, write a part per batch (so that a killed run loses at most
the batches in progress) and, when done, replace their tables and record in the manifest a fingerprint of
their parameters and inputs. A stage whose fingerprint is unchanged is skipped; one whose parameters or
inputs changed is redone, and so is every stage after it. Work that is worth keeping across parameter
changes (lead vectors, rescored candidates, aligned pairs) is kept in ``.work/`` keyed by its inputs.
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from workbench import __version__
from workbench.corpus import documents as docs_mod
from workbench.corpus import evidence, pairing, probability
from workbench.corpus.archive import Columns, archive_format, file_sha256, read_archive
from workbench.corpus.engine import LocalEngine
from workbench.corpus.folder import CorpusError, CorpusFolder, fingerprint
from workbench.errors import WorkbenchError
from workbench.text.language import MODEL_LANGUAGES, language_base, model_languages, validate_language
from workbench.text.segment import sentence_separator

__all__ = [
    "STAGES",
    "AlignSettings",
    "Progress",
    "build",
    "run_align",
    "run_import",
    "run_pair",
]

log = logging.getLogger(__name__)

STAGES = ("import", "pair", "align")
# Bumped when a stage's code changes its output, so that old corpora redo it.
_VERSIONS = {"import": 2, "pair": 1, "align": 2}


def batch_size() -> int:
    """Stories per batch (500; ``WORKBENCH_CORPUS_BATCH`` changes it); pairs go in batches of a fifth of
    that. A killed run loses at most the batches in progress. The lead vectors depend on how the leads are
    batched (by a few 1e-7), so their work is kept per batch size."""
    return max(int(os.environ.get("WORKBENCH_CORPUS_BATCH") or 500), 1)


def _pair_batch() -> int:
    return max(batch_size() // 5, 1)


RESCORE_VERSION = 6  # of the rescoring features

Progress = Callable[[str, int, int], None]  # (what, done, total)


def _quiet(what: str, done: int, total: int) -> None:
    pass


@dataclass(frozen=True, slots=True)
class AlignSettings:
    """The sentence aligner of the align stage: a preset of ``workbench.align.aligner``."""

    preset: str = "fast"

    def __post_init__(self) -> None:
        from workbench.align.aligner import PRESETS

        if self.preset not in PRESETS:
            raise CorpusError(f"unknown preset {self.preset!r}: choose one of {', '.join(PRESETS)}")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Clock:
    """Seconds and peak memory (this process and its finished workers, MB) of a stage."""

    start: float = field(default_factory=time.perf_counter)

    def info(self) -> dict:
        self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return {
            "seconds": round(time.perf_counter() - self.start, 2),
            "peak_mb": round(self_mb, 1),
            "worker_peak_mb": round(child_mb, 1),
            "finished": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def _done(folder: CorpusFolder, stage: str, print_: str, tables: tuple[str, ...]) -> bool:
    """True if the stage is done with these inputs and its tables are there, readable and whole."""
    info = folder.stage(stage)
    return (
        info.get("status") == "done" and info.get("fingerprint") == print_ and all(map(folder.valid, tables))
    )


def _start(folder: CorpusFolder, stage: str, print_: str) -> None:
    info = dict(folder.stage(stage))
    info.update(status="running", fingerprint=print_)
    folder.set_stage(stage, **info)


def _by_doc(table: pd.DataFrame) -> list[str]:
    return table["doc_id"].tolist()


def _by_pair(table: pd.DataFrame) -> list[str]:
    return [f"{t}|{s}" for t, s in zip(table["tgt_id"], table["src_id"], strict=True)]


def _run(engine, fn, rows: pd.DataFrame, size: int, key_of, work, what: str, progress: Progress) -> None:
    """Map ``fn`` on ``engine`` over the rows of ``rows`` whose key (``key_of``) is not in a part yet, in
    batches of ``size``, and add each batch's result as a part (with each row's ``_key``)."""
    finished = work.done()
    keys = key_of(rows)
    todo = rows[[k not in finished for k in keys]]
    total, done = len(rows), len(rows) - len(todo)
    progress(what, done, total)
    batches = ((f"{k:09d}", todo.iloc[k : k + size]) for k in range(0, len(todo), size))
    for key, result in engine.map(fn, batches):
        done += min(size, len(todo) - int(key))
        if len(result):
            work.add(pa.Table.from_pandas(result.assign(_key=key_of(result)), preserve_index=False))
        progress(what, done, total)


# --- import ----------------------------------------------------------------------------------------


class _ImportBatch:
    def __init__(self, params: docs_mod.ImportParams):
        self.params = params

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        return docs_mod.clean_batch(batch.rename(columns={"doc_id": "id"}), self.params)


def source_info(archive: Path) -> dict:
    archive = Path(archive)
    stat = archive.stat()
    return {
        "path": str(archive.resolve()),
        "format": archive_format(archive),
        "sha256": file_sha256(archive),
        "bytes": stat.st_size,
    }


def _check_damaged(folder: CorpusFolder, rebuild: bool) -> None:
    if folder.damaged and not rebuild:
        raise CorpusError(folder.damaged)


def run_import(
    folder: CorpusFolder,
    archive: Path,
    columns: Columns | None = None,
    params: docs_mod.ImportParams | None = None,
    engine=None,
    progress: Progress = _quiet,
    rebuild: bool = False,
    stories: pd.DataFrame | None = None,
) -> bool:
    """Read, clean and segment the archive into ``documents`` and ``sentences``. False if it was done.
    ``stories``: the archive already read (``read_archive``). ``rebuild``: from a changed archive, or
    over a damaged manifest."""
    _check_damaged(folder, rebuild)
    with folder.lock("building"):
        return _import(folder, archive, columns, params, engine, progress, rebuild, stories)


def _import(folder, archive, columns, params, engine, progress, rebuild, stories) -> bool:
    engine = engine or LocalEngine()
    columns, params = columns or Columns(), params or docs_mod.ImportParams()
    source = source_info(archive)
    known = folder.manifest.get("source")
    if known and known.get("sha256") != source["sha256"] and not rebuild:
        raise CorpusError(
            f"{archive} changed since corpus {folder.name} was made from it ({known.get('path')}, "
            f"{known.get('bytes'):,} bytes then, {source['bytes']:,} now): run again with --rebuild to "
            "rebuild the corpus from the new file (decisions a person made are kept)"
        )
    print_ = fingerprint("import", _VERSIONS["import"], source["sha256"], columns.to_dict(), params.to_dict())
    folder.manifest["source"] = source
    folder.manifest.setdefault("params", {})["import"] = {"columns": columns.to_dict(), **params.to_dict()}
    if _done(folder, "import", print_, ("documents", "sentences")):
        shutil.rmtree(folder.path / ".work" / "import", ignore_errors=True)  # a run killed after "done" left
        folder.save()
        return False
    clock = _Clock()
    stories = read_archive(archive, columns) if stories is None else stories
    _start(folder, "import", print_)
    work = folder.work("import", print_)
    stories = stories.rename(columns={"id": "doc_id"})
    _run(engine, _ImportBatch(params), stories, batch_size(), _by_doc, work, "import: cleaning", progress)
    progress("import: duplicates", 0, 1)
    cleaned = work.read().to_pandas().drop(columns="_key")
    cleaned = docs_mod.mark_duplicates(cleaned, params).sort_values("row").reset_index(drop=True)
    folder.write("documents", docs_mod.documents_table(cleaned))
    folder.write("sentences", docs_mod.sentences_table(cleaned))
    progress("import: duplicates", 1, 1)
    folder.manifest["import"] = _import_report(cleaned)
    folder.set_stage("import", status="done", fingerprint=print_, **clock.info())
    work.clear()
    return True


def _import_report(docs: pd.DataFrame) -> dict:
    flags = pd.Series([f for fs in docs["flags"] for f in fs], dtype=str).value_counts()
    relabelled = docs[docs["language"] != docs["label"]]
    return {
        "stories": len(docs),
        "languages": {k: int(v) for k, v in docs["language"].value_counts().sort_index().items()},
        "labels": {k: int(v) for k, v in docs["label"].value_counts().sort_index().items()},
        "relabelled": {
            f"{a}->{b}": int(n) for (a, b), n in relabelled.groupby(["label", "language"]).size().items()
        },
        "dates": {k: int(v) for k, v in docs["date_source"].value_counts().sort_index().items()},
        "flags": {k: int(v) for k, v in flags.sort_index().items()},
        "sentences": int(docs["n_sentences"].sum()),
    }


# --- pair ------------------------------------------------------------------------------------------


class _Features:
    """Lead vectors, numbers and names of a batch of documents."""

    def __init__(self, params: pairing.PairParams, cache: object):
        self.params = params
        self.encoder = pairing.LeadEncoder(params.model, cache=cache)

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        feats = pairing.features(batch, self.params)
        return feats.drop(columns="lead").assign(vector=self.encoder(feats)["vector"].to_list())


def _pairable(docs: pd.DataFrame, params: pairing.PairParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(documents that take part in pairing, targets with the reason each cannot be paired or None)."""
    ok = docs["duplicate_of"].isna() & docs["date"].notna()
    ok &= ~docs["flags"].map(lambda f: "empty" in f)
    targets = docs[docs["language"] == params.tgt][["doc_id", "duplicate_of", "date", "flags"]]

    def why(t) -> str | None:
        if isinstance(t.duplicate_of, str):
            return f"an exact duplicate of {t.duplicate_of}, which is paired instead"
        if "empty" in t.flags:
            return "empty story"
        if t.date is None or t.date != t.date:
            return "no date, so no candidates (give one with --date-col or --date-from)"
        return None

    targets = pd.DataFrame({"doc_id": targets["doc_id"], "why": [why(t) for t in targets.itertuples()]})
    return docs[ok & docs["language"].isin([params.src, params.tgt])], targets


def _check_pairable(docs: pd.DataFrame, pairable: pd.DataFrame, params: pairing.PairParams) -> None:
    """CorpusError when no story of one of the languages can take part in pairing, saying why."""
    for side, lang in (("--src", params.src), ("--tgt", params.tgt)):
        if (pairable["language"] == lang).any():
            continue
        stories = docs[docs["language"] == lang]
        undated = int(stories["date"].isna().sum())
        raise CorpusError(
            f"no story in {lang!r} ({side}) can be paired: {undated} of {len(stories)} have no date, the "
            "others are empty or duplicates. Candidates are found by date: rebuild with --date-col (or "
            "--date-from and --date-pattern) naming where the dates are"
        )


def relations(
    docs: pd.DataFrame, params: pairing.PairParams
) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """What :func:`pairing.assign` needs beside the candidates: the targets (with why a target cannot be
    paired), each near duplicate's longer story, and each numbered part's serial."""
    pairable, targets = _pairable(docs, params)
    family = {
        d: n
        for d, n in zip(pairable["doc_id"], pairable["near_duplicate_of"], strict=True)
        if isinstance(n, str)
    }
    tgt = pairable[pairable["language"] == params.tgt]
    serial = {
        d: s
        for d, s in zip(tgt["doc_id"], map(pairing.serial_of, tgt["title"]), strict=True)
        if s is not None
    }
    return targets, family, serial


def run_pair(
    folder: CorpusFolder, params: pairing.PairParams, engine=None, progress: Progress = _quiet
) -> bool:
    """Find each target story's source story: ``candidates`` and ``pairs``. False if it was done."""
    with folder.lock("building"):
        return _pair(folder, params, engine, progress)


def _pair(folder: CorpusFolder, params: pairing.PairParams, engine, progress: Progress) -> bool:
    engine = engine or LocalEngine()
    upstream = folder.stage("import")
    if upstream.get("status") != "done":
        raise CorpusError(f"corpus {folder.name} is not imported yet: run `workbench corpus import` first")
    person = _person_decisions(folder)
    print_ = fingerprint(
        "pair", _VERSIONS["pair"], upstream["fingerprint"], params.to_dict(), _person_print(person)
    )
    folder.manifest.setdefault("params", {})["pair"] = params.to_dict()
    if _done(folder, "pair", print_, ("candidates", "pairs")):
        folder.save()
        return False
    clock = _Clock()
    check_languages(params)
    _check_stories(folder, params)
    docs = folder.read("documents").to_pandas()
    pairable, targets = _pairable(docs, params)
    _check_pairable(docs, pairable, params)
    _start(folder, "pair", print_)
    cache = False  # use-m3 composes windows from each story's sentences: a vector cache would only grow

    # 1. features: lead vectors, numbers, names (kept across parameter changes that do not touch them)
    feat_print = fingerprint(
        upstream["fingerprint"],
        _VERSIONS["pair"],
        params.src,
        params.tgt,
        params.model,
        params.lead_chars,
        batch_size(),
    )
    work = folder.work("pair-features", feat_print)
    _run(engine, _Features(params, cache), pairable, batch_size(), _by_doc, work, "pair: leads", progress)
    feats = work.read().to_pandas().drop(columns="_key")
    data = pairable[["doc_id", "language", "date", "n_chars", "near_duplicate_of"]].merge(feats, on="doc_id")

    # 2. candidates by date block
    weights = evidence.name_weights(
        (set(x) for x in data[data["language"] == params.src]["names"]),
        (set(x) for x in data[data["language"] == params.tgt]["names"]),
    )
    parts, batches = [], list(pairing.block_batches(data, params))
    progress("pair: scoring candidates", 0, len(batches))
    for k, (key, found) in enumerate(engine.map(pairing.BlockScorer(params, weights), batches), 1):
        parts.append((key, found))
        progress("pair: scoring candidates", k, len(batches))
    found = [f for _, f in sorted(parts, key=lambda kf: kf[0]) if len(f)]
    candidates = pd.concat(found, ignore_index=True) if found else pairing._candidates([])

    # 3. rescoring the candidates by their sentences (kept per pair across parameter changes)
    work = folder.work(
        "pair-rescore", fingerprint(upstream["fingerprint"], _VERSIONS["pair"], params.model, RESCORE_VERSION)
    )
    top = candidates[candidates["rank"] <= params.rescore]
    rows = _with_sentences(folder, top[["tgt_id", "src_id"]].drop_duplicates(), ids=False)
    rescorer = pairing.Rescorer(params.model)
    # big batches: neighbouring targets share candidates, whose sentences a worker embeds once
    _run(engine, rescorer, rows, batch_size(), _by_pair, work, "pair: rescoring", progress)
    rescored = work.read()
    columns = list(pairing.RESCORED)
    if rescored is not None:
        rescored = rescored.to_pandas()[["tgt_id", "src_id", *columns]].drop_duplicates(["tgt_id", "src_id"])
        candidates = candidates.merge(rescored, on=["tgt_id", "src_id"], how="left")
        candidates.loc[candidates["rank"] > params.rescore, columns] = np.nan
    else:
        candidates[columns] = np.nan

    # 4. one-to-one assignment and decisions
    progress("pair: deciding", 0, 1)
    candidates["final"] = pairing.final_score(candidates, params)
    candidates = candidates.sort_values(["tgt_id", "rank"]).reset_index(drop=True)
    folder.write("candidates", pa.Table.from_pandas(candidates, preserve_index=False))
    _decide(folder, params, candidates, docs, person)
    folder.manifest["pair"]["candidates"] = len(candidates)
    folder.manifest["pair"]["rescored"] = int(candidates["match_tgt"].notna().sum())
    progress("pair: deciding", 1, 1)
    folder.set_stage("pair", status="done", fingerprint=print_, **clock.info())
    return True


def _decide(folder, params, candidates, docs, person) -> pd.DataFrame:
    """Assign and decide the pairs from the candidates; write ``pairs`` and its counts."""
    targets, family, serial = relations(docs, params)
    model = probability.from_manifest(folder.manifest)  # a corpus's own refit, else the packaged model
    pairs = pairing.assign(targets, candidates, params, family, person, serial, model)
    pairs = pairs.sort_values("tgt_id").reset_index(drop=True)
    folder.write("pairs", _pairs_table(pairs))
    report = folder.manifest.setdefault("pair", {})
    report["decisions"] = {k: int(v) for k, v in pairs["decision"].value_counts().sort_index().items()}
    return pairs


def redecide(folder: CorpusFolder) -> None:
    """Decide the pairs again from the stored candidates, with the person's decisions as they are now (the
    pair stage's parameters unchanged): what ``review.decide`` calls, in a second, after a decision."""
    with folder.lock("deciding"):
        _redecide(folder)


def pair_params(folder: CorpusFolder) -> pairing.PairParams:
    """The pair stage's settings, as the manifest keeps them."""
    saved = folder.manifest.get("params", {}).get("pair")
    try:
        return pairing.PairParams(**saved)
    except TypeError:
        raise CorpusError(
            f"the pair settings in the manifest of corpus {folder.name} are damaged ({saved!r}): run "
            f"`workbench corpus pair {folder.path}` again"
        ) from None


def _redecide(folder: CorpusFolder) -> None:
    info = folder.stage("pair")
    if info.get("status") != "done":
        raise CorpusError(f"corpus {folder.name} has no pairs yet: run `workbench corpus pair` first")
    params = pair_params(folder)
    person = _person_decisions(folder)
    docs = folder.read("documents").to_pandas()
    _decide(folder, params, folder.read("candidates").to_pandas(), docs, person)
    print_ = fingerprint(
        "pair",
        _VERSIONS["pair"],
        folder.stage("import")["fingerprint"],
        params.to_dict(),
        _person_print(person),
    )
    folder.set_stage("pair", **{**info, "fingerprint": print_})


def _with_sentences(folder: CorpusFolder, pairs: pd.DataFrame, ids: bool = True) -> pd.DataFrame:
    """``pairs`` (tgt_id, src_id) with both stories' sentence texts (``src_sents``, ``tgt_sents``) and,
    with ``ids``, their sentence ids (``src_sent_ids``, ``tgt_sent_ids``)."""
    rows = pairs.reset_index(drop=True).copy()
    wanted = set(rows["tgt_id"]) | set(rows["src_id"])
    table = folder.read("sentences", columns=["doc_id", "idx", "sent_id", "text"]).to_pandas()
    table = table[table["doc_id"].isin(wanted)].sort_values(["doc_id", "idx"])
    by_doc = {d: (g["sent_id"].tolist(), g["text"].tolist()) for d, g in table.groupby("doc_id", sort=False)}
    empty: tuple[list, list] = ([], [])
    for side, col in (("src", "src_id"), ("tgt", "tgt_id")):
        if ids:
            rows[f"{side}_sent_ids"] = [by_doc.get(d, empty)[0] for d in rows[col]]
        rows[f"{side}_sents"] = [by_doc.get(d, empty)[1] for d in rows[col]]
    return rows


def _person_decisions(folder: CorpusFolder) -> pd.DataFrame | None:
    table = folder.decisions()
    return None if table is None else table.to_pandas()


def _person_print(person: pd.DataFrame | None) -> list:
    if person is None:
        return []
    return person[["tgt_id", "decision", "src_id"]].astype(str).sort_values("tgt_id").values.tolist()


def _pairs_table(pairs: pd.DataFrame) -> pa.Table:
    schema = pa.schema(
        [
            ("tgt_id", pa.string()),
            ("src_id", pa.string()),
            ("score", pa.float64()),
            ("margin", pa.float64()),
            ("decision", pa.string()),
            ("reason", pa.string()),
            ("decided_by", pa.string()),
            ("best_candidate", pa.string()),
            ("candidates", pa.list_(pa.string())),
            ("probability", pa.float64()),  # the machine's pair probability, beside a person's decision too
        ]
    )
    pairs = pairs if "probability" in pairs else pairs.assign(probability=None)
    return pa.Table.from_pandas(pairs[schema.names], schema=schema, preserve_index=False)


def check_languages(params: pairing.PairParams) -> None:
    """CorpusError for language codes that are malformed, the same, or unknown to the pair stage's model."""
    for side, lang in (("--src", params.src), ("--tgt", params.tgt)):
        try:
            validate_language(lang)
        except WorkbenchError as exc:
            raise CorpusError(f"{side}: {exc}") from None
    if params.src == params.tgt:
        raise CorpusError(f"--src and --tgt are both {params.src!r}: name two languages")
    known = model_languages(params.model)
    for lang in (params.src, params.tgt):
        if known is None or language_base(lang) in known:
            continue
        others = [m for m in MODEL_LANGUAGES if language_base(lang) in MODEL_LANGUAGES[m]]
        if others:  # refused: a model here knows it
            raise CorpusError(
                f"{params.model} does not know {lang!r} (it knows {', '.join(sorted(known))}): pair with "
                f"--model {others[-1]}, which knows {len(MODEL_LANGUAGES[others[-1]])} languages"
            )
        log.warning(
            "%s was not trained on %r (nor is any model here): expect weaker pairing", params.model, lang
        )


def _check_stories(folder: CorpusFolder, params: pairing.PairParams) -> None:
    languages = folder.manifest.get("import", {}).get("languages", {})
    shown = ", ".join(f"{k} ({v:,})" for k, v in languages.items()) or "none"
    for side, lang in (("--src", params.src), ("--tgt", params.tgt)):
        if not languages.get(lang):
            raise CorpusError(
                f"no story in {lang!r} ({side}) in corpus {folder.name}: its stories are in {shown}"
            )


def _languages(folder: CorpusFolder) -> tuple[str, str]:
    params = folder.manifest.get("params", {}).get("pair", {})
    return params.get("src", "en"), params.get("tgt", "es")


# --- align -----------------------------------------------------------------------------------------


class _AlignPairs:
    """The sentence links of a batch of document pairs (``src_sents``/``tgt_sents`` as dicts of ids and
    texts)."""

    def __init__(self, settings: AlignSettings, languages: tuple[str, str], cache: object = False):
        self.settings, self.cache = settings, cache
        self.src_sep, self.tgt_sep = (sentence_separator(x) for x in languages)
        self._aligner = None

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        if self._aligner is None:
            from workbench.align.factory import make_aligner, resolve_models

            names, params = resolve_models(self.settings.preset)
            self._aligner = make_aligner(names, params, cache=self.cache)
        rows = []
        for pair in batch.itertuples(index=False):
            src_ids, src = list(pair.src_sent_ids), list(pair.src_sents)
            tgt_ids, tgt = list(pair.tgt_sent_ids), list(pair.tgt_sents)
            beads = self._aligner.align(src, tgt) if src and tgt else []
            for k, b in enumerate(beads):
                rows.append(
                    {
                        "tgt_id": pair.tgt_id,
                        "src_id": pair.src_id,
                        "link": k,
                        "src_sent_ids": [src_ids[i] for i in b.src],
                        "tgt_sent_ids": [tgt_ids[j] for j in b.tgt],
                        "src_text": self.src_sep.join(src[i] for i in b.src),
                        "tgt_text": self.tgt_sep.join(tgt[j] for j in b.tgt),
                        "src_sents": [src[i] for i in b.src],
                        "tgt_sents": [tgt[j] for j in b.tgt],
                        "score": round(float(b.score), 4),
                        "kind": b.kind,
                    }
                )
        return pd.DataFrame(rows, columns=LINK_SCHEMA.names)


LINK_SCHEMA = pa.schema(
    [
        ("tgt_id", pa.string()),
        ("src_id", pa.string()),
        ("link", pa.int32()),
        ("src_sent_ids", pa.list_(pa.string())),
        ("tgt_sent_ids", pa.list_(pa.string())),
        (
            "src_text",
            pa.string(),
        ),  # the bead's sentences joined (a space, or nothing in Chinese and Japanese)
        ("tgt_text", pa.string()),
        ("src_sents", pa.list_(pa.string())),  # and one by one
        ("tgt_sents", pa.list_(pa.string())),
        ("score", pa.float64()),
        ("kind", pa.string()),
    ]
)
ALIGNED = ("auto", "accepted", "doubtful")  # decisions whose pairs get sentence links


def run_align(
    folder: CorpusFolder, settings: AlignSettings = AlignSettings(), engine=None, progress: Progress = _quiet
) -> bool:
    """Sentence-align every pair with a source story: ``links``. False if it was done."""
    with folder.lock("building"):
        return _align(folder, settings, engine, progress)


def _align(folder: CorpusFolder, settings: AlignSettings, engine, progress: Progress) -> bool:
    engine = engine or LocalEngine()
    upstream = folder.stage("pair")
    if upstream.get("status") != "done":
        raise CorpusError(f"corpus {folder.name} has no pairs yet: run `workbench corpus pair` first")
    from workbench.align.params import PRESETS

    if settings.preset not in PRESETS:
        raise CorpusError(f"unknown preset {settings.preset!r}: choose one of {', '.join(PRESETS)}")
    print_ = fingerprint("align", _VERSIONS["align"], upstream["fingerprint"], settings.to_dict())
    folder.manifest.setdefault("params", {})["align"] = settings.to_dict()
    if _done(folder, "align", print_, ("links",)):
        folder.save()
        return False
    clock = _Clock()
    _start(folder, "align", print_)
    pairs = folder.read("pairs", columns=["tgt_id", "src_id", "decision"]).to_pandas()
    pairs = pairs[pairs["decision"].isin(ALIGNED) & pairs["src_id"].notna()][["tgt_id", "src_id"]]
    import_print = folder.stage("import")["fingerprint"]
    work = folder.work(
        "align", fingerprint(import_print, _VERSIONS["align"], _languages(folder), settings.to_dict())
    )
    rows = _with_sentences(folder, pairs)
    _run(
        engine,
        _AlignPairs(settings, _languages(folder)),
        rows,
        _pair_batch(),
        _by_pair,
        work,
        "align: sentences",
        progress,
    )
    links = work.read()
    if links is None:
        links = LINK_SCHEMA.empty_table().to_pandas()
    else:
        links = links.to_pandas()
    wanted = set(zip(pairs["tgt_id"], pairs["src_id"], strict=True))
    keep = np.array([k in wanted for k in zip(links["tgt_id"], links["src_id"], strict=True)], dtype=bool)
    links = links[keep]
    links = links.drop_duplicates(["tgt_id", "src_id", "link"]).sort_values(["tgt_id", "link"])
    folder.write(
        "links", pa.Table.from_pandas(links[LINK_SCHEMA.names], schema=LINK_SCHEMA, preserve_index=False)
    )
    folder.manifest["align"] = {"pairs": len(pairs), "links": len(links)}
    folder.set_stage("align", status="done", fingerprint=print_, **clock.info())
    return True


# --- build -----------------------------------------------------------------------------------------


def build(
    folder: CorpusFolder,
    archive: Path,
    columns: Columns,
    import_params: docs_mod.ImportParams,
    pair_params: pairing.PairParams,
    align_settings: AlignSettings,
    engine=None,
    progress: Progress = _quiet,
    rebuild: bool = False,
) -> dict[str, bool]:
    """Run the three stages in turn; returns which ran (False: already done with these settings). Holds
    the corpus's lock throughout: a second build of the same corpus is refused at once."""
    _check_damaged(folder, rebuild)
    with folder.lock("building"):
        return _build(
            folder, archive, columns, import_params, pair_params, align_settings, engine, progress, rebuild
        )


def _build(folder, archive, columns, import_params, pair_params, align_settings, engine, progress, rebuild):
    engine = engine or LocalEngine()
    check_languages(pair_params)
    _person_decisions(folder)  # refused before anything is written when a person's decisions vanished
    stories = None
    if folder.stage("import").get("status") != "done" or rebuild:  # check the input before writing anything
        stories = read_archive(archive, columns)
        labels = stories["label"].value_counts()
        for side, lang in (("--src", pair_params.src), ("--tgt", pair_params.tgt)):
            if not labels.get(lang):
                shown = ", ".join(f"{k or '(none)'} ({v:,})" for k, v in labels.items())
                raise CorpusError(
                    f"no story is labelled {lang!r} ({side}) in {archive}: the labels are {shown}"
                )
    folder.manifest["versions"] = {
        "workbench": __version__,
        "pandas": pd.__version__,
        "pyarrow": pa.__version__,
    }
    folder.manifest["languages"] = {"src": pair_params.src, "tgt": pair_params.tgt}
    ran = {"import": run_import(folder, archive, columns, import_params, engine, progress, rebuild, stories)}
    ran["pair"] = run_pair(folder, pair_params, engine, progress)
    ran["align"] = run_align(folder, align_settings, engine, progress)
    return ran
