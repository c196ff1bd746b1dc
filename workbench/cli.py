"""The ``workbench`` command line: a thin shell over the library."""

from __future__ import annotations

import logging
import shutil
import time
from datetime import date as Date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from workbench import __version__, alignments, texts
from workbench import evaluate as ev
from workbench.align import PRESETS, AlignError
from workbench.embed import EmbeddingError
from workbench.workspace import (
    ReviewedWorkError,
    Workspace,
    align_version,
    alignment_status,
    make_aligner,
    resolve_models,
)

app = typer.Typer(
    help="Translation and sentence-alignment workbench: keep articles and their translations, "
    "align every translation to the English sentence by sentence, review and export.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)
USER_ERRORS = (
    texts.TextsError,
    alignments.AlignmentError,
    AlignError,
    EmbeddingError,
    ReviewedWorkError,
    FileNotFoundError,
    ev.GoldFormatError,
    ValueError,
)

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


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc}")
    return typer.Exit(code=1)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def _print_version(value: bool) -> None:
    if value:
        console.print(f"workbench {__version__}")
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
        handlers=[RichHandler(console=err, show_path=False)],
    )


@app.command("list")
def list_cmd(
    article: Annotated[str | None, typer.Argument(help="Only this article.")] = None, root: RootOpt = None
) -> None:
    """List articles, their text versions and the state of each alignment."""
    ws = Workspace.find(root)
    try:
        arts = [ws.article(article)] if article else ws.articles()
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    table = Table(title=f"{len(arts)} article(s) in {ws.texts}")
    table.add_column("article", overflow="fold", min_width=20)
    for col in ("version", "lang", "kind"):
        table.add_column(col, no_wrap=True)
    table.add_column("origin", ratio=1)
    table.add_column("alignment", no_wrap=True)
    for art in arts:
        for i, v in enumerate(art.versions):
            state = "-" if v.kind == "source" else alignment_status(ws, art, v.id)
            table.add_row(art.id if i == 0 else "", v.id, v.language, v.kind, v.origin, state)
        table.add_section()
    console.print(table)


@app.command()
def add(
    file: Annotated[
        Path, typer.Argument(help="Text file: one paragraph a line; the first line is the title.")
    ],
    article: Annotated[str, typer.Option("--article", "-a", help="Article id (created if new).")],
    lang: Annotated[str, typer.Option("--lang", "-l", help="Language, BCP-47 (en, ko, es, zh-Hans, ...).")],
    kind: Annotated[str, typer.Option(help="source, human or machine.")] = "human",
    origin: Annotated[str, typer.Option(help="Who made it: publisher or translator; engine and model.")] = "",
    tag: Annotated[str | None, typer.Option(help="File tag: <lang>.<tag>.txt (default: the kind).")] = None,
    official: Annotated[bool, typer.Option(help="Published by the publisher itself.")] = False,
    title: Annotated[str | None, typer.Option(help="Title of a new article (default: first line).")] = None,
    date: Annotated[str | None, typer.Option(help="Publication date of a new article, YYYY-MM-DD.")] = None,
    publisher: Annotated[str, typer.Option(help="Publisher of a new article.")] = "",
    url: Annotated[str, typer.Option(help="Source URL of a new article.")] = "",
    replace: Annotated[
        bool, typer.Option(help="Replace an existing version with the same file name.")
    ] = False,
    lang_check: Annotated[
        bool, typer.Option(help="Refuse a text whose script does not fit --lang (e.g. --lang ko on English).")
    ] = True,
    root: RootOpt = None,
) -> None:
    """Add a text version to an article, creating the article if needed. Detects the file's encoding."""
    ws = Workspace.find(root)
    new_folder: Path | None = None
    try:
        if not file.is_file():
            raise texts.TextsError(f"{file}: no such file")
        size = file.stat().st_size
        if size > texts.MAX_TEXT_BYTES:
            raise texts.TextsError(
                f"{file} is {size / 1e6:.0f} MB; the limit is "
                f"{texts.MAX_TEXT_BYTES / 1e6:.0f} MB a text: split it into articles"
            )
        text = texts.decode_text_file(file.read_bytes(), str(file))
        ws.texts.mkdir(parents=True, exist_ok=True)
        if not (ws.texts / article).is_dir():
            first = text.strip().split("\n", 1)[0].strip()
            new_folder = texts.create_article(
                ws.texts,
                article,
                title or first,
                date=Date.fromisoformat(date) if date else None,
                publisher=publisher,
                source_url=url,
            ).path
        version = texts.add_version(
            ws.texts,
            article,
            text,
            language=lang,
            kind=kind,
            origin=origin or file.name,
            tag=tag,
            official=official,
            replace=replace,
            check_script=lang_check,
        )
    except USER_ERRORS as exc:
        if new_folder is not None:  # do not leave an empty article behind
            shutil.rmtree(new_folder, ignore_errors=True)
        raise _fail(exc) from exc
    if new_folder is not None:
        console.print(f"created article [bold]{article}[/]")
    console.print(
        f"added [bold]{version.id}[/] ({version.language}, {version.kind}) to {article}: "
        f"{ws.texts / article / version.file}"
    )


@app.command()
def align(
    articles: Annotated[list[str] | None, typer.Argument(help="Article ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Align every article.")] = False,
    target: Annotated[list[str] | None, typer.Option("--target", "-t", help="Only these versions.")] = None,
    preset: PresetOpt = None,
    model: ModelOpt = None,
    force: Annotated[
        bool, typer.Option(help="Re-align even where beads were reviewed (keeps a .bak).")
    ] = False,
    root: RootOpt = None,
) -> None:
    """Align each translation of the articles to their source; writes alignments/<article>/<version>.json."""
    ws = Workspace.find(root)
    try:
        if all_:
            arts = ws.articles()
        elif articles:
            arts = [ws.article(a) for a in articles]
        else:
            raise texts.TextsError("name one or more articles, or use --all")
        names, params = resolve_models(preset, model)
        bar = _progress()
        aligner = make_aligner(names, params, on_embed=_embed_reporter(bar))
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    jobs = [(a, v.id) for a in arts for v in a.translations() if not target or v.id in target]
    if not jobs:
        raise _fail(texts.TextsError("nothing to align: no translations match"))
    failures = 0
    start = time.perf_counter()
    with bar:
        task = bar.add_task("aligning", total=len(jobs))
        for art, version in jobs:
            bar.update(task, description=f"{art.id} {version}")
            try:
                rec = align_version(ws, art, version, aligner, "+".join(names), force=force)
            except USER_ERRORS as exc:
                failures += 1
                err.print(f"[red]{art.id} {version}:[/] {exc}")
            else:
                low = sum(1 for link in rec.links if link.score < 0.5)
                bar.console.print(
                    f"{art.id} {version}: {len(rec.links)} beads, {low} below 0.5 "
                    f"-> {ws.alignment_path(art.id, version)}"
                )
            bar.advance(task)
    err.print(f"aligned {len(jobs) - failures} of {len(jobs)} in {time.perf_counter() - start:.1f}s")
    if failures:
        raise typer.Exit(code=1)


def _embed_reporter(bar: Progress):
    """A callback that shows embedding progress (cache misses only) as a second bar."""
    tasks: dict[str, int] = {}

    def report(model: str, done: int, total: int) -> None:
        if model not in tasks:
            tasks[model] = bar.add_task(f"embedding ({model})", total=total)
        bar.update(tasks[model], completed=done, total=total, visible=done < total)

    return report


def _score_style(score: float) -> str:
    return "red" if score < 0.5 else "yellow" if score < 0.8 else "green"


@app.command()
def show(
    article: Annotated[str, typer.Argument(help="Article id.")],
    target: Annotated[
        str | None, typer.Option("--target", "-t", help="Version (default: the only one).")
    ] = None,
    below: Annotated[float | None, typer.Option(help="Only beads with confidence below this.")] = None,
    root: RootOpt = None,
) -> None:
    """Print an alignment: the aligned sentences side by side with each bead's confidence."""
    ws = Workspace.find(root)
    try:
        art = ws.article(article)
        if target is None:
            options = [v.id for v in art.translations()]
            if len(options) != 1:
                raise texts.TextsError(
                    f"{article} has versions {', '.join(options) or 'none'}: choose one with --target"
                )
            target = options[0]
        art.version(target)
        path = ws.alignment_path(article, target)
        if not path.exists():
            raise texts.TextsError(f"{article} {target} is not aligned yet: run `workbench align {article}`")
        rec = alignments.load_alignment(path)
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    src = {s.id: s.text for s in rec.source.sentences}
    tgt = {s.id: s.text for s in rec.target.sentences}
    table = Table(
        title=f"{article}: {rec.source.version} -> {rec.target.version} ({rec.model}, revision "
        f"{rec.revision})",
        show_lines=True,
    )
    table.add_column("#", justify="right")
    table.add_column(rec.source.version, ratio=1, overflow="fold")
    table.add_column(rec.target.version, ratio=1, overflow="fold")
    table.add_column("conf", justify="right")
    table.add_column("status")
    for i, link in enumerate(rec.links, 1):
        if below is not None and link.score >= below:
            continue
        table.add_row(
            str(i),
            " ".join(src[s] for s in link.src),
            " ".join(tgt[t] for t in link.tgt),
            f"[{_score_style(link.score)}]{link.score:.2f}[/]",
            link.status,
        )
    console.print(table)
    state = alignment_status(ws, art, target)
    if state == "stale":
        err.print("[yellow]warning:[/] a text changed since this alignment was made; re-align it.")


@app.command("eval")
def eval_cmd(
    gold: Annotated[Path, typer.Option(help="Folder of gold files, one bead a line: [0, 1]:[2].")],
    src: Annotated[Path, typer.Option(help="Folder of source documents, one sentence a line.")],
    tgt: Annotated[Path, typer.Option(help="Folder of target documents, one sentence a line.")],
    preset: PresetOpt = None,
    model: ModelOpt = None,
    output: Annotated[
        Path | None, typer.Option(help="Write the system's beads here, one file a document.")
    ] = None,
    docs: Annotated[
        str | None, typer.Option(help="Only documents whose names start with this, e.g. test.")
    ] = None,
) -> None:
    """Align pre-split documents and score them against gold beads (strict and lax precision, recall, F1)."""
    try:
        names = [n for n in ev.eval_documents(gold, src, tgt) if not docs or n.startswith(docs)]
        if not names:
            raise FileNotFoundError(f"no documents start with {docs!r}")
        model_names, params = resolve_models(preset, model)
        bar = _progress()
        aligner = make_aligner(model_names, params, on_embed=_embed_reporter(bar))
        total = ev.Counts()
        rows = []
        start = time.perf_counter()
        with bar:
            task = bar.add_task("aligning", total=len(names))
            for name in names:
                bar.update(task, description=name)
                beads = aligner.align(ev.read_lines(src / name), ev.read_lines(tgt / name))
                system = [(b.src, b.tgt) for b in beads]
                counts = ev.score(
                    system, ev.parse_beads((gold / name).read_text(encoding="utf-8"), str(gold / name))
                )
                total = total + counts
                rows.append((name, counts))
                if output:
                    output.mkdir(parents=True, exist_ok=True)
                    (output / name).write_text(ev.format_beads(system), encoding="utf-8")
                bar.advance(task)
        seconds = time.perf_counter() - start
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    table = Table(title=f"{'+'.join(model_names)} on {len(names)} document(s), {seconds:.1f}s")
    for col in ("document", "strict P", "strict R", "strict F1", "lax P", "lax R", "lax F1"):
        table.add_column(col, justify="right" if col != "document" else "left")
    for name, counts in [*rows, ("all", total)]:
        s = counts.scores()
        table.add_row(
            name, *(f"{s[k]:.3f}" for k in ("strict_p", "strict_r", "strict_f1", "lax_p", "lax_r", "lax_f1"))
        )
    console.print(table)


# --- translate, models, compare (machine translation) ---


# --- export (parallel corpus) ---


# --- app (review app) ---


if __name__ == "__main__":
    app()
