"""The ``workbench`` command line: a thin shell over the library."""

from __future__ import annotations

import logging
import re
import shutil
import time
from datetime import date as Date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from workbench import __version__
from workbench.align import evaluate as ev
from workbench.align.aligner import PRESETS
from workbench.align.factory import make_aligner, resolve_models
from workbench.errors import WorkbenchError
from workbench.store import alignments, texts
from workbench.text import encoding, language
from workbench.workspace import (
    AlignOutcome,
    Workspace,
    align_versions,
    alignment_status,
    coverage_warning,
    outcome_summary,
)

app = typer.Typer(
    help="Translation and sentence-alignment workbench: keep articles and their translations, "
    "align every translation to the English sentence by sentence, review and export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # a bug's traceback without every local (texts can be large)
)
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


def _plain(value: object) -> str:
    """User text (a sentence, an origin, a file name, a message quoting them) safe for the terminal."""
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def _t(value: object) -> str:
    """User text inside a rich markup string: escaped, so that "[/]" or "[bold]" in it print as they are."""
    return escape(_plain(value))


def _cell(value: object) -> Text:
    """User text as a table cell or header (never read as markup)."""
    return Text(_plain(value))


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[bold red]error:[/] {_t(exc)}")
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


def _chosen_articles(ws: Workspace, articles: list[str] | None, all_: bool) -> list[texts.Article]:
    if all_:
        return ws.articles()
    if articles:
        return [ws.article(a) for a in articles]
    raise texts.TextsError("name one or more articles, or use --all")


def _parse_date(value: str) -> Date:
    try:
        return Date.fromisoformat(value)
    except ValueError:
        raise texts.TextsError(f"--date {value!r} is not a date: use YYYY-MM-DD, e.g. 2011-12-15") from None


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
    table = Table(title=f"{len(arts)} article(s) in {_t(ws.texts)}")
    table.add_column("article", overflow="fold", min_width=20)
    for col in ("version", "lang", "kind"):
        table.add_column(col, no_wrap=True)
    table.add_column("origin", ratio=1)
    table.add_column("alignment", no_wrap=True)
    for art in arts:
        for i, v in enumerate(art.versions):
            state = "-" if v.kind == "source" else alignment_status(ws, art, v.id)
            cells = (art.id if i == 0 else "", v.id, v.language, v.kind, v.origin, state)
            table.add_row(*map(_cell, cells))
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
        bool,
        typer.Option(
            help="Refuse a text whose script does not fit --lang (e.g. --lang ko on English), and warn "
            "when it reads as another language (e.g. --lang es on English)."
        ),
    ] = True,
    file_encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="The file's encoding (e.g. cp1252, cp949), for a file whose encoding is not guessed right.",
        ),
    ] = None,
    root: RootOpt = None,
) -> None:
    """Add a text version to an article, creating the article if needed. Detects the file's encoding."""
    ws = Workspace.find(root)
    new_folder: Path | None = None
    try:
        texts.validate_id(article)  # before the id becomes a path
        text, used = _read_text_file(file, file_encoding)
        if used not in ("utf-8", "utf-16", "utf-16-le", "utf-16-be") and not file_encoding:
            err.print(f"note: {_t(file)} is not UTF-8: read as {_t(used)} (--encoding NAME if that is wrong)")
        ws.texts.mkdir(parents=True, exist_ok=True)
        if not (ws.texts / article).is_dir():
            first = text.strip().split("\n", 1)[0].strip()
            new_folder = texts.create_article(
                ws.texts,
                article,
                title or first,
                date=_parse_date(date) if date else None,
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
        console.print(f"created article [bold]{_t(article)}[/]")
    console.print(
        f"added [bold]{_t(version.id)}[/] ({_t(version.language)}, {_t(version.kind)}) to {_t(article)}: "
        f"{_t(ws.texts / article / version.file)}"
    )
    warning = language.language_warning(text, lang) if lang_check else None
    if warning:
        err.print(f"[yellow]warning:[/] {_t(version.id)}: {_t(warning)}")


def _read_text_file(file: Path, file_encoding: str | None) -> tuple[str, str]:
    """The decoded text of ``file`` and the encoding it was read as; TextsError saying what is wrong."""
    try:
        if file.is_dir():
            raise texts.TextsError(f"{file} is a folder, not a text file")
        if not file.exists():
            raise texts.TextsError(f"{file}: no such file")
        if not file.is_file():
            raise texts.TextsError(f"{file} is not a regular file (a device or a pipe?)")
        encoding.check_size(file.stat().st_size, str(file))
        data = file.read_bytes()
    except OSError as exc:
        raise texts.TextsError(f"cannot read {file}: {exc.strerror or exc}") from None
    return encoding.decode_text(data, str(file), file_encoding)


@app.command()
def align(
    articles: Annotated[list[str] | None, typer.Argument(help="Article ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Align every article.")] = False,
    target: Annotated[list[str] | None, typer.Option("--target", "-t", help="Only these versions.")] = None,
    preset: PresetOpt = None,
    model: ModelOpt = None,
    param: ParamOpt = None,
    force: Annotated[
        bool, typer.Option(help="Re-align even where beads were reviewed (keeps a .bak).")
    ] = False,
    missing: Annotated[
        bool, typer.Option("--missing", help="Only translations that have no alignment yet.")
    ] = False,
    anyway: Annotated[
        bool,
        typer.Option(
            "--anyway",
            help="Align texts that look wrong for it: one with five times the other's sentences (and 10 "
            "more), or a sentence over 2,000 characters.",
        ),
    ] = False,
    root: RootOpt = None,
) -> None:
    """Align each translation of the articles to their source; writes alignments/<article>/<version>.json."""
    ws = Workspace.find(root)
    try:
        arts = _chosen_articles(ws, articles, all_)
        names, params = resolve_models(preset, model, param)
        bar = _progress()
        aligner = make_aligner(names, params, on_embed=_embed_reporter(bar))
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    jobs = [(a, v.id) for a in arts for v in a.translations() if not target or v.id in target]
    if missing:
        jobs = [(a, v) for a, v in jobs if not ws.alignment_path(a.id, v).exists()]
        if not jobs:
            err.print("every translation already has an alignment")
            return
    if not jobs:
        raise _fail(texts.TextsError("nothing to align: no translations match"))
    languages = {lang for a, v in jobs for lang in (a.source().language, a.version(v).language)}
    if warning := coverage_warning(names, languages):
        err.print(f"[yellow]warning:[/] {_t(warning)}")
    start = time.perf_counter()
    with bar:
        task = bar.add_task("aligning", total=len(jobs))

        def said(done: AlignOutcome) -> None:
            """One line for each translation: what happened to its alignment."""
            name = _t(f"{done.article} {done.target}")
            path = _t(ws.alignment_path(done.article, done.target))
            rec = done.record
            if done.outcome in ("refused", "failed"):
                err.print(f"[red]{name}: {done.outcome}:[/] {_t(done.reason)}")
            elif done.outcome == "kept":
                bar.console.print(
                    f"{name}: kept its 1-1 alignment by construction "
                    "(machine translation; --force re-aligns it with embeddings)"
                )
            else:
                low = sum(1 for link in rec.links if link.score < alignments.LOW_CONFIDENCE)
                where = f"({path} left as it is)" if done.outcome == "unchanged" else f"-> {path}"
                bar.console.print(
                    f"{name}: {done.outcome}, {len(rec.links)} beads, {low} below "
                    f"{alignments.LOW_CONFIDENCE} {where}"
                )
            bar.advance(task)

        def starting(todo):
            for art, version in todo:
                bar.update(task, description=_t(f"{art.id} {version}"))
                yield art, version

        outcomes = align_versions(
            ws, starting(jobs), aligner, "+".join(names), force=force, anyway=anyway, on_done=said
        )
    err.print(f"{outcome_summary(outcomes)} in {time.perf_counter() - start:.1f}s")
    if any(o.outcome in ("refused", "failed") for o in outcomes):
        raise typer.Exit(code=1)


def _embed_reporter(bar: Progress):
    """A callback that shows embedding progress (cache misses only) as a second bar."""
    tasks: dict[str, int] = {}

    def report(model: str, done: int, total: int) -> None:
        if model not in tasks:
            tasks[model] = bar.add_task(f"embedding ({_t(model)})", total=total)
        bar.update(tasks[model], completed=done, total=total, visible=done < total)

    return report


def _score_style(score: float) -> str:
    return {"low": "red", "medium": "yellow", "high": "green"}[alignments.confidence_level(score)]


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
    except (*USER_ERRORS, FileNotFoundError) as exc:
        raise _fail(exc) from exc
    src = {s.id: s.text for s in rec.source.sentences}
    tgt = {s.id: s.text for s in rec.target.sentences}
    table = Table(
        title=f"{_t(article)}: {_t(rec.source.version)} -> {_t(rec.target.version)} ({_t(rec.model)}, "
        f"revision {rec.revision})",
        show_lines=True,
    )
    table.add_column("#", justify="right")
    table.add_column(_cell(rec.source.version), ratio=1, overflow="fold")
    table.add_column(_cell(rec.target.version), ratio=1, overflow="fold")
    table.add_column("conf", justify="right")
    table.add_column("status")
    for i, link in enumerate(rec.links, 1):
        if below is not None and link.score >= below:
            continue
        table.add_row(
            str(i),
            _cell(" ".join(src[s] for s in link.src)),
            _cell(" ".join(tgt[t] for t in link.tgt)),
            Text(f"{link.score:.2f}", style=_score_style(link.score)),
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
    param: ParamOpt = None,
    output: Annotated[
        Path | None, typer.Option(help="Write the system's beads here, one file a document.")
    ] = None,
    docs: Annotated[
        str | None, typer.Option(help="Only documents whose names start with this, e.g. test.")
    ] = None,
    lenient: Annotated[
        bool,
        typer.Option(help="Warn about gold beads naming sentences past a document's end, and score them."),
    ] = False,
    kinds: Annotated[
        bool,
        typer.Option(
            "--kinds", help="Also a table by bead kind: gold beads found exactly, system beads right."
        ),
    ] = False,
) -> None:
    """Align pre-split documents and score them against gold beads (strict and lax precision, recall, F1;
    sentences left unaligned: omission precision and recall by side)."""
    from workbench.store.files import atomic_write_text

    try:
        documents = ev.load_documents(gold, src, tgt, docs or "", lenient=lenient)
        model_names, params = resolve_models(preset, model, param)
        bar = _progress()
        aligner = make_aligner(model_names, params, on_embed=_embed_reporter(bar))
        results = []
        start = time.perf_counter()
        with bar:
            task = bar.add_task("aligning", total=len(documents))
            for result in ev.evaluate(aligner, documents):
                results.append(result)
                if output:
                    output.mkdir(parents=True, exist_ok=True)
                    atomic_write_text(output / result.name, ev.format_beads(result.system))
                bar.update(task, advance=1, description=result.name)
        seconds = time.perf_counter() - start
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    except OSError as exc:  # an unreadable file, an output folder that cannot be written
        raise _fail(exc) from exc
    table = Table(title=f"{'+'.join(model_names)} on {len(documents)} document(s), {seconds:.1f}s")
    everything = ("all", ev.total(results), sum((r.omissions for r in results), ev.Omissions()))
    rows = [*((r.name, r.counts, r.omissions) for r in results), everything]
    show_omitted = bool(everything[2].gold or everything[2].system)  # columns only where there are any
    cols = ("document", "strict P", "strict R", "strict F1", "lax P", "lax R", "lax F1")
    for col in cols + (("omitted P", "omitted R") if show_omitted else ()):
        table.add_column(col, justify="right" if col != "document" else "left")
    keys = ("strict_p", "strict_r", "strict_f1", "lax_p", "lax_r", "lax_f1")
    for name, counts, om in rows:
        s = counts.scores()
        omitted = (_share(om.precision, om.system), _share(om.recall, om.gold)) if show_omitted else ()
        table.add_row(name, *(f"{s[k]:.3f}" for k in keys), *omitted)
    console.print(table)
    if kinds:
        console.print(_kinds_table(results))


def _kinds_table(results: list[ev.Result]) -> Table:
    """Over all documents, per bead kind: gold beads found exactly of all, system beads right of all."""
    counts = ev.KindCounts.of(results)
    table = Table(title="by bead kind")
    for col in ("", *ev.KIND_GROUPS):
        table.add_column(col, justify="right" if col else "left")
    for label, hit, total in (
        ("gold found", counts.found, counts.gold),
        ("system right", counts.right, counts.system),
    ):
        table.add_row(label, *(f"{hit.get(k, 0)} / {total.get(k, 0)}" for k in ev.KIND_GROUPS))
    return table


def _share(value: float, over: int) -> str:
    """A precision or recall for a table: "-" where there is nothing (``over`` is 0) to count it over."""
    return f"{value:.3f}" if over else "-"


# --- translate, models, compare (machine translation) ---


@app.command("translate")
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
    try:
        arts = _chosen_articles(ws, articles, all_)
        batch = mt.plan_batch(ws, arts, to, engine, force=force, every=all_, options=options)
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    for lang, eng in batch.engines.items():
        err.print(f"{_t(lang)} -> {_t(to)}: {_t(eng.provenance().origin)}")
    for article_id, exc in batch.failed:
        err.print(f"[red]{_t(article_id)}:[/] {_t(exc)}")
    failures = len(batch.failed)
    if batch.skipped:
        err.print(
            f"{len(batch.skipped)} article(s) already translated into {_t(to)} by {_t(engine)}: skipped "
            "(--force: redo)"
        )
    bar = _progress()
    done = 0
    start = time.perf_counter()
    try:
        with bar:
            a_task = bar.add_task("articles", total=len(batch.todo))
            s_task = bar.add_task("sentences", total=batch.sentences)
            for plan, result in mt.run_batch(ws, batch, lambda d, t: bar.update(s_task, completed=d)):
                bar.update(a_task, description=_t(plan.article.id), advance=1)
                if isinstance(result, Exception):
                    failures += 1
                    err.print(f"[red]{_t(plan.article.id)}:[/] {_t(result)}")
                else:
                    done += 1
                    bar.console.print(
                        f"{_t(plan.article.id)}: {result.sentences} sentences, {result.paragraphs} "
                        f"paragraphs -> {_t(result.path)}"
                    )
    except KeyboardInterrupt:
        err.print(
            f"interrupted after {done} of {len(batch.todo)} article(s); run the same command again to resume"
        )
        raise typer.Exit(code=130) from None
    err.print(f"translated {done} of {len(batch.todo)} article(s) in {time.perf_counter() - start:.1f}s")
    if failures:
        raise typer.Exit(code=1)


models_app = typer.Typer(help="Argos Translate models: list and install.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list() -> None:
    """Installed Argos packages, the language pairs they serve (through English too), Apertium pairs."""
    from workbench.translate import argos_models as mt
    from workbench.translate.engines import apertium_modes

    try:
        packages = mt.installed_packages()
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    table = Table(title=f"{len(packages)} Argos package(s) in {_t(mt.argos_packages_dir())}")
    for col in ("package", "pair", "languages", "version"):
        table.add_column(col)
    for p in packages:
        table.add_row(*map(_cell, (p.name, p.pair, f"{p.from_name} -> {p.to_name}", p.version)))
    console.print(table)
    pairs = mt.served_pairs(packages)
    if pairs:
        served = Table(title="pairs served (workbench translate --to ...)")
        for col in ("from", "to", "how", "packages"):
            served.add_column(col)
        for pair in pairs:
            names = " + ".join(p.name for p in pair.packages)
            served.add_row(*map(_cell, (pair.from_code, pair.to_code, pair.via, names)))
        console.print(served)
    else:
        console.print(
            "No Argos models installed: `workbench models install en ko` (network) or "
            "`workbench models install ./translate-en_ko.argosmodel` (a downloaded file)."
        )
    modes = apertium_modes()
    console.print(f"Apertium (--engine apertium): {_t(', '.join(modes)) if modes else 'not installed'}")


@models_app.command("install")
def models_install(
    what: Annotated[
        list[str], typer.Argument(help="FROM TO (download from the Argos index) or FILE.argosmodel.")
    ],
) -> None:
    """Install an Argos model: `models install en ko` (from the index) or `models install ./x.argosmodel`."""
    from workbench.translate import argos_models as mt
    from workbench.translate.errors import TranslateError

    try:
        if len(what) == 1:
            installed = [mt.install_from_file(Path(what[0]))]
        elif len(what) == 2:
            installed = mt.install_from_index(what[0], what[1])
        else:
            raise TranslateError("give FROM TO (e.g. `en ko`) or the path of one .argosmodel file")
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    for pkg in installed:
        console.print(
            f"installed [bold]{_t(pkg.name)}[/] ({_t(pkg.pair)}, version {_t(pkg.version)}) in {_t(pkg.path)}"
        )


@app.command("compare")
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
    try:
        factory = partial(default_aligner, preset, model)
        result = compare_versions(ws, article, human, machine, aligner_factory=factory)
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    table = Table(title=f"{_t(article)}: {_t(machine)} against {_t(human)} (chrF)", show_lines=True)
    table.add_column("source", no_wrap=True)
    for name in (result.source, human, machine):
        table.add_column(_cell(name), ratio=1, overflow="fold")
    table.add_column("chrF", justify="right")
    for row in result.rows:
        cells = (" ".join(row.source_ids), row.source, row.human, row.machine)
        table.add_row(*map(_cell, cells), f"{row.chrf:.1f}")
    console.print(table)
    for vid, how in result.alignments.items():
        err.print(f"{_t(vid)}: {_t(how)}")
    console.print(f"overall chrF: [bold]{result.chrf:.1f}[/] over {len(result.rows)} sentence(s)")
    if top > 0:
        console.print(f"where {_t(human)} departs most from {_t(machine)}:")
        for row in result.most_different(top):
            console.print(f"  {_t(' '.join(row.source_ids))}  chrF {row.chrf:.1f}: {_t(row.source)}")


# --- export (parallel corpus) ---


@app.command("export")
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
    try:
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
        bar = _progress()
        tasks: list = []

        def progress(done: int, total: int, label: str) -> None:
            if not tasks:
                tasks.append(bar.add_task("exporting", total=total))
            bar.update(tasks[0], completed=done, description=_t(label) if done < total else "exported")

        with bar:
            report = ex.export_workspace(ws, None if all_ else articles, fmt, out, options, progress)
    except ex.NothingToExportError as exc:
        console.print(_export_table(exc.report, "nothing exported"))
        raise _fail(exc) from exc
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    unit = {"tmx": "translation units", "moses": "line pairs"}.get(fmt, "rows")
    console.print(_export_table(report, f"{report.written} beads written as {report.units} {unit} ({fmt})"))
    for path in report.files:
        console.print(f"-> {_t(path)}")


def _export_table(report, title: str) -> Table:
    table = Table(title=_t(title))
    table.add_column("")
    table.add_column("beads", justify="right")
    table.add_column("alignments", justify="right")
    table.add_row("written", str(report.written), str(report.alignments))
    for reason, beads, files in report.reasons():
        table.add_row(_cell(f"skipped: {reason}"), str(beads) if beads else "", str(files) if files else "")
    return table


# --- app (review app) ---


def app_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The ``streamlit run`` command line of the review app (the folder goes in ``WORKBENCH_ROOT``).

    Always headless: a non-headless Streamlit asks for an e-mail address on its first run, which blocks
    (or fails) without a terminal. ``workbench app`` opens the browser itself."""
    import sys

    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(Path(__file__).parent.parent / "app" / "main.py"),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--theme.primaryColor",
        "#1f6feb",
    ]


def _open_when_up(url: str, server, timeout: float = 60.0) -> None:
    """Open ``url`` in the web browser once the server answers its health check."""
    import urllib.request
    import webbrowser

    end = time.monotonic() + timeout
    while server.poll() is None and time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                webbrowser.open(url)
                return
        except OSError:
            time.sleep(0.3)


@app.command("app")
def app_cmd(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to serve on (0.0.0.0: the network).")] = "127.0.0.1",
    browser: Annotated[bool, typer.Option(help="Open the app in the web browser.")] = True,
    root: RootOpt = None,
) -> None:
    """Open the review app in the browser: align, review and correct the links, save."""
    import os
    import signal
    import subprocess
    import threading

    ws = Workspace.find(root)
    try:
        ws.articles()
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    url = f"http://{'127.0.0.1' if address in ('0.0.0.0', '::') else address}:{port}"
    err.print(f"review app for {_t(ws.root)} on {_t(url)} (Ctrl+C stops it)")
    server = subprocess.Popen(
        app_command(port, address),
        env=dict(os.environ, WORKBENCH_ROOT=str(ws.root)),
        stdin=subprocess.DEVNULL,
    )
    if browser:
        threading.Thread(target=_open_when_up, args=(url, server), daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())  # stopping workbench stops the server
    try:
        code = server.wait()
    except KeyboardInterrupt:  # the server got the Ctrl+C too
        code = server.wait()
    if code not in (0, -signal.SIGTERM):
        raise typer.Exit(code=code)


if __name__ == "__main__":  # python -m workbench.cli: run the module as imported, with every sub-command
    from workbench.cli import app as imported

    imported()
elif __name__ != "__mp_main__":  # `workbench corpus ...`, whose module uses the helpers above
    from workbench.cli.corpus import corpus_app

    app.add_typer(corpus_app, name="corpus")
