"""The pair probability in the corpus commands (issue 29, "Learn from the person"): how far the machine's
decisions agree with a person's, for ``corpus status``, and ``corpus refit``.

To register (workbench/cli/corpus.py)::

    from workbench.cli import pairprob
    corpus_app.command("refit")(pairprob.refit_cmd)
    # and at the end of _print_status(folder):
    pairprob.print_agreement(folder)
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from workbench import corpus
from workbench.cli import common
from workbench.cli.common import RootOpt, esc, user_errors
from workbench.corpus import learn
from workbench.workspace import Workspace

__all__ = ["print_agreement", "refit_cmd"]


def _share(n: int, of: int) -> str:
    return f"{n:,} of {of:,}" + (f" ({n / of:.0%})" if of else "")


def print_agreement(folder) -> None:
    """A table of how the machine's own decisions fare against a person's (nothing where the corpus holds
    no decision of a person)."""
    info = learn.agreement(folder)
    if info is None:
        return
    table = Table(title="the machine against the person's decisions")
    table.add_column("")
    table.add_column("pairs", justify="right")
    table.add_row("decided by a person, with a machine pair", f"{info['decided']:,}")
    table.add_row("  of them the person kept the machine's pair", _share(info["right"], info["decided"]))
    table.add_row("machine said auto: the person agreed", _share(info["auto_right"], info["auto"]))
    table.add_row("machine said doubtful: the person accepted", f"{info['doubtful_right']:,}")
    table.add_row("machine said none: the person accepted", f"{info['none_right']:,}")
    common.console.print(table)
    supported = info["supported_threshold"]
    which = "this corpus's refit" if info["refit"] else "the packaged model"
    said = (
        "no threshold reaches that precision"
        if supported >= 1.0
        else f"they support auto at p >= {supported:.3f}"
    )
    common.console.print(
        f"auto threshold p >= {info['threshold']:.3f} ({which}); for a precision of {learn.PRECISION} on "
        f"the person's decisions {said}. `workbench corpus refit {esc(folder.name)}` fits the "
        "probability again on the development gold plus these decisions."
    )


def refit_cmd(
    name: Annotated[str, typer.Argument(help="Corpus name (under corpora/) or the path of its folder.")],
    root: RootOpt = None,
) -> None:
    """Fit the pair probability again on the development gold plus this corpus's decisions by a person,
    keep it in the corpus (never in the package), and decide the machine's pairs again with it."""
    with user_errors():
        folder = corpus.open_corpus(Workspace.find(root).root, name)
        model, used = learn.refit(folder)
    common.console.print(
        f"refit on {model.about['examples']:,} examples ({used:,} of them this corpus's decisions): "
        f"auto at p >= {model.threshold:.3f}, none under {model.none_below:.3f}; pairs decided again"
    )
    _print_counts(folder)


def _print_counts(folder) -> None:
    counts = folder.manifest.get("pair", {}).get("decisions", {})
    if counts:
        common.console.print(", ".join(f"{k} {v:,}" for k, v in counts.items()))
