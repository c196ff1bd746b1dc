"""``workbench list``, ``add``, ``align``, ``show`` and ``eval``: the articles, their versions and their
alignments."""

from __future__ import annotations

import time
from datetime import date as Date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from workbench.align import evaluate as ev
from workbench.align.factory import make_aligner, resolve_models
from workbench.cli import common
from workbench.cli.common import (
    ModelOpt,
    ParamOpt,
    PresetOpt,
    RootOpt,
    cell,
    chosen_articles,
    embed_reporter,
    esc,
    fail,
    progress_bar,
    user_errors,
)
from workbench.store import alignments, evalsets, texts
from workbench.text import encoding, language
from workbench.workspace import (
    AlignOutcome,
    Workspace,
    align_versions,
    alignment_status,
    coverage_warning,
    outcome_summary,
)


def list_cmd(
    article: Annotated[str | None, typer.Argument(help="Only this article.")] = None, root: RootOpt = None
) -> None:
    """List articles, their text versions and the state of each alignment."""
    ws = Workspace.find(root)
    with user_errors():
        arts = [ws.article(article)] if article else ws.articles()
    table = Table(title=f"{len(arts)} article(s) in {esc(ws.texts)}")
    table.add_column("article", overflow="fold", min_width=20)
    for col in ("version", "lang", "kind"):
        table.add_column(col, no_wrap=True)
    table.add_column("origin", ratio=1)
    table.add_column("alignment", no_wrap=True)
    for art in arts:
        for i, v in enumerate(art.versions):
            state = "-" if v.kind == "source" else alignment_status(ws, art, v.id)
            cells = (art.id if i == 0 else "", v.id, v.language, v.kind, v.origin, state)
            table.add_row(*map(cell, cells))
        table.add_section()
    common.console.print(table)


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
    with user_errors():
        texts.validate_id(article)  # before the id becomes a path
        text, used = _read_text_file(file, file_encoding)
        if used not in ("utf-8", "utf-16", "utf-16-le", "utf-16-be") and not file_encoding:
            common.err.print(
                f"note: {esc(file)} is not UTF-8: read as {esc(used)} (--encoding NAME if that is wrong)"
            )
        version, created = texts.add_text(
            ws.texts,
            article,
            text,
            title=title,
            date=_parse_date(date) if date else None,
            publisher=publisher,
            source_url=url,
            language=lang,
            kind=kind,
            origin=origin or file.name,
            tag=tag,
            official=official,
            replace=replace,
            check_script=lang_check,
        )
    if created:
        common.console.print(f"created article [bold]{esc(article)}[/]")
    common.console.print(
        f"added [bold]{esc(version.id)}[/] ({esc(version.language)}, {esc(version.kind)}) to {esc(article)}: "
        f"{esc(ws.texts / article / version.file)}"
    )
    warning = language.language_warning(text, lang) if lang_check else None
    if warning:
        common.err.print(f"[yellow]warning:[/] {esc(version.id)}: {esc(warning)}")


def _parse_date(value: str) -> Date:
    try:
        return Date.fromisoformat(value)
    except ValueError:
        raise texts.TextsError(f"--date {value!r} is not a date: use YYYY-MM-DD, e.g. 2011-12-15") from None


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
    with user_errors():
        arts = chosen_articles(ws, articles, all_)
        names, params = resolve_models(preset, model, param)
        bar = progress_bar()
        aligner = make_aligner(names, params, on_embed=embed_reporter(bar))
    jobs = [(a, v.id) for a in arts for v in a.translations() if not target or v.id in target]
    if missing:
        jobs = [(a, v) for a, v in jobs if not ws.alignment_path(a.id, v).exists()]
        if not jobs:
            common.err.print("every translation already has an alignment")
            return
    if not jobs:
        raise fail(texts.TextsError("nothing to align: no translations match"))
    languages = {lang for a, v in jobs for lang in (a.source().language, a.version(v).language)}
    if warning := coverage_warning(names, languages):
        common.err.print(f"[yellow]warning:[/] {esc(warning)}")
    start = time.perf_counter()
    with bar:
        task = bar.add_task("aligning", total=len(jobs))

        def said(done: AlignOutcome) -> None:
            """One line for each translation: what happened to its alignment."""
            name = esc(f"{done.article} {done.target}")
            path = esc(ws.alignment_path(done.article, done.target))
            rec = done.record
            if done.outcome in ("refused", "failed"):
                common.err.print(f"[red]{name}: {done.outcome}:[/] {esc(done.reason)}")
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
                bar.update(task, description=esc(f"{art.id} {version}"))
                yield art, version

        outcomes = align_versions(
            ws, starting(jobs), aligner, "+".join(names), force=force, anyway=anyway, on_done=said
        )
    common.err.print(f"{outcome_summary(outcomes)} in {time.perf_counter() - start:.1f}s")
    if any(o.outcome in ("refused", "failed") for o in outcomes):
        raise typer.Exit(code=1)


def _score_style(score: float) -> str:
    return {"low": "red", "medium": "yellow", "high": "green"}[alignments.confidence_level(score)]


def show(
    article: Annotated[str, typer.Argument(help="Article id.")],
    target: Annotated[
        str | None, typer.Option("--target", "-t", help="Version (default: the only one).")
    ] = None,
    below: Annotated[float | None, typer.Option(help="Only beads with confidence below this.")] = None,
    root: RootOpt = None,
) -> None:
    """Print an alignment: the aligned sentences side by side with each bead's confidence (⚑ flagged and
    ✎ noted beads, with the note)."""
    ws = Workspace.find(root)
    with user_errors(FileNotFoundError):
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
    src = {s.id: s.text for s in rec.source.sentences}
    tgt = {s.id: s.text for s in rec.target.sentences}
    table = Table(
        title=f"{esc(article)}: {esc(rec.source.version)} -> {esc(rec.target.version)} ({esc(rec.model)}, "
        f"revision {rec.revision})",
        show_lines=True,
    )
    table.add_column("#", justify="right")
    table.add_column(cell(rec.source.version), ratio=1, overflow="fold")
    table.add_column(cell(rec.target.version), ratio=1, overflow="fold")
    table.add_column("conf", justify="right")
    table.add_column("status")
    for i, link in enumerate(rec.links, 1):
        if below is not None and link.score >= below:
            continue
        marks = "⚑" * link.flag + "✎" * bool(link.note)  # a reviewer's flag and note
        table.add_row(
            f"{i} {marks}" if marks else str(i),
            cell(" ".join(src[s] for s in link.src)),
            cell(" ".join(tgt[t] for t in link.tgt)),
            Text(f"{link.score:.2f}", style=_score_style(link.score)),
            cell(f"{link.status}\n✎ {link.note}" if link.note else link.status),
        )
    common.console.print(table)
    state = alignment_status(ws, art, target)
    if state == "stale":
        common.err.print("[yellow]warning:[/] a text changed since this alignment was made; re-align it.")


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

    # OSError: an unreadable file, an output folder that cannot be written
    with user_errors(OSError):
        documents = evalsets.load_documents(gold, src, tgt, docs or "", lenient=lenient)
        model_names, params = resolve_models(preset, model, param)
        bar = progress_bar()
        aligner = make_aligner(model_names, params, on_embed=embed_reporter(bar))
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
    common.console.print(table)
    if kinds:
        common.console.print(_kinds_table(results))


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
