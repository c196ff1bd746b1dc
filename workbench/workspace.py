"""A workbench folder (``texts/`` and ``alignments/``) and the jobs that run on it: the functions the CLI and
the app share."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from workbench.align.aligner import Aligner
from workbench.align.params import DEFAULT_PRESET, PRESETS, AlignParams
from workbench.errors import WorkbenchError
from workbench.store import alignments as store
from workbench.store import files as storage
from workbench.store import texts
from workbench.text.language import language_base, model_languages

log = logging.getLogger(__name__)

CONSTRUCTION = "construction"  # the model of an alignment that holds by construction (a machine translation)
MAX_SENTENCE_CHARS = 2000  # a longer "sentence" means a text that was not split (no punctuation or breaks)
UNBALANCED = 5  # one text with this many times the other's sentences (and 10 more) is refused by default


@dataclass(frozen=True, slots=True)
class Workspace:
    """The folder that holds ``texts/`` and ``alignments/``."""

    root: Path

    @classmethod
    def find(cls, root: str | Path | None = None) -> Workspace:
        """``root`` if given, else ``WORKBENCH_ROOT``, else the current folder."""
        return cls(Path(root or os.environ.get("WORKBENCH_ROOT") or Path.cwd()).resolve())

    @property
    def texts(self) -> Path:
        return self.root / "texts"

    @property
    def alignments(self) -> Path:
        return self.root / "alignments"

    def articles(self) -> list[texts.Article]:
        if not self.texts.is_dir():
            raise texts.TextsError(
                f"no texts/ folder in {self.root}: run workbench in a workbench folder, "
                "pass --root, or add an article with `workbench add`"
            )
        return texts.list_articles(self.texts)

    def article(self, article_id: str) -> texts.Article:
        return texts.load_article(self.texts, article_id)

    def alignment_path(self, article_id: str, target: str) -> Path:
        return store.alignment_path(self.alignments, article_id, target)


def coverage_warning(names: list[str], languages: Iterable[str]) -> str | None:
    """A warning when none of the models ``names`` was trained on one of ``languages`` (codes such as
    ``is`` or ``zh-TW``): their similarities are weak there, so alignments are less accurate. Names the
    preset whose models know them, if one does. None when every language has a model that knows it, or
    when a model's languages are not known (``st:``)."""
    known = [model_languages(name) for name in names]
    if not known or None in known:
        return None
    missing = sorted({language_base(lang) for lang in languages if lang} - set().union(*known))
    if not missing:
        return None
    them = ", ".join(f"'{lang}'" for lang in missing)
    helps = [p for p, (models, _) in PRESETS.items() if set(missing) <= set().union(*map(_languages, models))]
    it = "it" if len(missing) == 1 else "them"
    hint = f"; the {helps[0]} preset ({'+'.join(PRESETS[helps[0]][0])}) knows {it}" if helps else ""
    return (
        f"{'+'.join(names)} was not trained on {them}: expect more wrong beads, and read the confidence "
        f"as an order rather than a probability{hint}"
    )


def _languages(name: str) -> frozenset[str]:
    return model_languages(name) or frozenset()


def side(article: texts.Article, version_id: str) -> store.AlignedSide:
    """A version's sentences (as a reviewer left them, see ``texts.version_sentences``) and content hash,
    ready to align."""
    version = article.version(version_id)
    text = texts.read_version_text(article, version_id)
    sentences = texts.version_sentences(article, version_id, text)
    return store.AlignedSide(version.id, version.language, texts.content_hash(text), sentences)


def changed_texts(article: texts.Article, record: store.Alignment) -> list[str]:
    """The versions (source, target) whose text differs from the one ``record`` was aligned on, or whose
    sentences a reviewer split or joined since (in another alignment of the text).

    Raises TextsError when a text cannot be read."""
    changed = []
    for s in (record.source, record.target):
        text = texts.read_version_text(article, s.version)
        if texts.content_hash(text) != s.sha256:
            changed.append(s.version)
        elif texts.edits_path(article, s.version).exists():
            now = texts.version_sentences(article, s.version, text)
            if [(x.id, x.text) for x in now] != [(x.id, x.text) for x in s.sentences]:
                changed.append(s.version)
    return changed


def alignment_status(ws: Workspace, article: texts.Article, target: str) -> str:
    """``none``, ``corrupt``, ``text unreadable``, ``stale``, ``auto`` or ``reviewed N/M`` for one
    translation's alignment."""
    path = ws.alignment_path(article.id, target)
    if not path.exists():
        return "none"
    try:
        record = store.load_alignment(path)
    except store.AlignmentError:
        return "corrupt"
    try:
        if changed_texts(article, record):
            return "stale"
    except texts.TextsError as exc:  # a text file is missing or unreadable: report it, do not crash
        log.warning("%s", exc)
        return "text unreadable"
    reviewed = store.reviewed_count(record)
    return f"reviewed {reviewed}/{len(record.links)}" if reviewed else "auto"


class OddTextsError(texts.TextsError):
    """Texts that look wrong for aligning (very different lengths, a sentence over 2,000 characters): the
    user may check them, or align them anyway."""


def check_alignable(
    article: texts.Article, source: store.AlignedSide, target: store.AlignedSide, *, anyway: bool = False
) -> None:
    """Raise TextsError, saying what to fix, for a side with no sentences; unless ``anyway``, raise
    OddTextsError for a sentence over ``MAX_SENTENCE_CHARS`` characters (a text that was not split) or for
    one text with ``UNBALANCED`` times the other's sentences, such as one sentence against a hundred."""
    for s in (source, target):
        if not s.sentences:
            file = article.path / article.version(s.version).file
            raise texts.TextsError(f"{s.version} has no sentences ({file})")
    if anyway:
        return
    for s in (source, target):
        longest = max(s.sentences, key=lambda x: len(x.text))
        if len(longest.text) > MAX_SENTENCE_CHARS:
            file = article.path / article.version(s.version).file
            raise OddTextsError(
                f"sentence {longest.id} of {s.version} has {len(longest.text):,} characters "
                f'(at most {MAX_SENTENCE_CHARS:,}): "{longest.text[:60]}…". A sentence that long usually '
                "means the text was not split, for want of sentence punctuation or line breaks: add them to "
                f"{file}, or align anyway (workbench align --anyway) if it really is one sentence."
            )
    n, m = len(source.sentences), len(target.sentences)
    few, many = sorted((n, m))
    if many >= UNBALANCED * few and many - few >= 10:
        raise OddTextsError(
            f"{source.version} has {n} sentence{'s' * (n != 1)} and {target.version} {m}: "
            "texts this different are unlikely to be translations of each other (a truncated file, or the "
            "wrong one?). Check them, or align anyway (workbench align --anyway)."
        )


class ReviewedWorkError(WorkbenchError):
    """Re-aligning would discard beads a person confirmed or edited."""


OUTCOMES = ("aligned", "unchanged", "kept", "refused", "failed")


@dataclass(frozen=True, slots=True)
class AlignOutcome:
    """What became of one translation's alignment (see :func:`align_version`, :func:`align_versions`).

    ``outcome``: ``aligned`` (written), ``unchanged`` (it came out as the file on disk: left as it is),
    ``kept`` (a machine translation's alignment by construction, kept while its texts are unchanged),
    ``refused`` (reviewed beads or an unreadable file it would replace, or texts that look wrong for
    aligning: ``reason`` says which and what to do) or ``failed`` (``reason``)."""

    article: str
    target: str
    outcome: str
    record: store.Alignment | None = None
    reason: str = ""


def align_version(
    ws: Workspace,
    article: texts.Article,
    target: str,
    aligner: Aligner,
    model_name: str,
    *,
    force: bool = False,
    anyway: bool = False,
) -> AlignOutcome:
    """Align one translation to the article's source and save it under ``alignments/``; says what it did
    (``aligned``, ``unchanged`` or ``kept``, with the alignment).

    Texts that cannot be aligned meaningfully (see ``check_alignable``) raise TextsError before anything
    is computed or written; ``anyway`` lets texts through that only look wrong (OddTextsError).

    Refuses to overwrite an alignment with reviewed beads unless ``force``; the old file is then kept
    beside the new one as ``<name>.json.bak-<time>`` (earlier backups stay). An unreadable alignment file
    may hold reviewed beads too: it is replaced only with ``force``, and kept as
    ``<name>.json.corrupt-<time>``. These checks come before the (slow) alignment. A machine
    translation's 1-1 alignment by construction (model ``construction``) is exact: while both texts are
    unchanged it is returned as it is, unless ``force``. An alignment that comes out the same as the one
    on disk is not written again (no new revision, the same bytes). Bead notes and flags are carried over
    (``store.carry_notes``).
    """
    path = ws.alignment_path(article.id, target)
    storage.remove_stale_temps(path.parent, {path.name})  # a killed run's, even if nothing is written now
    old, corrupt = None, False
    if path.exists() or path.is_symlink():
        try:
            old = store.load_alignment(path)
        except (store.CorruptAlignmentError, FileNotFoundError) as exc:
            if not force:
                raise store.CorruptAlignmentError(
                    f"{exc}. It may hold reviewed beads: fix it by hand, or re-align with --force "
                    f"(which keeps it as {path.name}.corrupt-<time>)"
                ) from None
            corrupt = True
    done = lambda outcome, record: AlignOutcome(article.id, target, outcome, record)  # noqa: E731
    if old is not None and old.model == CONSTRUCTION and not force and not changed_texts(article, old):
        return done("kept", old)
    reviewed = store.reviewed_count(old) if old else 0
    if reviewed and not force:
        raise ReviewedWorkError(
            f"{path} has {reviewed} reviewed beads; re-aligning would discard them. "
            f"Use --force to re-align anyway (the old file is kept as {path.name}.bak-<time>)."
        )
    source = side(article, article.source().id)
    tgt = side(article, target)
    check_alignable(article, source, tgt, anyway=anyway)
    beads = aligner.align([s.text for s in source.sentences], [s.text for s in tgt.sentences])
    record = store.from_beads(article.id, source, tgt, beads, model_name, aligner.params.to_dict())
    if old is None:  # a corrupt file is kept, then replaced
        return done("aligned", store.save_alignment(path, record, force=corrupt))
    record = store.carry_notes(old, record)  # a reviewer's notes stay, on the beads that hold their sentences
    if not reviewed and store.dumps(
        replace(record, created=old.created, modified=old.modified, revision=old.revision)
    ) == store.dumps(old):
        log.info("%s: unchanged, left as it is", path)  # no new revision, no diff in version control
        return done("unchanged", old)
    record.created = old.created
    return done("aligned", store.save_alignment(path, record, expected_revision=old.revision, backup=True))


REFUSALS = (ReviewedWorkError, OddTextsError, store.CorruptAlignmentError)  # what --force/--anyway change


def align_versions(
    ws: Workspace,
    jobs: Iterable[tuple[texts.Article, str]],
    aligner: Aligner,
    model_name: str,
    *,
    force: bool = False,
    anyway: bool = False,
    on_done: Callable[[AlignOutcome], None] | None = None,
) -> list[AlignOutcome]:
    """Align each (article, target version) of ``jobs`` (see :func:`align_version`), going on after one
    that is refused or fails; ``on_done(outcome)`` as each is done. One outcome per job, in order."""
    outcomes = []
    for article, target in jobs:
        try:
            outcome = align_version(ws, article, target, aligner, model_name, force=force, anyway=anyway)
        except REFUSALS as exc:
            outcome = AlignOutcome(article.id, target, "refused", reason=str(exc))
        except WorkbenchError as exc:
            outcome = AlignOutcome(article.id, target, "failed", reason=str(exc))
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
    return outcomes


def outcome_summary(outcomes: list[AlignOutcome]) -> str:
    """``aligned 1 of 3: 1 unchanged, 1 kept`` (the outcomes other than aligned that happened)."""
    counts = {name: sum(1 for o in outcomes if o.outcome == name) for name in OUTCOMES}
    rest = [f"{counts[name]} {name}" for name in OUTCOMES[1:] if counts[name]]
    return f"aligned {counts['aligned']} of {len(outcomes)}" + (f": {', '.join(rest)}" if rest else "")


def models_of(record: store.Alignment) -> tuple[list[str], AlignParams]:
    """The embedding models and aligner parameters ``record`` was made with, to align again the same way
    (the default preset's for an alignment by construction). Parameters of another workbench version are
    dropped with a warning; AlignError for a saved value of the wrong type."""
    names, params = PRESETS[DEFAULT_PRESET]
    if record.model and record.model != CONSTRUCTION:
        names = [m for m in record.model.split("+") if m]
        params = AlignParams.from_dict(record.params)
    return list(names), params
