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
from workbench.align import PRESETS
from workbench.errors import WorkbenchError
from workbench.workspace import (
    CONSTRUCTION,
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
        bool,
        typer.Option(
            help="Refuse a text whose script does not fit --lang (e.g. --lang ko on English), and warn "
            "when it reads as another language (e.g. --lang es on English)."
        ),
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
        console.print(f"created article [bold]{article}[/]")
    console.print(
        f"added [bold]{version.id}[/] ({version.language}, {version.kind}) to {article}: "
        f"{ws.texts / article / version.file}"
    )
    warning = texts.language_warning(text, lang) if lang_check else None
    if warning:
        err.print(f"[yellow]warning:[/] {version.id}: {warning}")


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
        names, params = resolve_models(preset, model)
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
    failures = 0
    start = time.perf_counter()
    with bar:
        task = bar.add_task("aligning", total=len(jobs))
        for art, version in jobs:
            bar.update(task, description=f"{art.id} {version}")
            path = ws.alignment_path(art.id, version)
            before = path.stat().st_mtime_ns if path.exists() else None
            try:
                rec = align_version(ws, art, version, aligner, "+".join(names), force=force, anyway=anyway)
            except USER_ERRORS as exc:
                failures += 1
                err.print(f"[red]{art.id} {version}:[/] {exc}")
            else:
                if rec.model == CONSTRUCTION and not force:
                    bar.console.print(
                        f"{art.id} {version}: kept its 1-1 alignment by construction "
                        "(machine translation; --force re-aligns it with embeddings)"
                    )
                    bar.advance(task)
                    continue
                low = sum(1 for link in rec.links if link.score < 0.5)
                same = before is not None and path.stat().st_mtime_ns == before
                bar.console.print(
                    f"{art.id} {version}: {len(rec.links)} beads, {low} below 0.5 "
                    + (f"(unchanged: {path} left as it is)" if same else f"-> {path}")
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
    except (*USER_ERRORS, FileNotFoundError, ValueError) as exc:  # evaluate.py's are not WorkbenchErrors yet
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
    from workbench import translate as mt

    ws = Workspace.find(root)
    try:
        if not to:
            raise mt.TranslateError("say which language to translate into with --to, e.g. --to ko")
        arts = _chosen_articles(ws, articles, all_)
        mt.check_language_code(to)
        if engine not in mt.ENGINES:
            raise mt.TranslateError(f"unknown engine {engine!r}: choose one of {', '.join(mt.ENGINES)}")
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    options = {"beam_size": beam_size, "batch_size": batch_size, "max_decoding_length": max_length}
    if engine != "argos":
        options = {}
    engines: dict[str, mt.Engine] = {}
    plans, failures = [], 0
    for art in arts:
        try:
            lang = art.source().language
            if mt.argos_code(lang) == mt.argos_code(to):
                if all_:
                    continue
                raise mt.TranslateError(f"{art.id}: the source {art.source().id} is already in {to}")
            if lang not in engines:
                engines[lang] = mt.get_engine(engine, lang, to, **options)
                err.print(f"{lang} -> {to}: {engines[lang].provenance().origin}")
            plans.append((mt.plan_translation(ws, art, to, engines[lang], force=force), engines[lang]))
        except mt.ModelError as exc:
            raise _fail(exc) from exc
        except USER_ERRORS as exc:
            if not all_:
                raise _fail(exc) from exc
            failures += 1
            err.print(f"[red]{art.id}:[/] {exc}")
    todo = [(p, e) for p, e in plans if not p.skip]
    skipped = len(plans) - len(todo)
    if skipped:
        err.print(f"{skipped} article(s) already translated into {to} by {engine}: skipped (--force: redo)")
    by_engine: dict[int, tuple[mt.Engine, list[mt.TranslationPlan]]] = {}
    for plan, eng in todo:
        by_engine.setdefault(id(eng), (eng, []))[1].append(plan)
    bar = _progress()
    done = 0
    start = time.perf_counter()
    try:
        with bar:
            a_task = bar.add_task("articles", total=len(todo))
            s_task = bar.add_task("sentences", total=sum(len(p.sentences) for p, _ in todo))
            finished = 0
            for eng, eng_plans in by_engine.values():

                def report(d: int, t: int, base: int = finished) -> None:
                    bar.update(s_task, completed=base + d)

                for plan, result in mt.run_translations(ws, eng_plans, eng, report):
                    bar.update(a_task, description=plan.article.id, advance=1)
                    if isinstance(result, Exception):
                        failures += 1
                        err.print(f"[red]{plan.article.id}:[/] {result}")
                    else:
                        done += 1
                        bar.console.print(
                            f"{plan.article.id}: {result.sentences} sentences, {result.paragraphs} "
                            f"paragraphs -> {result.path}"
                        )
                finished += sum(len(p.sentences) for p in eng_plans)
                bar.update(s_task, completed=finished)
    except KeyboardInterrupt:
        err.print(f"interrupted after {done} of {len(todo)} article(s); run the same command again to resume")
        raise typer.Exit(code=130) from None
    err.print(f"translated {done} of {len(todo)} article(s) in {time.perf_counter() - start:.1f}s")
    if failures:
        raise typer.Exit(code=1)


models_app = typer.Typer(help="Argos Translate models: list and install.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list() -> None:
    """Installed Argos packages, the language pairs they serve (through English too), Apertium pairs."""
    from workbench import translate as mt

    try:
        packages = mt.installed_packages()
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    table = Table(title=f"{len(packages)} Argos package(s) in {mt.argos_packages_dir()}")
    for col in ("package", "pair", "languages", "version"):
        table.add_column(col)
    for p in packages:
        table.add_row(p.name, p.pair, f"{p.from_name} -> {p.to_name}", p.version)
    console.print(table)
    pairs = mt.served_pairs(packages)
    if pairs:
        served = Table(title="pairs served (workbench translate --to ...)")
        for col in ("from", "to", "how", "packages"):
            served.add_column(col)
        for pair in pairs:
            served.add_row(pair.from_code, pair.to_code, pair.via, " + ".join(p.name for p in pair.packages))
        console.print(served)
    else:
        console.print(
            "No Argos models installed: `workbench models install en ko` (network) or "
            "`workbench models install ./translate-en_ko.argosmodel` (a downloaded file)."
        )
    modes = mt.apertium_modes()
    console.print(f"Apertium (--engine apertium): {', '.join(modes) if modes else 'not installed'}")


@models_app.command("install")
def models_install(
    what: Annotated[
        list[str], typer.Argument(help="FROM TO (download from the Argos index) or FILE.argosmodel.")
    ],
) -> None:
    """Install an Argos model: `models install en ko` (from the index) or `models install ./x.argosmodel`."""
    from workbench import translate as mt

    try:
        if len(what) == 1:
            installed = [mt.install_from_file(Path(what[0]))]
        elif len(what) == 2:
            installed = mt.install_from_index(what[0], what[1])
        else:
            raise mt.TranslateError("give FROM TO (e.g. `en ko`) or the path of one .argosmodel file")
    except USER_ERRORS as exc:
        raise _fail(exc) from exc
    for pkg in installed:
        console.print(f"installed [bold]{pkg.name}[/] ({pkg.pair}, version {pkg.version}) in {pkg.path}")


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
    table = Table(title=f"{article}: {machine} against {human} (chrF)", show_lines=True)
    table.add_column("source", no_wrap=True)
    table.add_column(result.source, ratio=1, overflow="fold")
    table.add_column(human, ratio=1, overflow="fold")
    table.add_column(machine, ratio=1, overflow="fold")
    table.add_column("chrF", justify="right")
    for row in result.rows:
        table.add_row(" ".join(row.source_ids), row.source, row.human, row.machine, f"{row.chrf:.1f}")
    console.print(table)
    for vid, how in result.alignments.items():
        err.print(f"{vid}: {how}")
    console.print(f"overall chrF: [bold]{result.chrf:.1f}[/] over {len(result.rows)} sentence(s)")
    if top > 0:
        console.print(f"where {human} departs most from {machine}:")
        for row in result.most_different(top):
            console.print(f"  {' '.join(row.source_ids)}  chrF {row.chrf:.1f}: {row.source}")


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
            "--format", "-f", help="tmx, moses, tsv, jsonl or parquet (default: from --out's extension)."
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
    root: RootOpt = None,
) -> None:
    """Write a parallel corpus from the saved alignments: one pair per bead with both sides, with its
    sentence ids. 1-0 and 0-1 beads, and stale or corrupt alignments, are skipped and counted."""
    from workbench import export as ex

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
        )
        fmt = ex.check_format(fmt) if fmt else ex.format_for_path(out)
        bar = _progress()
        tasks: list = []

        def progress(done: int, total: int, label: str) -> None:
            if not tasks:
                tasks.append(bar.add_task("exporting", total=total))
            bar.update(tasks[0], completed=done, description=label if done < total else "exported")

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
        console.print(f"-> {path}")


def _export_table(report, title: str) -> Table:
    table = Table(title=title)
    table.add_column("")
    table.add_column("beads", justify="right")
    table.add_column("alignments", justify="right")
    table.add_row("written", str(report.written), str(report.alignments))
    for reason, beads, files in report.reasons():
        table.add_row(f"skipped: {reason}", str(beads) if beads else "", str(files) if files else "")
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
        str(Path(__file__).with_name("app.py")),
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
    err.print(f"review app for {ws.root} on {url} (Ctrl+C stops it)")
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


if __name__ == "__main__":
    app()
