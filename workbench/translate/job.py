"""Machine translation of articles: the job that translates an article's source sentence by sentence with
an engine (:mod:`workbench.translate.engines`) and writes the machine version with its provenance and its
1-1 alignment to the source.

A source text is split with the workbench's own segmenter (:mod:`workbench.text.segment`; Argos's splitters
download models) and translated sentence by sentence, so the machine version keeps the paragraphs and has
exactly one sentence per source sentence. That correspondence is saved as an alignment (model
``construction``), so the source and its own machine translation never need an embedding step.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.align.aligner import Bead
from workbench.errors import WorkbenchError
from workbench.store import alignments as store
from workbench.store import files as storage
from workbench.store import texts
from workbench.text.segment import Sentence, sentence_separator
from workbench.translate.argos_models import argos_code
from workbench.translate.engines import ENGINES, Engine, Progress, get_engine
from workbench.translate.errors import ModelError, TranslateError, check_language_code
from workbench.workspace import CONSTRUCTION

if TYPE_CHECKING:
    from workbench.workspace import Workspace

__all__ = [
    "MachineTranslation",
    "TranslationBatch",
    "TranslationPlan",
    "is_translated",
    "plan_batch",
    "plan_translation",
    "run_batch",
    "run_translation",
    "run_translations",
    "translate_article",
    "write_translation",
]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class TranslationPlan:
    """One article to translate: its source sentences and the version the translation becomes."""

    article: texts.Article
    version_id: str  # e.g. "ko.argos"
    language: str
    sentences: list[Sentence]
    source_text: str
    skip: bool  # already translated (and not forced)


@dataclass(slots=True)
class MachineTranslation:
    """A machine version written to disk, with its 1-1 alignment to the source."""

    article: str
    version: texts.TextVersion
    path: Path
    alignment_path: Path
    sentences: int
    paragraphs: int


def _machine_tag(engine: Engine) -> str:
    return engine.name


def is_translated(ws: Workspace, article: texts.Article, version_id: str) -> bool:
    """True if the machine version is listed, its file exists and its alignment was saved (all steps of a
    translation finished)."""
    listed = any(v.id == version_id for v in article.versions)
    return (
        listed
        and (article.path / f"{version_id}.txt").is_file()
        and ws.alignment_path(article.id, version_id).is_file()
    )


def plan_translation(
    ws: Workspace, article: texts.Article, language: str, engine: Engine, *, force: bool = False
) -> TranslationPlan:
    """Read and split the article's source; decide whether the translation is already there."""
    check_language_code(language)
    source = article.source()
    if argos_code(source.language) == argos_code(language):
        raise TranslateError(f"{article.id}: the source {source.id} is already in {language}.")
    version_id = f"{language}.{_machine_tag(engine)}"
    existing = next((v for v in article.versions if v.id == version_id), None)
    if existing is not None and existing.kind != "machine":
        raise TranslateError(
            f"{article.id} already has a {existing.kind} version {version_id}; it is not overwritten. "
            "Rename it or remove it first."
        )
    text = texts.read_version_text(article, source.id)
    sentences = texts.version_sentences(article, source.id, text)  # as a reviewer left them, if edited
    if not sentences:
        raise TranslateError(f"{article.id}: the source {source.id} has no sentences to translate.")
    done = is_translated(ws, article, version_id)
    if existing is not None and not done:
        log.info("%s %s is incomplete (interrupted?): translating it again", article.id, version_id)
    return TranslationPlan(article, version_id, language, sentences, text, skip=done and not force)


def _keep_edited_text(ws: Workspace, article: texts.Article, version_id: str) -> None:
    """Keep a machine text someone edited since it was written as ``<file>.bak-<time>`` before it is
    replaced (never overwriting an earlier backup)."""
    path = article.path / f"{version_id}.txt"
    if not path.is_file():
        return
    if any(v.id == version_id and v.edited is not None for v in article.versions):  # post-edited in the app
        backup = storage.keep_copy(path, "bak")
        log.warning("%s was post-edited: the edited text is kept as %s", path, backup.name)
        return
    try:
        written = store.load_alignment(ws.alignment_path(article.id, version_id)).target.sha256
    except (OSError, store.AlignmentError):
        written = None
    if (
        written is not None
        and texts.content_hash(path.read_text(encoding="utf-8", errors="replace")) == written
    ):
        return
    backup = storage.keep_copy(path, "bak")
    log.warning("%s changed since it was translated: the old text is kept as %s", path, backup.name)


def run_translation(
    ws: Workspace, plan: TranslationPlan, engine: Engine, progress: Progress | None = None
) -> MachineTranslation:
    """Translate a planned article and write it (see :func:`write_translation`)."""
    translated = engine.translate([s.text for s in plan.sentences], progress)
    return write_translation(ws, plan, engine, translated)


def _groups(plans: Sequence[TranslationPlan], size: int) -> Iterator[list[TranslationPlan]]:
    group: list[TranslationPlan] = []
    for plan in plans:
        group.append(plan)
        if sum(len(p.sentences) for p in group) >= size:
            yield group
            group = []
    if group:
        yield group


_WRITE_ERRORS = (WorkbenchError, OSError)


def _write_or_error(
    ws: Workspace, plan: TranslationPlan, engine: Engine, part: Sequence[str]
) -> MachineTranslation | Exception:
    try:
        return write_translation(ws, plan, engine, part)
    except _WRITE_ERRORS as exc:
        return exc


def run_translations(
    ws: Workspace,
    plans: Sequence[TranslationPlan],
    engine: Engine,
    progress: Progress | None = None,
    group_sentences: int = 512,
) -> Iterator[tuple[TranslationPlan, MachineTranslation | Exception]]:
    """Translate many articles, yielding ``(plan, result or error)`` as each article is written.

    Consecutive small articles are translated together, in groups of about ``group_sentences`` sentences,
    so that batches stay full. A group's files are written by a second thread while the next group is
    translated; an interrupted run finishes the writes it started and loses at most the group being
    translated. ``progress(done, total)`` counts sentences over all ``plans``.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    total = sum(len(p.sentences) for p in plans)
    base = 0
    written: list[tuple[TranslationPlan, Future]] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench-write") as writer:
        for group in _groups(plans, group_sentences):
            size = sum(len(p.sentences) for p in group)

            def report(done: int, steps: int, base: int = base, size: int = size) -> None:
                if progress is not None:
                    progress(base + round(size * done / max(steps, 1)), total)

            try:
                translated = engine.translate([s.text for p in group for s in p.sentences], report)
            except (TranslateError, OSError) as exc:
                failed: Future = Future()
                failed.set_result(exc)
                submitted = [(p, failed) for p in group]
            else:
                submitted, start = [], 0
                for p in group:
                    part = translated[start : start + len(p.sentences)]
                    start += len(p.sentences)
                    submitted.append((p, writer.submit(_write_or_error, ws, p, engine, part)))
            for p, future in written:  # the previous group's, written while this one was translated
                yield p, future.result()
            written = submitted
            base += size
        for p, future in written:
            yield p, future.result()


@dataclass(slots=True)
class TranslationBatch:
    """Articles planned for translation into one language with one engine (see :func:`plan_batch`)."""

    language: str
    engine: str
    engines: dict[str, Engine] = field(default_factory=dict)  # by source language
    todo: list[tuple[TranslationPlan, Engine]] = field(default_factory=list)
    skipped: list[TranslationPlan] = field(default_factory=list)  # translated already
    failed: list[tuple[str, WorkbenchError]] = field(default_factory=list)  # article id, why not

    @property
    def sentences(self) -> int:
        return sum(len(plan.sentences) for plan, _ in self.todo)


def plan_batch(
    ws: Workspace,
    articles: Sequence[texts.Article],
    language: str,
    engine: str = "argos",
    *,
    force: bool = False,
    every: bool = False,
    options: dict | None = None,
) -> TranslationBatch:
    """Check the request and plan the translation of ``articles`` into ``language`` with ``engine``
    ("argos" or "apertium"; ``options`` go to the argos engine: beam_size, batch_size, ...).

    Articles translated already are ``skipped`` unless ``force``. With ``every`` (a batch over the whole
    workspace) articles already in ``language`` are passed over and an article that cannot be translated
    goes to ``failed`` instead of stopping the batch; without it, that raises. A missing model
    (ModelError) always raises."""
    if not language:
        raise TranslateError("say which language to translate into with --to, e.g. --to ko")
    check_language_code(language)
    if engine not in ENGINES:
        raise TranslateError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    options = dict(options or {}) if engine == "argos" else {}
    batch = TranslationBatch(language, engine)
    for article in articles:
        try:
            source = article.source()
            if argos_code(source.language) == argos_code(language):
                if every:
                    continue
                raise TranslateError(f"{article.id}: the source {source.id} is already in {language}")
            if source.language not in batch.engines:
                batch.engines[source.language] = get_engine(engine, source.language, language, **options)
            eng = batch.engines[source.language]
            plan = plan_translation(ws, article, language, eng, force=force)
        except ModelError:
            raise
        except WorkbenchError as exc:
            if not every:
                raise
            batch.failed.append((article.id, exc))
            continue
        if plan.skip:
            batch.skipped.append(plan)
        else:
            batch.todo.append((plan, eng))
    return batch


def run_batch(
    ws: Workspace, batch: TranslationBatch, progress: Progress | None = None
) -> Iterator[tuple[TranslationPlan, MachineTranslation | Exception]]:
    """Translate a planned batch engine by engine (see :func:`run_translations`), yielding ``(plan, result
    or error)`` as each article is written; ``progress(done, total)`` counts sentences over the batch."""
    by_engine: dict[int, tuple[Engine, list[TranslationPlan]]] = {}
    for plan, eng in batch.todo:
        by_engine.setdefault(id(eng), (eng, []))[1].append(plan)
    total, finished = batch.sentences, 0
    for eng, plans in by_engine.values():

        def report(done: int, _: int, base: int = finished) -> None:
            if progress is not None:
                progress(base + done, total)

        yield from run_translations(ws, plans, eng, report)
        finished += sum(len(p.sentences) for p in plans)
        if progress is not None:
            progress(finished, total)


def _same_translation(
    article: texts.Article, version_id: str, prov, body: str, path: Path, record: store.Alignment
) -> texts.TextVersion | None:
    """The machine version already there if it is this translation (same text, provenance and
    alignment), else None."""
    existing = next((v for v in article.versions if v.id == version_id), None)
    if existing is None or existing.kind != "machine" or existing.edited is not None:
        return None
    if (existing.origin, existing.engine, existing.model, existing.model_version) != (
        prov.origin,
        prov.engine,
        prov.model,
        prov.model_version,
    ):
        return None
    try:
        if (article.path / existing.file).read_bytes() != body.encode("utf-8"):
            return None
        old = store.load_alignment(path)
    except (OSError, store.AlignmentError):
        return None
    kept = replace(record, created=old.created, modified=old.modified, revision=old.revision)
    return existing if store.dumps(kept) == store.dumps(old) else None


def write_translation(
    ws: Workspace, plan: TranslationPlan, engine: Engine, translated: Sequence[str]
) -> MachineTranslation:
    """Write a machine version (one translation per source sentence), its provenance and 1-1 alignment.

    Each file is written atomically (text, then article.toml, then the alignment); a translation whose
    alignment is missing counts as unfinished and is redone by the next run.
    """
    article = plan.article
    sources = plan.sentences
    if len(translated) != len(sources):  # engines promise this; a broken one must not corrupt an article
        raise TranslateError(
            f"{article.id}: the engine returned {len(translated)} sentences for {len(sources)}; "
            "nothing was written."
        )
    out_sentences = []
    for s, t in zip(sources, translated, strict=True):
        if not t:
            log.warning(
                "%s %s: %s came back empty; the source sentence is kept", article.id, plan.version_id, s.id
            )
            t = s.text
        out_sentences.append(Sentence(s.id, t, s.paragraph))
    sep = sentence_separator(plan.language)
    paragraphs: dict[int, list[str]] = {}
    for s in out_sentences:
        paragraphs.setdefault(s.paragraph, []).append(s.text)
    body = "".join(sep.join(parts) + "\n" for parts in paragraphs.values())

    prov = engine.provenance()
    source_version = article.source()
    source_side = store.AlignedSide(
        source_version.id, source_version.language, texts.content_hash(plan.source_text), list(sources)
    )
    target_side = store.AlignedSide(plan.version_id, plan.language, texts.content_hash(body), out_sentences)
    beads = [Bead((i,), (i,), 1.0) for i in range(len(sources))]
    params = {"engine": prov.engine, "model": prov.model, "model_version": prov.model_version}
    record = store.from_beads(article.id, source_side, target_side, beads, CONSTRUCTION, params)
    path = ws.alignment_path(article.id, plan.version_id)
    same = _same_translation(article, plan.version_id, prov, body, path, record)
    if same is not None:  # translated again to the same text: nothing to write (no new revision or time)
        log.info("%s %s: the same translation again, left as it is", article.id, plan.version_id)
        return MachineTranslation(
            article.id, same, article.path / same.file, path, len(out_sentences), len(paragraphs)
        )

    _keep_edited_text(ws, article, plan.version_id)  # (temp files of a killed run go with the next write)
    version = texts.add_version(
        ws.texts,
        article.id,
        body,
        language=plan.language,
        kind="machine",
        origin=prov.origin,
        tag=_machine_tag(engine),
        engine=prov.engine,
        model=prov.model,
        model_version=prov.model_version,
        replace=True,
        check_script=False,
    )
    store.save_alignment(path, record, force=True, backup=True)  # reviewed or unreadable: a copy is kept
    return MachineTranslation(
        article.id, version, article.path / version.file, path, len(out_sentences), len(paragraphs)
    )


def translate_article(
    ws: Workspace,
    article: texts.Article,
    language: str,
    engine: Engine,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> MachineTranslation | None:
    """Translate one article into ``language`` with ``engine``; None if it was already translated."""
    plan = plan_translation(ws, article, language, engine, force=force)
    if plan.skip:
        return None
    return run_translation(ws, plan, engine, progress)
