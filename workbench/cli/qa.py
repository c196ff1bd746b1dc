"""``workbench corpus qa ...``: measure a corpus's quality from a person's marks on a random sample (a thin
shell over ``workbench.corpus.qa``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from workbench import corpus
from workbench.cli import common
from workbench.cli.common import RootOpt, cell, esc, user_errors
from workbench.corpus import qa
from workbench.corpus.export import CorpusExportOptions
from workbench.corpus.gold import ACCEPTED
from workbench.workspace import Workspace

qa_app = typer.Typer(
    help="Measure a corpus's quality: draw a random sample of the links its export writes, mark each "
    "right, wrong or partial, and report the precision per score band with 95% intervals.",
    no_args_is_help=True,
)

CorpusArg = Annotated[str, typer.Argument(help="Corpus name (under corpora/) or the path of its folder.")]


def _open(name: str, root: Path | None):
    return corpus.open_corpus(Workspace.find(root).root, name)


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _interval(low: float | None, high: float | None) -> str:
    return "-" if low is None else f"{100 * low:.1f}-{100 * high:.1f}%"


@qa_app.command("sample")
def sample_cmd(
    name: CorpusArg,
    size: Annotated[int, typer.Option("--size", "-n", help="Links to sample, spread over the score bands.")],
    seed: Annotated[
        int | None, typer.Option("--seed", help="The same seed draws the same sample (default: a new one).")
    ] = None,
    pairs: Annotated[int, typer.Option("--pairs", help="Machine-decided pairs to sample too.", min=0)] = 20,
    decision: Annotated[
        str, typer.Option(help="Pairs with these decisions, as `corpus export --decision` takes them.")
    ] = ",".join(ACCEPTED),
    min_pair_score: Annotated[
        float | None, typer.Option("--min-pair-score", help="As `corpus export --min-pair-score`.")
    ] = None,
    one_to_one: Annotated[
        bool, typer.Option("--one-to-one", help="As `corpus export --one-to-one`.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Draw even if marked items leave the sample (marks are kept).")
    ] = False,
    root: RootOpt = None,
) -> None:
    """Draw a random sample of the links `corpus export` writes, stratified by link score, plus some of the
    pairs the machine decided; marks already made on items still drawn are kept."""
    with user_errors():
        folder = _open(name, root)
        options = CorpusExportOptions(
            decisions=corpus.parse_decisions(decision) or (),
            min_pair_score=min_pair_score,
            one_to_one=one_to_one,
        )
        drawn = qa.draw(folder, size, seed, pairs, options, force)
        _, meta = qa.read_sample(folder)
    table = Table(title=f"QA sample of {esc(folder.name)} (seed {meta['seed']})")
    for col in ("band", "links exported", "sampled"):
        table.add_column(col, justify="right" if col != "band" else "left")
    for label, count in meta["bands"].items():
        table.add_row(label, f"{count:,}", str(int((drawn["band"] == label).sum())))
    table.add_row(qa.PAIR_BAND, "", str(int((drawn["kind"] == "pair").sum())))
    common.console.print(table)
    common.console.print(
        f"{len(drawn)} items: list them with `workbench corpus qa show {esc(folder.name)}`, mark each "
        f"with `workbench corpus qa mark {esc(folder.name)} ITEM right|wrong|partial|skip`"
    )


@qa_app.command("show")
def show_cmd(
    name: CorpusArg,
    unmarked: Annotated[bool, typer.Option("--unmarked", help="Only items not marked yet.")] = False,
    limit: Annotated[int, typer.Option(help="Items to print.", min=1)] = 20,
    root: RootOpt = None,
) -> None:
    """The sampled items with both sides and the pair's titles, and their marks."""
    with user_errors():
        frame = qa.items(_open(name, root))
    if unmarked:
        frame = frame[frame["mark"].isna()]
    table = Table(title=f"{len(frame)} items" + (f" (first {limit})" if len(frame) > limit else ""))
    for col in ("item", "id", "band", "score", "source", "target", "mark"):
        table.add_column(col, overflow="fold")
    for row in frame.head(limit).itertuples(index=False):
        titles = f"[{row.src_title}]\n" if row.kind == "pair" else ""
        mark = (row.mark or "") + (" (texts changed)" if row.changed else "")
        table.add_row(
            str(row.item),
            row.id,
            row.band,
            _score(row.score),
            cell(f"{titles}{row.src_text}"),
            cell((f"[{row.tgt_title}]\n" if titles else "") + row.tgt_text),
            mark,
        )
    common.console.print(table)


@qa_app.command("mark")
def mark_cmd(
    name: CorpusArg,
    item: Annotated[str, typer.Argument(help="The item's number or id (`corpus qa show` lists them).")],
    value: Annotated[str, typer.Argument(metavar="right|wrong|partial|skip|clear", help="The mark.")],
    root: RootOpt = None,
) -> None:
    """Mark one sampled link (or pair) right, wrong, partial or skip (clear forgets the mark)."""
    with user_errors():
        row = qa.mark(_open(name, root), item, value)
    common.console.print(
        f"item {row['item']} ({row['id']}, {esc(row['tgt_id'])}): {row['mark'] or 'cleared'}"
    )


@qa_app.command("report")
def report_cmd(
    name: CorpusArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a PNG of precision and links kept per --min-score.")
    ] = None,
    min_score: Annotated[
        list[float] | None,
        typer.Option(
            "--min-score", help="A link-score threshold to estimate (repeatable; default 0.5-0.95)."
        ),
    ] = None,
    partial: Annotated[
        float,
        typer.Option("--partial", help="What a partial mark counts: 0.5 (default), 0 as wrong, 1 as right."),
    ] = 0.5,
    root: RootOpt = None,
) -> None:
    """The precision the marks measure: per link-score band with 95% Wilson intervals, overall (bands
    weighted by their share of the exported links), per --min-score with the links kept, and the pairs."""
    with user_errors():
        result = qa.report(_open(name, root), partial, min_score)
        if plot is not None:
            qa.plot(result, plot)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    bands = Table(title=f"corpus {esc(result.corpus)}: link precision by score band")
    for col in ("band", "links", "sampled", "right", "partial", "wrong", "skip", "stale", "precision", "95%"):
        bands.add_column(col, justify="left" if col == "band" else "right")
    for t in [*result.bands, result.pairs]:
        bands.add_row(
            t.label,
            f"{t.links:,}",
            *(str(x) for x in (t.sampled, t.right, t.partial, t.wrong, t.skip, t.stale)),
            _percent(t.precision),
            _interval(t.low, t.high),
        )
    common.console.print(bands)
    thresholds = Table(title="by --min-score (bands weighted by the links kept)")
    for col in ("--min-score", "links kept", "marks", "precision", "95%", "not measured"):
        thresholds.add_column(col, justify="right")
    for e in result.thresholds:
        thresholds.add_row(
            f"{e.min_score:g}",
            f"{e.kept:,}",
            str(e.marked),
            _percent(e.precision),
            _interval(e.low, e.high),
            f"{e.unmeasured:,}",
        )
    common.console.print(thresholds)
    o = result.overall
    common.console.print(
        f"overall: {_percent(o.precision)} ({_interval(o.low, o.high)}) of {o.kept:,} links, from "
        f"{o.marked} marks; {result.unmarked} of {result.sampled} items unmarked; a partial counts "
        f"{result.partial_weight:g}"
    )
    for s in result.stale:
        common.console.print(
            f"[yellow]stale:[/] item {s['item']} ({s['id']}, {esc(s['tgt_id'])}): {s['why']}"
        )
    if result.stale:
        common.console.print("draw the sample again with the same --seed, then mark the stale items again")
    if plot is not None:
        common.console.print(f"-> {esc(plot)}")
