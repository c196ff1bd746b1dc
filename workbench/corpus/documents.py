"""The import stage: stories in, cleaned documents and their sentences out.

:func:`clean_batch` is a pure function over a batch of archive rows (any engine may call it on any
batch): it restores paragraph breaks that scraping turned into ", " (:func:`clean_text`), detects each
story's language (py3langid) and relabels a story whose label disagrees at high confidence, splits it
into sentences with the workbench's segmenter (the title is the first paragraph, as in ``texts/``), and
flags what would trouble the later stages: empty stories, a sentence longer than the aligner takes, a
story too long to align. :func:`mark_duplicates` then runs over the whole table, blocked by language and
date: exact duplicates (the same text) and near duplicates (a short story whose word 4-grams are nearly
all in a longer one of the same day, such as a flash report beside the full story).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from workbench.corpus.folder import check_numbers
from workbench.text.language import guess_language
from workbench.text.segment import split_sentences

__all__ = [
    "DOCUMENT_SCHEMA",
    "SENTENCE_SCHEMA",
    "ImportParams",
    "clean_batch",
    "clean_text",
    "documents_table",
    "mark_duplicates",
    "sentences_table",
]

DOCUMENT_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("row", pa.int64()),
        ("language", pa.string()),  # after relabelling
        ("label", pa.string()),  # as the archive had it
        ("lang_guess", pa.string()),
        ("lang_prob", pa.float64()),
        ("date", pa.date32()),
        ("date_source", pa.string()),  # column, derived or none
        ("title", pa.string()),
        ("text", pa.string()),  # the story (without the title), paragraph breaks restored (clean_text)
        ("n_chars", pa.int64()),
        ("n_sentences", pa.int64()),
        ("text_hash", pa.string()),
        ("duplicate_of", pa.string()),  # the first story with the same text (same language)
        ("near_duplicate_of", pa.string()),  # a longer story of the same day that holds this one
        ("flags", pa.list_(pa.string())),
    ]
)
SENTENCE_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("idx", pa.int32()),  # 0-based position in the document
        ("sent_id", pa.string()),  # "p3.s2", as everywhere in the workbench
        ("paragraph", pa.int32()),
        ("text", pa.string()),
    ]
)
_WORD_RE = re.compile(r"\w+")
# Scraping debris: a paragraph break that became ", " after a sentence ("... Kim Jong Il., He was ..."),
# common in the KCNA archive (15,723 of 22,337 stories); sentencex does not split at ".," so the two
# sentences would stay one. "U.S., Japan" is left alone (an initial before the stop).
_BROKEN_PARAGRAPH_RE = re.compile(r"(?:(?<=[a-z0-9)\]\"”’][.!?])|(?<=:))[ \t]?,[ \t]+(?=[\"“¿¡A-Z])")


def clean_text(text: str) -> tuple[str, int]:
    """``text`` with paragraph breaks that scraping turned into ", " restored; and how many."""
    return _BROKEN_PARAGRAPH_RE.subn("\n", text)


@dataclass(frozen=True, slots=True)
class ImportParams:
    """Settings of the import stage.

    - ``relabel_prob``/``label_prob``: a story is relabelled when py3langid gives another language at
      least ``relabel_prob`` and its label under ``label_prob`` (the thresholds of ``workbench add``'s
      language warning); ``langid_chars`` of its text are read.
    - ``max_sentence_chars``/``max_sentences``: a story with a longer sentence, or more sentences, is
      flagged (``long-sentence``, ``too-long``); the align stage leaves too-long stories out.
    - ``near_duplicate``: the share of a story's word 4-grams found in a longer story of the same day and
      language above which it is a near duplicate of it.
    """

    relabel_prob: float = 0.95
    label_prob: float = 0.01
    langid_chars: int = 2000
    max_sentence_chars: int = 2000
    max_sentences: int = 2000
    near_duplicate: float = 0.8

    def __post_init__(self) -> None:
        many = (1, float("inf"))
        check_numbers(
            self,
            {
                "relabel_prob": (0, 1),
                "label_prob": (0, 1),
                "langid_chars": many,
                "max_sentence_chars": many,
                "max_sentences": many,
                "near_duplicate": (1e-6, 1),
            },
            "import",
        )

    def to_dict(self) -> dict:
        return asdict(self)


def _base(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def _language(label: str, text: str, params: ImportParams) -> tuple[str, str, float]:
    """(language to use, py3langid's guess, its probability)."""
    sample = text[: params.langid_chars]
    if sum(ch.isalpha() for ch in sample) < 20:
        return label, "", 0.0
    best, probs = guess_language(sample)
    p_best, p_label = probs[best], probs.get(_base(label), 0.0) if label else 0.0
    other = label and _base(label) in probs and best != _base(label)
    if other and p_best >= params.relabel_prob and p_label < params.label_prob:
        return best, best, p_best
    return label or best, best, p_best


def _text_hash(text: str) -> str:
    words = " ".join(_WORD_RE.findall(text.lower()))
    return hashlib.blake2b(words.encode("utf-8"), digest_size=12).hexdigest()


def clean_batch(stories: pd.DataFrame, params: ImportParams = ImportParams()) -> pd.DataFrame:
    """Documents for a batch of archive rows (``archive.read_archive``'s columns), one row each, with their
    sentences as list columns ``sent_ids``, ``sent_paras``, ``sent_texts`` (see :func:`sentences_table`)."""
    rows = []
    for story in stories.itertuples(index=False):
        text, restored = clean_text(story.text or "")
        title = (story.title or "").strip()
        language, guess, prob = _language(story.label, text, params)
        flags = ["paragraphs-restored"] if restored else []
        if language != story.label:
            flags.append("relabelled")
        if story.date is None:
            flags.append("no-date")
        sentences = split_sentences(f"{title}\n{text}" if title else text, language)
        if not any(s.paragraph > 1 for s in sentences) if title else not sentences:
            flags.append("empty")
        if any(len(s.text) > params.max_sentence_chars for s in sentences):
            flags.append("long-sentence")
        if len(sentences) > params.max_sentences:
            flags.append("too-long")
        rows.append(
            {
                "doc_id": story.id,
                "row": story.row,
                "language": language,
                "label": story.label,
                "lang_guess": guess,
                "lang_prob": round(prob, 6),
                "date": story.date,
                "date_source": story.date_source,
                "title": title,
                "text": text,
                "n_chars": len(text),
                "n_sentences": len(sentences),
                "text_hash": _text_hash(text),
                "duplicate_of": None,
                "near_duplicate_of": None,
                "flags": flags,
                "sent_ids": [s.id for s in sentences],
                "sent_paras": [s.paragraph for s in sentences],
                "sent_texts": [s.text for s in sentences],
            }
        )
    return pd.DataFrame(rows)


def documents_table(batch: pd.DataFrame) -> pa.Table:
    """The documents of a :func:`clean_batch` result, without the sentence columns."""
    return pa.Table.from_pandas(batch[DOCUMENT_SCHEMA.names], schema=DOCUMENT_SCHEMA, preserve_index=False)


def sentences_table(batch: pd.DataFrame) -> pa.Table:
    """One row a sentence of the documents of a :func:`clean_batch` result."""
    counts = batch["sent_ids"].map(len)
    return pa.table(
        {
            "doc_id": batch["doc_id"].repeat(counts).tolist(),
            "idx": [i for n in counts for i in range(n)],
            "sent_id": [x for ids in batch["sent_ids"] for x in ids],
            "paragraph": [x for paras in batch["sent_paras"] for x in paras],
            "text": [x for texts in batch["sent_texts"] for x in texts],
        },
        schema=SENTENCE_SCHEMA,
    )


def _shingles(text: str, vocabulary: dict[str, int]) -> set[int]:
    """The word 4-grams of ``text`` as integers (words numbered through ``vocabulary``)."""
    ids = np.array([vocabulary.setdefault(w, len(vocabulary)) for w in _WORD_RE.findall(text.lower())])
    if len(ids) < 4:
        return {int(x) for x in ids}
    ids = ids.astype(np.uint64)
    mix = np.uint64(0x9E3779B97F4A7C15)  # wrapping arithmetic: a hash of the four word numbers
    grams = ((ids[:-3] * mix + ids[1:-2]) * mix + ids[2:-1]) * mix + ids[3:]
    return set(grams.tolist())


def mark_duplicates(docs: pd.DataFrame, params: ImportParams = ImportParams()) -> pd.DataFrame:
    """Fill ``duplicate_of`` and ``near_duplicate_of`` (and their flags) over the whole documents table.

    Exact duplicates share language and text hash; the first by archive row is the original. Near
    duplicates are looked for among the stories of one language and day only, so the cost grows with
    the archive's size times the stories of a day."""
    docs = docs.sort_values("row").reset_index(drop=True)
    dup = docs.groupby(["language", "text_hash"], sort=False)["doc_id"].transform("first")
    is_dup = (dup != docs["doc_id"]) & (docs["n_chars"] > 0)
    dup_of = [d if flag else None for d, flag in zip(dup, is_dup, strict=True)]
    docs["duplicate_of"] = dup_of
    near: dict[str, str] = {}
    vocabulary: dict[str, int] = {}
    originals = docs[~is_dup & (docs["n_chars"] > 0) & docs["date"].notna()]
    for _, day in originals.groupby(["language", "date"], sort=False):
        if len(day) < 2:
            continue
        day = day.sort_values(["n_chars", "row"])
        grams = [_shingles(t, vocabulary) for t in day["text"]]
        ids = day["doc_id"].tolist()
        for k, g in enumerate(grams):
            if not g:
                continue
            need = params.near_duplicate * len(g)
            best, best_shared = None, 0
            for other in range(k + 1, len(grams)):  # longer (or as long, later) stories
                shared = len(g & grams[other])
                if shared >= need and shared > best_shared:
                    best, best_shared = other, shared
            if best is not None:
                near[ids[k]] = ids[best]
    near_of = [near.get(d) for d in docs["doc_id"]]
    docs["near_duplicate_of"] = near_of

    docs["flags"] = [
        [f for f in old if f not in ("duplicate", "near-duplicate")]
        + ["duplicate"] * (dup is not None)
        + ["near-duplicate"] * (nd is not None)
        for old, dup, nd in zip(docs["flags"], dup_of, near_of, strict=True)
    ]
    return docs
