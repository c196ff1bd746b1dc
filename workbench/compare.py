"""Compare a human translation with a machine one, sentence by sentence through the English source.

Both versions are aligned to the article's source (the saved alignments when they are up to date, else
aligned now, in memory); rows are the smallest groups of source sentences that both alignments keep
together, usually one English sentence. Each row gets chrF (sacrebleu; the machine text as hypothesis,
the human text as reference), and so does the whole article.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.align.aligner import Aligner
from workbench.align.factory import make_aligner, resolve_models
from workbench.store import alignments as store
from workbench.store import texts
from workbench.text.segment import sentence_separator
from workbench.workspace import Workspace, side

__all__ = ["Comparison", "ComparisonRow", "compare_versions", "default_aligner"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """One group of source sentences with what each translation made of it."""

    source_ids: tuple[str, ...]  # e.g. ("p3.s1",), or several when a translation merged sentences
    source: str
    human: str
    machine: str
    chrf: float  # 0-100


@dataclass(slots=True)
class Comparison:
    article: str
    source: str  # version ids
    human: str
    machine: str
    rows: list[ComparisonRow]
    chrf: float  # corpus-level chrF over all rows, 0-100
    alignments: dict[str, str] = field(default_factory=dict)  # version id -> how it was aligned

    def most_different(self, n: int = 5) -> list[ComparisonRow]:
        """The ``n`` rows with the lowest chrF: where the human translation departs most from the machine."""
        return sorted(self.rows, key=lambda r: r.chrf)[:n]


def default_aligner(preset: str | None = None, models: str | None = None) -> tuple[Aligner, str]:
    """The aligner of a preset and/or ``+``-joined model list (default: the default preset) and its model
    name."""
    names, params = resolve_models(preset, models)
    return make_aligner(names, params), "+".join(names)


def _current_alignment(
    ws: Workspace,
    article: texts.Article,
    version_id: str,
    source: store.AlignedSide,
    get_aligner: Callable[[], tuple[Aligner, str]],
) -> tuple[store.Alignment, str]:
    """The saved alignment of ``version_id`` if it still fits the texts, else a fresh one (not saved)."""
    target = side(article, version_id)
    if not target.sentences:
        raise texts.TextsError(f"{article.id}: {version_id} has no sentences")
    path = ws.alignment_path(article.id, version_id)
    if path.exists():
        try:
            saved = store.load_alignment(path)
        except store.AlignmentError as exc:
            log.warning("ignoring %s", exc)
        else:
            fits = (
                saved.source.version == source.version
                and not store.is_stale(saved, source.sha256, target.sha256)
                and [s.id for s in saved.source.sentences] == [s.id for s in source.sentences]
            )
            if fits:
                return saved, f"saved ({saved.model}, revision {saved.revision})"
            log.info("%s is out of date; aligning %s now", path, version_id)
    aligner, model = get_aligner()
    beads = aligner.align([s.text for s in source.sentences], [s.text for s in target.sentences])
    record = store.from_beads(article.id, source, target, beads, model, aligner.params.to_dict())
    return record, f"aligned now ({model})"


def _groups(n: int, records: list[store.Alignment], index: dict[str, int]) -> list[int]:
    """Group number of each source sentence: sentences that a link of any record joins share a group."""
    joined = [False] * n  # joined[i]: sentence i and i+1 are in one group
    for record in records:
        for link in record.links:
            positions = sorted(index[s] for s in link.src)
            for i in range(positions[0], positions[-1]) if positions else ():
                joined[i] = True
    groups, g = [], 0
    for i in range(n):
        groups.append(g)
        if not joined[i]:
            g += 1
    return groups


def _texts_by_group(
    record: store.Alignment, groups: list[int], index: dict[str, int]
) -> dict[int, list[str]]:
    """The target sentences of each group; target sentences linked to nothing join the group before."""
    text = {s.id: s.text for s in record.target.sentences}
    out: dict[int, list[str]] = {}
    current = 0
    for link in record.links:
        if link.src:
            current = groups[index[link.src[0]]]
        out.setdefault(current, []).extend(text[t] for t in link.tgt)
    return out


def compare_versions(
    ws: Workspace,
    article: texts.Article | str,
    human: str,
    machine: str,
    aligner_factory: Callable[[], tuple[Aligner, str]] | None = None,
) -> Comparison:
    """chrF of ``machine`` against ``human`` for each source sentence (group) of ``article`` and overall.

    ``aligner_factory() -> (aligner, model name)`` is called at most once, and only when a version has no
    up-to-date saved alignment (default: the ``fast`` preset).
    """
    from sacrebleu.metrics import CHRF

    if isinstance(article, str):
        article = ws.article(article)
    for vid in (human, machine):
        if article.version(vid).kind == "source":
            raise texts.TextsError(f"{vid} is the source of {article.id}; compare two translations of it")
    if human == machine:
        raise texts.TextsError(f"--human and --machine are both {human}; choose two different versions")
    source = side(article, article.source().id)
    if not source.sentences:
        raise texts.TextsError(f"{article.id}: the source text has no sentences")

    made: list[tuple[Aligner, str]] = []

    def get_aligner() -> tuple[Aligner, str]:
        if not made:
            made.append((aligner_factory or default_aligner)())
        return made[0]

    h_rec, h_how = _current_alignment(ws, article, human, source, get_aligner)
    m_rec, m_how = _current_alignment(ws, article, machine, source, get_aligner)
    index = {s.id: i for i, s in enumerate(source.sentences)}
    groups = _groups(len(source.sentences), [h_rec, m_rec], index)
    h_texts = _texts_by_group(h_rec, groups, index)
    m_texts = _texts_by_group(m_rec, groups, index)
    h_sep, m_sep = (sentence_separator(article.version(v).language) for v in (human, machine))

    chrf = CHRF()
    rows = []
    for g in range(groups[-1] + 1 if groups else 0):
        members = [s for s, sg in zip(source.sentences, groups, strict=True) if sg == g]
        h = h_sep.join(h_texts.get(g, []))
        m = m_sep.join(m_texts.get(g, []))
        score = chrf.sentence_score(m, [h]).score if h and m else 0.0
        rows.append(
            ComparisonRow(tuple(s.id for s in members), " ".join(s.text for s in members), h, m, score)
        )
    overall = chrf.corpus_score([r.machine for r in rows], [[r.human for r in rows]]).score
    return Comparison(
        article.id, source.version, human, machine, rows, overall, {human: h_how, machine: m_how}
    )
