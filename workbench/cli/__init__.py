"""The ``workbench`` command line: a thin shell over the library.

This module builds the typer ``app`` (the ``workbench`` entry point) and registers the commands of each
group's module: ``articles`` (list, add, align, show, eval), ``translate`` (translate, models),
``compare``, ``exporting`` (export), ``appcmd`` (app) and ``corpus``. What they share (consoles, the one
handler of user errors, options) is ``common``.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.logging import RichHandler

from workbench import __version__
from workbench.cli import articles, common, compare, exporting, pairprob, tells, translate
from workbench.cli.appcmd import app_cmd, app_command
from workbench.cli.corpus import corpus_app
from workbench.cli.qa import qa_app

__all__ = ["app", "app_command"]

app = typer.Typer(
    help="Translation and sentence-alignment workbench: keep articles and their translations, "
    "align every translation to the English sentence by sentence, review and export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # a bug's traceback without every local (texts can be large)
)


def _print_version(value: bool) -> None:
    if value:
        common.console.print(f"workbench {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=common.err, show_path=False)],
    )


# In the order of `workbench --help` (commands, then groups).
app.command("list")(articles.list_cmd)
app.command("add")(articles.add)
app.command("align")(articles.align)
app.command("show")(articles.show)
app.command("eval")(articles.eval_cmd)
app.command("translate")(translate.translate_cmd)
app.add_typer(translate.models_app, name="models")
app.command("compare")(compare.compare_cmd)
app.command("export")(exporting.export_cmd)
app.command("app")(app_cmd)
tells.register(corpus_app)  # corpus search, variants, glossary, divergence
corpus_app.command("refit")(pairprob.refit_cmd)
corpus_app.add_typer(qa_app, name="qa")
app.add_typer(corpus_app, name="corpus")
