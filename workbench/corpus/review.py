"""What a person does with a corpus's pairs: decide them, and open one for sentence review.

- :func:`decide` records a person's decision on a target story (``accepted`` with its source story,
  ``rejected`` or ``none``) in the ``decisions`` table, and re-decides the pairs at once (no stage is
  re-run: the candidates are kept). A run of the pipeline never overrides such a decision, and the export
  honours it; ``clear`` removes it.
- :func:`open_pair` turns one pair into an article in ``texts/`` (the source story as its source, the
  target story as a human translation) with provenance pointing back to the corpus and its ids, and saves
  the pair's sentence links as its alignment in ``alignments/``, where the app and ``workbench export``
  take it as any other article.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa

from workbench.corpus import pairing, pipeline, probability
from workbench.corpus.folder import CorpusError, CorpusFolder
from workbench.corpus.pairing import PERSON
from workbench.store import alignments as store
from workbench.store import texts
from workbench.text.segment import Sentence, split_sentences

__all__ = ["DECISION_SCHEMA", "accept_all_above", "decide", "effects", "open_pair", "story_article_id"]

DECISION_SCHEMA = pa.schema(
    [
        ("tgt_id", pa.string()),
        ("decision", pa.string()),  # accepted, rejected or none
        ("src_id", pa.string()),  # accepted: the source story; rejected: the one rejected
        ("note", pa.string()),
        ("at", pa.string()),  # ISO 8601 UTC
    ]
)


def story_article_id(folder: CorpusFolder, *story_ids: str) -> str:
    """The article id of a corpus's stories (``<corpus>-<target>[-<source>]``, slugged). Where the slug
    would pass the 100 characters of an article id, its end becomes a hash of the whole, so that two
    pairs never share an article; shorter ids are the plain slug."""
    text = "-".join((folder.name, *story_ids))
    slug = texts.slugify(text)
    if len(slug) < 99:  # slugify cuts at 100 (then trims a "-"): this one was not cut
        return slug
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return f"{slug[:87].rstrip('-')}-{digest}"


def _pair_row(folder: CorpusFolder, tgt_id: str) -> dict:
    pairs = folder.read("pairs").to_pandas()
    row = pairs[pairs["tgt_id"] == tgt_id]
    if row.empty:
        raise CorpusError(
            f"{tgt_id!r} is not a target story of corpus {folder.name} (see `workbench corpus pairs`)"
        )
    return row.iloc[0].to_dict()


def decide(
    folder: CorpusFolder, tgt_id: str, decision: str, src_id: str | None = None, note: str = ""
) -> dict:
    """Record a person's decision on ``tgt_id`` and re-decide the pairs; returns the story's new pair row.

    ``decision``: ``accepted`` (``src_id``, default the pair's current or best candidate), ``rejected``
    (the pair's current source story is wrong: the pair is listed ``rejected`` with it, and that source is
    free for other stories; the next candidate is the row's ``best_candidate``), ``none`` (no
    translation in the archive) or ``clear`` (forget the person's decision).

    Holds the corpus's lock from reading the decisions to re-deciding the pairs, so that two decisions at
    once are both kept; refused (nothing stored) while the corpus is being built."""
    if decision not in (*PERSON, "clear"):
        raise CorpusError(f"unknown decision {decision!r}: use accepted, rejected, none or clear")
    with folder.lock("deciding"):
        return _decide(folder, tgt_id, decision, src_id, note)


def _decide(folder: CorpusFolder, tgt_id: str, decision: str, src_id: str | None, note: str) -> dict:
    if folder.stage("pair").get("status") != "done":
        raise CorpusError(f"corpus {folder.name} has no pairs yet: run `workbench corpus pair` first")
    known = folder.decisions()  # refused when they vanished: a decision now would hide the loss
    pair = _pair_row(folder, tgt_id)
    current = pair["src_id"] if isinstance(pair["src_id"], str) else pair["best_candidate"]
    if decision == "accepted" and pair["decision"] == "rejected" and not src_id:
        current = pair["best_candidate"]  # after a rejection, accepting takes the next candidate
    if decision in ("accepted", "rejected"):
        src_id = src_id or (current if isinstance(current, str) else None)
        if not src_id:
            raise CorpusError(f"{tgt_id} has no candidate: name the source story (--src-id)")
        docs = folder.read("documents", columns=["doc_id", "language"]).to_pandas()
        src_lang = folder.manifest.get("params", {}).get("pair", {}).get("src")
        match = docs[docs["doc_id"] == src_id]
        if match.empty:
            raise CorpusError(f"no story {src_id!r} in corpus {folder.name}")
        if src_lang and match.iloc[0]["language"] != src_lang:
            raise CorpusError(
                f"{src_id} is in {match.iloc[0]['language']!r}, not the source language {src_lang!r}"
            )
    else:
        src_id = None
    old = (known if known is not None else DECISION_SCHEMA.empty_table()).to_pandas()
    old = old[old["tgt_id"] != tgt_id]
    if decision != "clear":
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        new = pd.DataFrame(
            [{"tgt_id": tgt_id, "decision": decision, "src_id": src_id, "note": note, "at": stamp}]
        )
        old = pd.concat([old, new], ignore_index=True) if len(old) else new
    old = old[list(DECISION_SCHEMA.names)].sort_values("tgt_id")
    folder.save_decisions(pa.Table.from_pandas(old, schema=DECISION_SCHEMA, preserve_index=False))
    pipeline.redecide(folder)
    return _pair_row(folder, tgt_id)


def effects(folder: CorpusFolder, tgt_id: str, src_id: str) -> list[dict]:
    """What accepting ``src_id`` for ``tgt_id`` would do to the other stories, before it is done: one dict
    per other target whose pair would change (``tgt_id``, ``before``/``after`` source and decision, and
    ``reason`` after), from deciding the pairs again as if the person had accepted it. Nothing is saved."""
    params = pipeline.pair_params(folder)
    docs = folder.read("documents").to_pandas()
    targets, family, serial = pipeline.relations(docs, params)
    known = folder.decisions()
    person = (known if known is not None else DECISION_SCHEMA.empty_table()).to_pandas()
    person = person[person["tgt_id"] != tgt_id]
    person = pd.concat(
        [person, pd.DataFrame([{"tgt_id": tgt_id, "decision": "accepted", "src_id": src_id}])],
        ignore_index=True,
    )
    model = probability.from_manifest(folder.manifest)
    candidates = folder.read("candidates").to_pandas()
    after = pairing.assign(targets, candidates, params, family, person, serial, model)
    before = folder.read("pairs", columns=["tgt_id", "src_id", "decision"]).to_pandas().set_index("tgt_id")
    out = []
    for row in after.itertuples(index=False):
        if row.tgt_id == tgt_id or row.tgt_id not in before.index:
            continue
        old = before.loc[row.tgt_id]
        old_src = old["src_id"] if isinstance(old["src_id"], str) else None
        new_src = row.src_id if isinstance(row.src_id, str) else None
        if (old_src, old["decision"]) != (new_src, row.decision):
            out.append(
                {
                    "tgt_id": row.tgt_id,
                    "before_src": old_src,
                    "before": old["decision"],
                    "after_src": new_src,
                    "after": row.decision,
                    "reason": row.reason,
                }
            )
    return out


def describe_effect(effect: dict) -> str:
    """One line for a reviewer: what a decision does to another story."""
    before = f"{effect['before']} with {effect['before_src']}" if effect["before_src"] else effect["before"]
    after = f"{effect['after']} with {effect['after_src']}" if effect["after_src"] else effect["after"]
    return f"{effect['tgt_id']}: {before} -> {after} ({effect['reason']})"


def auto_above(folder: CorpusFolder, threshold: float, by: str = "probability") -> pd.DataFrame:
    """The ``auto`` pairs (the machine's) whose ``by`` (``probability`` or ``score``) is at least
    ``threshold``: what :func:`accept_all_above` would accept."""
    if by not in ("probability", "score"):
        raise CorpusError(f"accept auto pairs by probability or score, not {by!r}")
    pairs = folder.read("pairs").to_pandas()
    if by not in pairs:
        raise CorpusError(
            f"corpus {folder.name}'s pairs have no {by} yet: decide them again (`workbench corpus refit`)"
        )
    keep = (pairs["decision"] == "auto") & (pairs["decided_by"] == "machine") & (pairs[by] >= threshold)
    return pairs[keep & pairs["src_id"].notna()].reset_index(drop=True)


def accept_all_above(
    folder: CorpusFolder, threshold: float, by: str = "probability", note: str = ""
) -> pd.DataFrame:
    """Accept, as a person, every ``auto`` pair whose ``by`` is at least ``threshold`` (one decision each,
    saved at once, then the pairs decided again); returns the pairs accepted."""
    with folder.lock("deciding"):
        chosen = auto_above(folder, threshold, by)
        if chosen.empty:
            return chosen
        known = folder.decisions()
        old = (known if known is not None else DECISION_SCHEMA.empty_table()).to_pandas()
        old = old[~old["tgt_id"].isin(set(chosen["tgt_id"]))]
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        note = note or f"accepted with every auto pair of {by} >= {threshold:g}"
        new = pd.DataFrame(
            {"tgt_id": chosen["tgt_id"], "decision": "accepted", "src_id": chosen["src_id"], "note": note}
        ).assign(at=stamp)
        both = pd.concat([old, new], ignore_index=True) if len(old) else new
        both = both[list(DECISION_SCHEMA.names)].sort_values("tgt_id")
        folder.save_decisions(pa.Table.from_pandas(both, schema=DECISION_SCHEMA, preserve_index=False))
        pipeline.redecide(folder)
    return chosen


def story_text(doc: dict) -> str:
    """The story as an article text: the title as the first line, then the story's paragraphs."""
    title, text = (doc["title"] or "").strip(), doc["text"] or ""
    return f"{title}\n{text}" if title else text


def open_pair(
    folder: CorpusFolder, ws, tgt_id: str, article_id: str | None = None, publisher: str = ""
) -> tuple[texts.Article, store.Alignment]:
    """Make the pair of ``tgt_id`` an article of workspace ``ws`` with its alignment; returns both.

    The article holds the source story as ``<src>.source`` and the target story as ``<tgt>.corpus``
    (kind human), with origins naming the corpus, the archive and the story ids. The alignment is the
    pair's sentence links from the align stage."""
    pair = _pair_row(folder, tgt_id)
    src_id = pair["src_id"] if pair["decision"] != "rejected" else None
    if not isinstance(src_id, str):
        raise CorpusError(
            f"{tgt_id} has no source story ({pair['decision']}: {pair['reason']}); accept one first "
            f"(workbench corpus decide {folder.name} {tgt_id} --accept SRC_ID)"
        )
    docs = folder.read("documents").to_pandas().set_index("doc_id")
    src, tgt = docs.loc[src_id].to_dict(), docs.loc[tgt_id].to_dict()
    links = folder.read("links").to_pandas() if folder.has("links") else pd.DataFrame()
    links = links[(links["tgt_id"] == tgt_id) & (links["src_id"] == src_id)] if len(links) else links
    if links.empty:
        raise CorpusError(
            f"the pair {src_id} -> {tgt_id} has no sentence links yet: "
            f"run `workbench corpus align {folder.name}`"
        )
    article_id = article_id or story_article_id(folder, tgt_id)
    source = folder.manifest.get("source", {})
    where = f"corpus {folder.name} ({folder.path}), archive {source.get('path', '?')}"
    article = texts.create_article(
        ws.texts,
        article_id,
        src["title"] or src_id,
        date=src["date"] if src["date"] == src["date"] else None,
        publisher=publisher,
        source_url=source.get("path", ""),
        notes=(
            f"From {where} ({source.get('sha256', '')}): source story {src_id}, translation {tgt_id}; "
            f"pair decision {pair['decision']} by {pair['decided_by']}"
            + (
                f", score {pair['score']:.2f}, margin {pair['margin']:.2f}"
                if pair["score"] == pair["score"] and pair["score"] is not None
                else ""
            )
        ),
    )
    src_lang, tgt_lang = src["language"], tgt["language"]
    src_text, tgt_text = story_text(src), story_text(tgt)
    texts.add_version(
        ws.texts,
        article_id,
        src_text,
        language=src_lang,
        kind="source",
        origin=f"story {src_id} of {where}",
        check_script=False,
    )
    version = texts.add_version(
        ws.texts,
        article_id,
        tgt_text,
        language=tgt_lang,
        kind="human",
        tag="corpus",
        origin=f"story {tgt_id} of {where}",
        check_script=False,
    )
    article = texts.load_article(ws.texts, article_id)
    sides = []
    for vid, lang in ((article.source().id, src_lang), (version.id, tgt_lang)):
        stored = texts.read_version_text(article, vid)
        sentences: list[Sentence] = split_sentences(stored, lang)
        sides.append(store.AlignedSide(vid, lang, texts.content_hash(stored), sentences))
    known_src = {s.id for s in sides[0].sentences}
    known_tgt = {s.id for s in sides[1].sentences}
    links = links.sort_values("link")
    if not all(set(x) <= known_src for x in links["src_sent_ids"]) or not all(
        set(x) <= known_tgt for x in links["tgt_sent_ids"]
    ):
        raise CorpusError(f"the stored texts of {article_id} no longer split as in the corpus; re-import it")
    record = store.Alignment(
        article=article_id,
        source=sides[0],
        target=sides[1],
        links=[
            store.Link(list(a), list(b), float(s))
            for a, b, s in zip(links["src_sent_ids"], links["tgt_sent_ids"], links["score"], strict=True)
        ],
        model=f"corpus:{folder.manifest.get('params', {}).get('align', {}).get('preset', 'fast')}",
        params={"corpus": folder.name, "src_id": src_id, "tgt_id": tgt_id},
        created=store._now(),
        modified=store._now(),
    )
    saved = store.save_alignment(ws.alignment_path(article_id, version.id), record)
    return article, saved
