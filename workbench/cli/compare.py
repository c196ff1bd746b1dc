"""``workbench compare``: a machine translation against a human one (chrF)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from workbench.cli import common
from workbench.cli.common import ModelOpt, PresetOpt, RootOpt, cell, esc, user_errors
from workbench.workspace import Workspace


def compare_cmd(
    article: Annotated[str, typer.Argument(help="Article id.")],
    human: Annotated[str, typer.Option("--human", help="The human version, e.g. es.kcna.")],
    machine: Annotated[str, typer.Option("--machine", help="The machine version, e.g. es.apertium.")],
    top: Annotated[int, typer.Option(help="How many of the most different sentences to list.")] = 5,
    preset: PresetOpt = None,
    model: ModelOpt = None,
    root: RootOpt = None,
) -> None:
    """chrF of a machine translation against a human one, per English sentence and overall."""
    from functools import partial

    from workbench.compare import compare_versions, default_aligner

    ws = Workspace.find(root)
    with user_errors():
        factory = partial(default_aligner, preset, model)
        result = compare_versions(ws, article, human, machine, aligner_factory=factory)
    table = Table(title=f"{esc(article)}: {esc(machine)} against {esc(human)} (chrF)", show_lines=True)
    table.add_column("source", no_wrap=True)
    for name in (result.source, human, machine):
        table.add_column(cell(name), ratio=1, overflow="fold")
    table.add_column("chrF", justify="right")
    for row in result.rows:
        cells = (" ".join(row.source_ids), row.source, row.human, row.machine)
        table.add_row(*map(cell, cells), f"{row.chrf:.1f}")
    common.console.print(table)
    for vid, how in result.alignments.items():
        common.err.print(f"{esc(vid)}: {esc(how)}")
    common.console.print(f"overall chrF: [bold]{result.chrf:.1f}[/] over {len(result.rows)} sentence(s)")
    if top > 0:
        common.console.print(f"where {esc(human)} departs most from {esc(machine)}:")
        for row in result.most_different(top):
            common.console.print(f"  {esc(' '.join(row.source_ids))}  chrF {row.chrf:.1f}: {esc(row.source)}")
