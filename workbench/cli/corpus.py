"""``workbench corpus ...``: an archive of unpaired stories to a parallel corpus (a thin shell over
``workbench.corpus``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from workbench import corpus
from workbench.align.aligner import PRESETS
from workbench.cli import common, pairprob
from workbench.cli.common import RootOpt, cell, esc, export_table, progress_bar, user_errors
from workbench.corpus.archive import KCNA_DATE_PATTERN, Columns
from workbench.corpus.documents import ImportParams
from workbench.corpus.pairing import PairParams
from workbench.corpus.pipeline import AlignSettings
from workbench.store import alignments as store
from workbench.workspace import Workspace, coverage_warning

corpus_app = typer.Typer(
    help="Whole archives: import unpaired stories, find which story translates which, align their "
    "sentences, export a parallel corpus. Every command takes a corpus name (a folder under corpora/) "
    "or the path of a corpus folder.",
    no_args_is_help=True,
)

CorpusArg = Annotated[str, typer.Argument(help="Corpus name (under corpora/) or the path of its folder.")]
PairModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model", help="Embedding model of the pair stage: use-m3 (16 languages, fast) or e5-small (~100)."
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="A pair-stage setting, KEY=VALUE (accept=2.9, reject=2.4, margin=0.2, neighbours=4, "
        "serials=false, top_k=5, ...); repeatable. The README's corpus section says what each does.",
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", help="Worker processes, or Ray actors (default: one per core).", min=1),
]
EngineOpt = Annotated[
    str, typer.Option("--engine", help="local (this machine, the default) or ray (Ray Data).")
]
RayAddressOpt = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="With --engine ray: an existing cluster (auto: the one `ray start` runs here, or HOST:PORT); "
        "default: a local Ray runtime on this machine's cores.",
    ),
]
ObjectStoreOpt = Annotated[
    int | None,
    typer.Option(
        "--ray-object-store-mb", help="With --engine ray: a local runtime's object store, MB.", min=64
    ),
]


def _engine(workers: int | None, engine: str = "local", address: str | None = None, store: int | None = None):
    from workbench.corpus.engine import make_engine

    return make_engine(engine, workers, address, store)


class _Bars:
    """One rich bar per step of a stage, fed by the pipeline's ``progress(what, done, total)``."""

    def __init__(self):
        self.bar = progress_bar()
        self.tasks: dict[str, int] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        if what not in self.tasks:
            self.tasks[what] = self.bar.add_task(what, total=total)
        self.bar.update(self.tasks[what], completed=done, total=total)


def _warn_languages(preset: str, languages) -> None:
    """Say so when no model of the aligner preset was trained on one of the corpus's languages."""
    if preset in PRESETS and (warning := coverage_warning(PRESETS[preset][0], languages)):
        common.err.print(f"[yellow]warning:[/] {esc(warning)}")


def _run_stages(job, what: str) -> None:
    bars = _Bars()
    start = time.perf_counter()
    try:
        with user_errors(), bars.bar:
            ran = job(bars)
    except KeyboardInterrupt:
        common.err.print(f"interrupted; run the same command again to resume the {what}")
        raise typer.Exit(code=130) from None
    for stage, did in ran.items():
        if not did:
            common.err.print(f"{stage}: already done with these settings (nothing to redo)")
    common.err.print(f"{what} finished in {time.perf_counter() - start:.1f}s")


def _pair_params(folder, src, tgt, before, after, model, settings) -> PairParams:
    saved = folder.manifest.get("params", {}).get("pair", {})
    known = {k: v for k, v in saved.items() if k in PairParams.__dataclass_fields__}
    params = PairParams(**known)
    changes = {"src": src, "tgt": tgt, "before": before, "after": after, "model": model}
    params = corpus.replace_params(params, {k: v for k, v in changes.items() if v is not None})
    return corpus.parse_settings(params, settings)


@corpus_app.command("build")
def build_cmd(
    archive: Annotated[
        Path, typer.Argument(help="The archive: a Parquet, JSONL or CSV file, a story a row.")
    ],
    name: Annotated[str | None, typer.Option("--name", help="Corpus name: corpora/<name>.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Corpus folder (instead of --name).")] = None,
    src: Annotated[str, typer.Option("--src", help="Source language: the originals, e.g. en.")] = "en",
    tgt: Annotated[str, typer.Option("--tgt", help="Target language: the translations, e.g. es.")] = "es",
    id_col: Annotated[str, typer.Option("--id-col", help="Column of the story ids.")] = "id",
    lang_col: Annotated[str, typer.Option("--lang-col", help="Column of the language labels.")] = "language",
    date_col: Annotated[str, typer.Option("--date-col", help="Column of the dates ('' for none).")] = "date",
    title_col: Annotated[
        str, typer.Option("--title-col", help="Column of the titles ('' for none).")
    ] = "title",
    text_col: Annotated[str, typer.Option("--text-col", help="Column of the story texts.")] = "story",
    date_from: Annotated[
        str,
        typer.Option(
            "--date-from", help="Column whose text holds the date where the date is empty ('' for none)."
        ),
    ] = "index_page",
    date_pattern: Annotated[
        str, typer.Option("--date-pattern", help="Regex with year, month and day groups, for --date-from.")
    ] = KCNA_DATE_PATTERN,
    before: Annotated[int, typer.Option(help="Days a source story may precede its translation.", min=0)] = 3,
    after: Annotated[int, typer.Option(help="Days a source story may follow its translation.", min=0)] = 1,
    model: PairModelOpt = None,
    settings: SetOpt = None,
    preset: Annotated[str, typer.Option(help="Sentence aligner preset: fast or accurate.")] = "fast",
    rebuild: Annotated[bool, typer.Option(help="Rebuild from a changed archive (keeps decisions).")] = False,
    workers: WorkersOpt = None,
    engine: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    ray_object_store_mb: ObjectStoreOpt = None,
    root: RootOpt = None,
) -> None:
    """Import an archive, pair its stories and align the pairs' sentences (each stage resumes where it
    stopped, and only what a changed setting affects is redone)."""
    columns = Columns(
        id=id_col,
        language=lang_col,
        date=date_col or None,
        title=title_col or None,
        text=text_col,
        date_from=date_from or None,
        date_pattern=date_pattern,
    )
    with user_errors():
        pair = PairParams(
            src=src,
            tgt=tgt,
            before=before,
            after=after,
            model=model or PairParams.__dataclass_fields__["model"].default,
        )
        pair = corpus.parse_settings(pair, settings)  # before the corpus folder is made
        folder = corpus.create_or_open(Workspace.find(root).root, name, out)
    common.err.print(f"corpus {esc(folder.name)} in {esc(folder.path)}")
    _warn_languages(preset, (pair.src, pair.tgt))
    _run_stages(
        lambda bars: corpus.build(
            folder,
            archive,
            columns,
            ImportParams(),
            pair,
            AlignSettings(preset),
            _engine(workers, engine, ray_address, ray_object_store_mb),
            bars,
            rebuild=rebuild,
        ),
        "build",
    )
    _print_status(folder)


@corpus_app.command("import")
def import_cmd(
    archive: Annotated[
        Path, typer.Argument(help="The archive: a Parquet, JSONL or CSV file, a story a row.")
    ],
    name: Annotated[str | None, typer.Option("--name", help="Corpus name: corpora/<name>.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Corpus folder (instead of --name).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Re-import a changed archive.")] = False,
    workers: WorkersOpt = None,
    engine: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    ray_object_store_mb: ObjectStoreOpt = None,
    root: RootOpt = None,
) -> None:
    """Only the import stage: read, clean, detect languages and dates, flag duplicates, split sentences."""
    with user_errors():
        folder = corpus.create_or_open(Workspace.find(root).root, name, out)
    _run_stages(
        lambda bars: {
            "import": corpus.run_import(
                folder,
                archive,
                Columns(),
                ImportParams(),
                _engine(workers, engine, ray_address, ray_object_store_mb),
                bars,
                rebuild,
            )
        },
        "import",
    )
    _print_status(folder)


@corpus_app.command("pair")
def pair_cmd(
    name: CorpusArg,
    src: Annotated[str | None, typer.Option("--src", help="Source language (default: as before).")] = None,
    tgt: Annotated[str | None, typer.Option("--tgt", help="Target language (default: as before).")] = None,
    before: Annotated[
        int | None, typer.Option(help="Days a source story may precede its translation.")
    ] = None,
    after: Annotated[int | None, typer.Option(help="Days a source story may follow its translation.")] = None,
    model: PairModelOpt = None,
    settings: SetOpt = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    ray_object_store_mb: ObjectStoreOpt = None,
    root: RootOpt = None,
) -> None:
    """Only the pair stage: each target story's source story, or none, with score, margin and decision."""
    with user_errors():
        folder = corpus.open_corpus(Workspace.find(root).root, name)
        params = _pair_params(folder, src, tgt, before, after, model, settings)
    _run_stages(
        lambda bars: {
            "pair": corpus.run_pair(
                folder, params, _engine(workers, engine, ray_address, ray_object_store_mb), bars
            )
        },
        "pairing",
    )
    _print_status(folder)


@corpus_app.command("align")
def align_cmd(
    name: CorpusArg,
    preset: Annotated[str, typer.Option(help="Sentence aligner preset: fast or accurate.")] = "fast",
    workers: WorkersOpt = None,
    engine: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    ray_object_store_mb: ObjectStoreOpt = None,
    root: RootOpt = None,
) -> None:
    """Only the align stage: the sentence links of every pair."""
    with user_errors():
        folder = corpus.open_corpus(Workspace.find(root).root, name)
    paired = folder.manifest.get("params", {}).get("pair", {})
    _warn_languages(preset, [paired.get(side, "") for side in ("src", "tgt")])
    _run_stages(
        lambda bars: {
            "align": corpus.run_align(
                folder,
                AlignSettings(preset),
                _engine(workers, engine, ray_address, ray_object_store_mb),
                bars,
            )
        },
        "alignment",
    )
    _print_status(folder)


@corpus_app.command("status")
def status_cmd(name: CorpusArg, root: RootOpt = None) -> None:
    """Stories, languages, what the import found, pairs by decision, sentence links, timings."""
    with user_errors():
        folder = corpus.open_corpus(Workspace.find(root).root, name)
    _print_status(folder)
    with user_errors():  # decisions that cannot be read are named, with the way to restore them
        pairprob.print_agreement(folder)  # how far the machine agrees with the person's decisions


def _number(value) -> str:
    return "" if value is None or value != value else f"{value:.2f}"


def _print_status(folder) -> None:
    info = corpus.status(folder)
    t = esc
    common.console.print(f"[bold]corpus {t(info['name'])}[/] ({t(folder.path)})")
    if info.get("source"):
        src = info["source"]
        common.console.print(
            f"source: {t(src['path'])} ({src['format']}, {src['bytes']:,} bytes, {src['sha256'][:19]}…)"
        )
    stages = Table(title="stages")
    for col in ("stage", "status", "seconds", "peak MB (workers)", "finished"):
        stages.add_column(col)
    for stage, s in info["stages"].items():
        peak = f"{s['peak_mb']:,.0f} ({s['worker_peak_mb']:,.0f})" if "peak_mb" in s else ""
        stages.add_row(
            stage,
            s.get("status", "not run"),
            f"{s['seconds']:.1f}" if "seconds" in s else "",
            peak,
            s.get("finished", ""),
        )
    common.console.print(stages)
    for title, rows in info["tables"].items():
        table = Table(title=title)
        table.add_column("")
        table.add_column("count", justify="right")
        for label, value in rows:
            table.add_row(cell(label), f"{value:,}")
        common.console.print(table)


@corpus_app.command("pairs")
def pairs_cmd(
    name: CorpusArg,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the pairs as CSV here.")] = None,
    decision: Annotated[
        str | None,
        typer.Option(help="Only these decisions, comma-separated: auto, doubtful, none, accepted, rejected."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows to print when there is no --out.")] = 20,
    root: RootOpt = None,
) -> None:
    """The document pairs: tgt_id, src_id, score, margin, decision, reason, the runners-up, titles."""
    with user_errors():
        folder = corpus.open_corpus(Workspace.find(root).root, name)
        decisions = corpus.parse_decisions(decision)
        frame = corpus.pairs_frame(folder, decisions)
        if out is not None:
            corpus.write_pairs_csv(frame, out)
    if out is not None:
        common.console.print(f"{len(frame):,} pairs -> {esc(out)}")
        return
    table = Table(
        title=f"{len(frame):,} pairs in {esc(folder.name)}"
        + (f" (first {limit})" if len(frame) > limit else "")
    )
    columns = ("tgt_id", "tgt_title", "src_id", "src_title", "score", "margin", "p", "decision", "by")
    columns += ("reason",)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in frame.head(limit).itertuples(index=False):
        table.add_row(
            *(
                cell(x if isinstance(x, str) else "")
                for x in (row.tgt_id, row.tgt_title, row.src_id, row.src_title)
            ),
            _number(row.score),
            _number(row.margin),
            "" if row.probability != row.probability else f"{row.probability:.3f}",
            cell(row.decision),
            cell(row.decided_by),
            cell(row.reason),
        )
    common.console.print(table)


@corpus_app.command("eval")
def eval_cmd(
    name: CorpusArg,
    gold: Annotated[
        Path, typer.Option("--gold", help="CSV of tgt_id (or es_id), src_id (or en_id; empty: none).")
    ],
    root: RootOpt = None,
) -> None:
    """Score the corpus's document pairs against a gold: precision, recall and F1, and the errors."""
    from workbench.corpus import gold as gold_mod

    with user_errors():
        folder = corpus.open_corpus(Workspace.find(root).root, name)
        scores = gold_mod.score_pairs(folder.read("pairs").to_pandas(), gold_mod.read_gold(gold))
    for tgt, decision, src, right in scores.errors:
        common.console.print(f"{esc(tgt)}: {decision} {esc(src) or '-'} (gold: {esc(right)})")
    common.console.print(
        f"pairs: precision {scores.precision:.3f}, recall {scores.recall:.3f}, F1 {scores.f1:.3f} "
        f"({scores.correct} right of {scores.accepted} accepted, {scores.gold_pairs} in the gold); "
        f"none: {scores.none_right} right of {scores.none_said} said, {scores.none_gold} in the gold; "
        f"doubtful: {scores.doubtful}; not in the corpus: {scores.missing}"
    )


@corpus_app.command("export")
def export_cmd(
    name: CorpusArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (Moses: a prefix, or a .zip).")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="tmx, moses, tsv, jsonl, parquet, hf-jsonl or hf-parquet (the Hugging Face datasets "
            "layout); default: from --out's extension.",
        ),
    ] = None,
    decision: Annotated[
        str, typer.Option(help="Pairs with these decisions, comma-separated (auto, accepted, doubtful).")
    ] = "auto,accepted",
    min_pair_score: Annotated[
        float | None, typer.Option("--min-pair-score", help="Only pairs with at least this score.")
    ] = None,
    min_score: Annotated[
        float | None, typer.Option("--min-score", help="Only beads with at least this confidence (0-1).")
    ] = None,
    one_to_one: Annotated[bool, typer.Option("--one-to-one", help="Only 1-1 beads.")] = False,
    root: RootOpt = None,
) -> None:
    """Write the corpus's sentence links as a parallel corpus; every row carries both story ids, the pair's
    score and decision, and the bead's score. A decision a person made passes any --min-pair-score."""
    from workbench.corpus import card
    from workbench.corpus.export import CorpusExportOptions, export_corpus
    from workbench.export import articles as ex

    with user_errors():
        folder = corpus.open_corpus(Workspace.find(root).root, name)
        options = CorpusExportOptions(
            decisions=corpus.parse_decisions(decision) or (),
            min_pair_score=min_pair_score,
            min_score=min_score,
            one_to_one=one_to_one,
        )
        fmt = ex.check_format(fmt) if fmt else ex.format_for_path(out)
        bars = _Bars()
        try:
            with bars.bar:
                report = export_corpus(
                    folder, fmt, out, options, lambda d, t, _: bars("exporting pairs", d, t)
                )
        except ex.NothingToExportError as exc:  # what was skipped, and why, before the error
            common.console.print(export_table(exc.report, "nothing exported"))
            raise
        card.write_card(folder, fmt, Path(out), options, report)  # the dataset card beside the export
    unit = {"tmx": "translation units", "moses": "line pairs"}.get(fmt, "rows")
    common.console.print(
        export_table(
            report, f"{report.written} beads of {report.alignments} pairs as {report.units} {unit} ({fmt})"
        )
    )
    for path in report.files:
        common.console.print(f"-> {esc(path)}")


@corpus_app.command("publish")
def publish_cmd(
    name: CorpusArg,
    dest: Annotated[
        str,
        typer.Argument(
            help="Where: a folder, or a URI pyarrow and Ray can write to (s3://bucket/prefix, gs://...)."
        ),
    ],
    engine: EngineOpt = "local",
    workers: WorkersOpt = None,
    ray_address: RayAddressOpt = None,
    ray_object_store_mb: ObjectStoreOpt = None,
    root: RootOpt = None,
) -> None:
    """Write the corpus's tables (documents, sentences, candidates, pairs, links) as Parquet datasets,
    DEST/<table>/, and its manifest, replacing what is there; with --engine ray, Ray Data writes them."""
    from workbench.corpus.publish import publish

    with user_errors():
        folder = corpus.open_corpus(Workspace.find(root).root, name)
        runner = _engine(workers, engine, ray_address, ray_object_store_mb) if engine != "local" else None
        bars = _Bars()
        with bars.bar:
            written = publish(folder, dest, runner, bars)
    for table, rows in written.items():
        common.console.print(f"{table}: {rows:,} rows -> {esc(dest.rstrip('/') + '/' + table)}")


@corpus_app.command("decide")
def decide_cmd(
    name: CorpusArg,
    tgt_id: Annotated[
        str | None,
        typer.Argument(help="The target story (e.g. the Spanish one); none with --accept-all-above."),
    ] = None,
    accept: Annotated[
        str | None,
        typer.Option("--accept", help="Accept this source story as its original ('' = the proposed one)."),
    ] = None,
    reject: Annotated[bool, typer.Option("--reject", help="The proposed source story is wrong.")] = False,
    none: Annotated[bool, typer.Option("--none", help="It has no original in the archive.")] = False,
    clear: Annotated[bool, typer.Option("--clear", help="Forget the decision made before.")] = False,
    accept_all_above: Annotated[
        float | None,
        typer.Option(
            "--accept-all-above",
            help="Accept every auto pair whose probability (or --by score) is at least this, as a person.",
        ),
    ] = None,
    by: Annotated[str, typer.Option(help="With --accept-all-above: probability or score.")] = "probability",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what the decision would do; save nothing.")
    ] = False,
    note: Annotated[str, typer.Option(help="Why (kept with the decision).")] = "",
    root: RootOpt = None,
) -> None:
    """Decide a pair by hand: kept in the corpus, never overridden by a run, honoured by the export. Taking
    a source story another story was paired with says what that does to the other story."""
    from workbench.corpus import review

    chosen = [
        x
        for x, on in (
            ("accepted", accept is not None),
            ("rejected", reject),
            ("none", none),
            ("clear", clear),
            ("all", accept_all_above is not None),
        )
        if on
    ]
    with user_errors():
        if len(chosen) != 1:
            raise corpus.CorpusError(
                "choose one of --accept [SRC_ID], --reject, --none, --clear or --accept-all-above P"
            )
        if (chosen[0] == "all") != (tgt_id is None):
            raise corpus.CorpusError(
                "name the target story (TGT_ID) to decide, or give --accept-all-above P without one"
            )
        folder = corpus.open_corpus(Workspace.find(root).root, name)
        if chosen[0] == "all":
            found = review.auto_above(folder, accept_all_above, by)
            if not dry_run and len(found):
                found = review.accept_all_above(folder, accept_all_above, by, note)
            what = "would accept" if dry_run else "accepted"
            common.console.print(
                f"{what} {len(found):,} auto pair(s) of {by} >= {accept_all_above:g} in {esc(folder.name)}"
            )
            return
        changes = []
        if chosen[0] == "accepted":
            row = review._pair_row(folder, tgt_id)
            src = accept or (row["src_id"] if isinstance(row["src_id"], str) else row["best_candidate"])
            if isinstance(src, str):
                changes = review.effects(folder, tgt_id, src)
        for change in changes:
            common.err.print(f"[yellow]this also changes[/] {esc(review.describe_effect(change))}")
        if dry_run:
            common.console.print(f"{esc(tgt_id)}: nothing saved (--dry-run)")
            return
        row = review.decide(folder, tgt_id, chosen[0], accept or None, note)
    src = row["src_id"] if isinstance(row["src_id"], str) else "-"
    common.console.print(
        f"{esc(tgt_id)}: {row['decision']} {esc(src)} by {row['decided_by']} ({esc(row['reason'])})"
    )
    if chosen[0] == "accepted":
        common.err.print(
            f"run `workbench corpus align {esc(folder.name)}` to align its sentences if it has no links yet"
        )


@corpus_app.command("open")
def open_cmd(
    name: CorpusArg,
    tgt_id: Annotated[str, typer.Argument(help="The target story whose pair to open.")],
    root: RootOpt = None,
) -> None:
    """Turn a pair into an article in texts/ with its alignment in alignments/, for the review app (the
    same article the app's pair queue opens; its sentences are aligned first if they are not yet)."""
    from workbench.corpus import queue as pairqueue

    ws = Workspace.find(root)
    with user_errors():
        folder = corpus.open_corpus(ws.root, name)
        bars = _Bars()
        with bars.bar:
            article, target = pairqueue.open_for_review(folder, ws, tgt_id, bars)
        links = len(store.load_alignment(ws.alignment_path(article, target)).links)
    common.console.print(
        f"{esc(tgt_id)} is article [bold]{esc(article)}[/] ({target}, {links} beads): "
        f"`workbench app`, or `workbench show {esc(article)}`"
    )


@corpus_app.command("list")
def list_cmd(root: RootOpt = None) -> None:
    """The corpora of the workbench folder."""
    ws = Workspace.find(root)
    folders = corpus.list_corpora(ws.root)
    table = Table(title=f"{len(folders)} corpus(es) in {esc(ws.root / corpus.CORPORA)}")
    for col in ("corpus", "source", "stories", "pairs (auto)", "links", "stages"):
        table.add_column(col)
    for f in folders:
        info = f.manifest
        stages = " ".join(f"{s}:{f.stage(s).get('status', '-')}" for s in ("import", "pair", "align"))
        table.add_row(
            cell(f.name),
            cell(Path(info.get("source", {}).get("path", "?")).name),
            f"{info.get('import', {}).get('stories', 0):,}",
            f"{info.get('pair', {}).get('decisions', {}).get('auto', 0):,}",
            f"{info.get('align', {}).get('links', 0):,}",
            stages,
        )
    common.console.print(table)
