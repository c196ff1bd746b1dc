"""``workbench translate`` and ``workbench models``: machine translation with Argos Translate or Apertium."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from workbench.cli import common
from workbench.cli.common import RootOpt, cell, chosen_articles, esc, progress_bar, user_errors
from workbench.workspace import Workspace

models_app = typer.Typer(help="Argos Translate models: list and install.", no_args_is_help=True)


def translate_cmd(
    articles: Annotated[list[str] | None, typer.Argument(help="Article ids.")] = None,
    to: Annotated[str, typer.Option("--to", help="Target language, e.g. ko, es, zh.")] = "",
    engine: Annotated[str, typer.Option("--engine", "-e", help="argos (default) or apertium.")] = "argos",
    all_: Annotated[bool, typer.Option("--all", help="Every article that lacks this translation.")] = False,
    force: Annotated[bool, typer.Option(help="Translate again where the translation exists.")] = False,
    beam_size: Annotated[int, typer.Option(help="Beam size (argos).")] = 4,
    batch_size: Annotated[int, typer.Option(help="Sentences per CTranslate2 batch (argos).")] = 32,
    max_length: Annotated[
        int, typer.Option(help="Most tokens a translated sentence may have (argos; stops runaway output).")
    ] = 256,
    root: RootOpt = None,
) -> None:
    """Machine-translate articles into <to>.<engine>.txt (e.g. ko.argos) with provenance and a 1-1 alignment.

    Finished articles are skipped (unless --force), so an interrupted run resumes where it stopped.
    """
    from workbench.translate import job as mt

    ws = Workspace.find(root)
    options = {"beam_size": beam_size, "batch_size": batch_size, "max_decoding_length": max_length}
    with user_errors():
        arts = chosen_articles(ws, articles, all_)
        batch = mt.plan_batch(ws, arts, to, engine, force=force, every=all_, options=options)
    for lang, eng in batch.engines.items():
        common.err.print(f"{esc(lang)} -> {esc(to)}: {esc(eng.provenance().origin)}")
    for article_id, exc in batch.failed:
        common.err.print(f"[red]{esc(article_id)}:[/] {esc(exc)}")
    failures = len(batch.failed)
    if batch.skipped:
        common.err.print(
            f"{len(batch.skipped)} article(s) already translated into {esc(to)} by {esc(engine)}: skipped "
            "(--force: redo)"
        )
    bar = progress_bar()
    done = 0
    start = time.perf_counter()
    try:
        with bar:
            a_task = bar.add_task("articles", total=len(batch.todo))
            s_task = bar.add_task("sentences", total=batch.sentences)
            for plan, result in mt.run_batch(ws, batch, lambda d, t: bar.update(s_task, completed=d)):
                bar.update(a_task, description=esc(plan.article.id), advance=1)
                if isinstance(result, Exception):
                    failures += 1
                    common.err.print(f"[red]{esc(plan.article.id)}:[/] {esc(result)}")
                else:
                    done += 1
                    bar.console.print(
                        f"{esc(plan.article.id)}: {result.sentences} sentences, {result.paragraphs} "
                        f"paragraphs -> {esc(result.path)}"
                    )
    except KeyboardInterrupt:
        common.err.print(
            f"interrupted after {done} of {len(batch.todo)} article(s); run the same command again to resume"
        )
        raise typer.Exit(code=130) from None
    common.err.print(
        f"translated {done} of {len(batch.todo)} article(s) in {time.perf_counter() - start:.1f}s"
    )
    if failures:
        raise typer.Exit(code=1)


@models_app.command("list")
def models_list() -> None:
    """Installed Argos packages, the language pairs they serve (through English too), Apertium pairs."""
    from workbench.translate import argos_models as mt
    from workbench.translate.engines import apertium_modes

    with user_errors():
        packages = mt.installed_packages()
    table = Table(title=f"{len(packages)} Argos package(s) in {esc(mt.argos_packages_dir())}")
    for col in ("package", "pair", "languages", "version"):
        table.add_column(col)
    for p in packages:
        table.add_row(*map(cell, (p.name, p.pair, f"{p.from_name} -> {p.to_name}", p.version)))
    common.console.print(table)
    pairs = mt.served_pairs(packages)
    if pairs:
        served = Table(title="pairs served (workbench translate --to ...)")
        for col in ("from", "to", "how", "packages"):
            served.add_column(col)
        for pair in pairs:
            names = " + ".join(p.name for p in pair.packages)
            served.add_row(*map(cell, (pair.from_code, pair.to_code, pair.via, names)))
        common.console.print(served)
    else:
        common.console.print(
            "No Argos models installed: `workbench models install en ko` (network) or "
            "`workbench models install ./translate-en_ko.argosmodel` (a downloaded file)."
        )
    modes = apertium_modes()
    common.console.print(
        f"Apertium (--engine apertium): {esc(', '.join(modes)) if modes else 'not installed'}"
    )


@models_app.command("install")
def models_install(
    what: Annotated[
        list[str], typer.Argument(help="FROM TO (download from the Argos index) or FILE.argosmodel.")
    ],
) -> None:
    """Install an Argos model: `models install en ko` (from the index) or `models install ./x.argosmodel`."""
    from workbench.translate import argos_models as mt
    from workbench.translate.errors import TranslateError

    with user_errors():
        if len(what) == 1:
            installed = [mt.install_from_file(Path(what[0]))]
        elif len(what) == 2:
            installed = mt.install_from_index(what[0], what[1])
        else:
            raise TranslateError("give FROM TO (e.g. `en ko`) or the path of one .argosmodel file")
    for pkg in installed:
        common.console.print(
            f"installed [bold]{esc(pkg.name)}[/] ({esc(pkg.pair)}, version {esc(pkg.version)}) "
            f"in {esc(pkg.path)}"
        )
