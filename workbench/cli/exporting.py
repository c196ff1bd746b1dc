"""``workbench export``: a parallel corpus from the saved alignments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.cli import common
from workbench.cli.common import RootOpt, esc, export_table, progress_bar, user_errors
from workbench.workspace import Workspace


def export_cmd(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Output file. Moses: a prefix (PATH.en-es.en, PATH.en-es.es, PATH.en-es.ids per "
            "language pair) or a .zip holding them.",
        ),
    ],
    articles: Annotated[list[str] | None, typer.Argument(help="Article ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Export every article.")] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="tmx, moses, tsv, jsonl, parquet, or the Hugging Face datasets layout hf-jsonl or "
            "hf-parquet (default: from --out's extension).",
        ),
    ] = None,
    status: Annotated[
        str,
        typer.Option(
            help="confirmed: only beads a person confirmed or edited (the default); "
            "any: unreviewed auto links too."
        ),
    ] = "confirmed",
    min_score: Annotated[
        float | None, typer.Option("--min-score", help="Only beads with at least this confidence (0-1).")
    ] = None,
    langs: Annotated[
        str | None,
        typer.Option(
            help="Target languages, comma-separated, e.g. ko,es (default: all); English comes along."
        ),
    ] = None,
    kind: Annotated[str, typer.Option(help="Only translations of this kind: human, machine or any.")] = "any",
    allow_stale: Annotated[
        bool,
        typer.Option(
            "--allow-stale", help="Also export alignments whose texts changed since they were made."
        ),
    ] = False,
    one_to_one: Annotated[
        bool, typer.Option("--one-to-one", help="Only beads of one sentence on each side (1-1).")
    ] = False,
    root: RootOpt = None,
) -> None:
    """Write a parallel corpus from the saved alignments: one pair per bead with both sides, with its
    sentence ids. 1-0 and 0-1 beads, and stale or corrupt alignments, are skipped and counted."""
    from workbench.export import articles as ex

    ws = Workspace.find(root)
    with user_errors():
        if all_ and articles:
            raise ex.ExportError("name articles or use --all, not both")
        if not all_ and not articles:
            raise ex.ExportError("name one or more articles, or use --all")
        options = ex.ExportOptions(
            status=status,
            min_score=min_score,
            langs=tuple(x.strip() for x in langs.split(",") if x.strip()) if langs is not None else None,
            kind=kind,
            allow_stale=allow_stale,
            one_to_one=one_to_one,
        )
        fmt = ex.check_format(fmt) if fmt else ex.format_for_path(out)
        bar = progress_bar()
        tasks: list = []

        def progress(done: int, total: int, label: str) -> None:
            if not tasks:
                tasks.append(bar.add_task("exporting", total=total))
            bar.update(tasks[0], completed=done, description=esc(label) if done < total else "exported")

        try:
            with bar:
                report = ex.export_workspace(ws, None if all_ else articles, fmt, out, options, progress)
        except ex.NothingToExportError as exc:  # what was skipped, and why, before the error
            common.console.print(export_table(exc.report, "nothing exported"))
            raise
    unit = {"tmx": "translation units", "moses": "line pairs"}.get(fmt, "rows")
    common.console.print(
        export_table(report, f"{report.written} beads written as {report.units} {unit} ({fmt})")
    )
    for path in report.files:
        common.console.print(f"-> {esc(path)}")
