"""What every command group of the CLI shares: the consoles, user text made safe for the terminal, the one
handler of user errors, progress bars and the common options.

The consoles live here only: commands print through ``common.console`` and ``common.err`` (read when
called, so that tests can replace them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from workbench.align.aligner import PRESETS
from workbench.errors import WorkbenchError
from workbench.store import texts
from workbench.workspace import Workspace

console = Console()
err = Console(stderr=True)
USER_ERRORS = (WorkbenchError,)  # anything else is a bug: it shows its traceback

RootOpt = Annotated[
    Path | None,
    typer.Option(
        "--root",
        help="Workbench folder (holds texts/ and alignments/). "
        "Default: $WORKBENCH_ROOT or the current folder.",
    ),
]
PresetOpt = Annotated[
    str | None,
    typer.Option(
        "--preset", help=f"Model preset: {', '.join(PRESETS)} (fast = use-m3; accurate = use-m3+e5-small)."
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Embedding model(s), '+'-joined: use-m3, e5-small, "
        "st:<name-or-path>. Overrides the preset's models.",
    ),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        help="An aligner setting on top of the preset's, KEY=VALUE (repeatable), e.g. subsumed=0.2; "
        "the settings are workbench.align.aligner.AlignParams' fields.",
    ),
]

# Control characters (ESC included) never go to the terminal as they are: they are shown as \xNN.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(value: object) -> str:
    """User text (a sentence, an origin, a file name, a message quoting them) safe for the terminal."""
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def esc(value: object) -> str:
    """User text inside a rich markup string: escaped, so that "[/]" or "[bold]" in it print as they are."""
    return escape(plain(value))


def cell(value: object) -> Text:
    """User text as a table cell or header (never read as markup)."""
    return Text(plain(value))


def fail(exc: Exception) -> typer.Exit:
    """Print ``error: <exc>`` and return the exit (code 1) to raise."""
    err.print(f"[bold red]error:[/] {esc(exc)}")
    return typer.Exit(code=1)


@contextmanager
def user_errors(*also: type[Exception]) -> Iterator[None]:
    """Turn a user error raised inside (a WorkbenchError, or one of ``also``) into ``error: <message>`` and
    exit code 1; anything else is a bug and goes on with its traceback."""
    try:
        yield
    except (*USER_ERRORS, *also) as exc:
        raise fail(exc) from exc


def progress_bar() -> Progress:
    """A progress display on stderr."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def embed_reporter(bar: Progress):
    """A callback that shows embedding progress (cache misses only) as a second bar."""
    tasks: dict[str, int] = {}

    def report(model: str, done: int, total: int) -> None:
        if model not in tasks:
            tasks[model] = bar.add_task(f"embedding ({esc(model)})", total=total)
        bar.update(tasks[model], completed=done, total=total, visible=done < total)

    return report


def chosen_articles(ws: Workspace, articles: list[str] | None, all_: bool) -> list[texts.Article]:
    """The articles named, or every one with ``--all``; TextsError when there are neither."""
    if all_:
        return ws.articles()
    if articles:
        return [ws.article(a) for a in articles]
    raise texts.TextsError("name one or more articles, or use --all")


def export_table(report, title: str) -> Table:
    """What an export wrote and what it skipped, and why."""
    table = Table(title=esc(title))
    table.add_column("")
    table.add_column("beads", justify="right")
    table.add_column("alignments", justify="right")
    table.add_row("written", str(report.written), str(report.alignments))
    for reason, beads, files in report.reasons():
        table.add_row(cell(f"skipped: {reason}"), str(beads) if beads else "", str(files) if files else "")
    return table
