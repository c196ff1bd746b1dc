"""``workbench corpus search|variants|glossary|divergence``: what a corpus tells (a thin shell over
``workbench.corpus.concordance``, ``variants`` and ``divergence``). The commands are plain functions,
registered into the ``corpus`` group as ``corpus_app.command("search")(search_cmd)`` and so on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from workbench import corpus
from workbench.cli import common
from workbench.cli.common import RootOpt, user_errors
from workbench.workspace import Workspace

__all__ = ["divergence_cmd", "glossary_cmd", "register", "search_cmd", "variants_cmd"]

CorpusArg = Annotated[str, typer.Argument(help="Corpus name (under corpora/) or the path of its folder.")]
MATCH = "bold black on yellow"


def _open(root: Path | None, name: str):
    return corpus.open_corpus(Workspace.find(root).root, name)


def _marked(text: str, spans) -> Text:
    out = Text(text)
    for start, end in spans:
        out.stylize(MATCH, start, end)
    return out


def search_cmd(
    name: CorpusArg,
    query: Annotated[str, typer.Argument(help="A word or phrase (or, with --regex, a regular expression).")],
    side: Annotated[str, typer.Option("--side", help="Search the src, tgt or both sides.")] = "both",
    regex: Annotated[bool, typer.Option("--regex", help="The query is a regular expression.")] = False,
    word: Annotated[bool, typer.Option("--word", help="Whole words only.")] = False,
    min_score: Annotated[
        float | None, typer.Option("--min-score", help="Only links with at least this confidence (0-1).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many hits.", min=1)] = 20,
    root: RootOpt = None,
) -> None:
    """A parallel concordance: the sentence links whose source or target matches QUERY (case ignored),
    with the match highlighted and the counterpart beside it."""
    from workbench.corpus.concordance import search

    with user_errors():
        result = search(_open(root, name), query, side, regex, word, min_score, limit)
    for hit in result.hits:
        common.console.print(
            f"[bold]{hit.tgt_id}[/] ← {hit.src_id}  link {hit.link} ({hit.kind}, score {hit.score:.2f})"
            f"  {hit.date or ''}",
            highlight=False,
        )
        common.console.print(Text("  src: ") + _marked(hit.src_text or "—", hit.src_spans))
        common.console.print(Text("  tgt: ") + _marked(hit.tgt_text or "—", hit.tgt_spans))
    shown = len(result.hits)
    more = f" (showing {shown}; --limit to see more)" if result.total > shown else ""
    common.console.print(f"{result.total} matching link(s){more}", highlight=False)


def variants_cmd(
    name: CorpusArg,
    term: Annotated[str, typer.Argument(help='A source-language term, e.g. "Supreme People\'s Assembly".')],
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many renderings.", min=1)] = 15,
    root: RootOpt = None,
) -> None:
    """How TERM was translated: its renderings over the corpus (from word alignments learnt with eflomal,
    cached in the corpus folder) with counts, shares, first and last dates and an example link each."""
    from workbench.corpus.variants import variants

    with user_errors():
        folder = _open(root, name)
        with common.err.status("word-aligning the corpus's links (eflomal; cached afterwards)"):
            result = variants(folder, term)
    if not result.occurrences:
        common.console.print(f"{escape(term)!r} does not occur in the source side of {folder.name}")
        return
    table = Table(
        title=f"{escape(result.term)}: {result.occurrences} occurrence(s), {result.unaligned} unaligned"
    )
    for column in ("rendering", "count", "share", "first", "last", "example"):
        table.add_column(column, justify="right" if column in ("count", "share") else "left")
    for v in result.variants[:limit]:
        ex = v.example
        table.add_row(
            escape(v.rendering),
            str(v.count),
            f"{v.share:.0%}",
            v.first or "",
            v.last or "",
            Text(f"{ex.tgt_id} link {ex.link}: ") + _marked(ex.tgt_text, [ex.tgt_span]),
        )
    common.console.print(table)


def glossary_cmd(
    name: CorpusArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .tsv or .tbx.")],
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="tsv or tbx (default: from --out's extension).")
    ] = None,
    min_count: Annotated[int, typer.Option("--min-count", help="Terms seen at least this often.", min=1)] = 5,
    limit: Annotated[int, typer.Option("--limit", help="At most this many terms.", min=1)] = 500,
    root: RootOpt = None,
) -> None:
    """Frequent term pairs (names, institutions, titles) with their counts and consistency (the top
    rendering's share), as TSV or TBX for CAT tools."""
    from workbench.corpus.variants import glossary, write_glossary

    with user_errors():
        folder = _open(root, name)
        with common.err.status("word-aligning the corpus's links (eflomal; cached afterwards)"):
            entries = glossary(folder, min_count, limit)
        languages = folder.manifest.get("params", {}).get("pair", {})
        src, tgt = languages.get("src", "und"), languages.get("tgt", "und")
        written = write_glossary(entries, out, src, tgt, fmt, folder.name)
    common.console.print(f"{len(entries)} term(s) written to {escape(str(out))} ({written})", highlight=False)


def divergence_cmd(
    name: CorpusArg,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Per-pair CSV; the months and kinds tables and PNG plots go beside it."
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", help="Show this many of the most abridged stories.", min=1)
    ] = 10,
    root: RootOpt = None,
) -> None:
    """What each translation leaves out (source sentences with no counterpart), adds, and rewrites (links
    far weaker than the pair's typical link), and over the archive: abridged pairs by month, the most
    abridged stories, the kinds of sentences left out."""
    from workbench.corpus.divergence import ABRIDGED, archive_report, write_report

    with user_errors():
        report = archive_report(_open(root, name), top)
        written = write_report(report, out) if out is not None else []
    months = Table(title=f"Pairs abridged (≥ {ABRIDGED:.0%} of source sentences left out)")
    for column in ("month", "pairs", "abridged", "share"):
        months.add_column(column, justify="left" if column == "month" else "right")
    for m, n, a, s in report.months:
        months.add_row(m, str(n), str(a), f"{s:.0%}")
    common.console.print(months)
    most = Table(title="Most abridged stories")
    for column in ("target", "source", "date", "left out", "added", "rewritten", "title"):
        most.add_column(column)
    for p in report.most_abridged:
        most.add_row(
            p.tgt_id,
            p.src_id,
            p.date or "",
            f"{len(p.left_out)}/{p.n_src} ({p.left_out_share:.0%})",
            f"{len(p.added)}/{p.n_tgt}",
            str(len(p.rewritten)),
            escape(p.title),
        )
    common.console.print(most)
    kinds = Table(title="Source sentences left out, by kind")
    for column in ("kind", "sentences", "left out", "rate"):
        kinds.add_column(column, justify="left" if column == "kind" else "right")
    for k, n, x, r in report.kinds:
        kinds.add_row(k, str(n), str(x), f"{r:.1%}")
    common.console.print(kinds)
    for path in written:
        common.console.print(f"wrote {escape(str(path))}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the four commands to the ``corpus`` group."""
    app.command("search")(search_cmd)
    app.command("variants")(variants_cmd)
    app.command("glossary")(glossary_cmd)
    app.command("divergence")(divergence_cmd)
