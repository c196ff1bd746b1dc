"""Editing a text while reviewing its alignment: a sentence's text (a typo, an OCR error, a bad machine
translation), a sentence split at a chosen point, two adjacent sentences of one side joined.

- The text version file is rewritten atomically, and only the lines that hold the edited sentences change.
- The edited sentence keeps its id; the second part of a split gets a new one (``p3.s2`` -> ``p3.s2`` and
  ``p3.s2a``), and every other sentence keeps its own. Where the splitter would now split the text
  otherwise, the sentences as the reviewer left them are stored beside it, in ``<version>.edits.json``
  (with the log of every edit: when, by whom, what before and after); ``texts.version_sentences`` reads
  them for as long as the text is the one they were left for.
- The version's provenance says it was edited (``edited``, ``edited_by`` in ``article.toml``): a machine
  version becomes a post-edited one.
- The other alignments of the article on that text are carried over at once (``review.follow``): their
  beads, reviewed ones included, stay as they are. One that was not in step with the text anyway is left
  as it is; the app offers to re-align it keeping its reviewed beads (``review.rebase``).
- Undo: :func:`restore` puts the text back as an earlier state of the alignment had it.

The edited alignment itself is returned, not saved: the caller saves it (the app, with its rules on
conflicts).
"""

from __future__ import annotations

import getpass
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.review import beads as review
from workbench.store import alignments as store
from workbench.store import files as storage
from workbench.store import texts
from workbench.text.encoding import check_text
from workbench.text.segment import Sentence, sentence_separator, split_paragraphs

__all__ = ["TextEdit", "TextEditError", "edit_sentence", "join_sentences", "restore", "split_sentence"]

log = logging.getLogger(__name__)

_LINE_BREAK = re.compile(r"(\r\n|[\r\n\u2028\u2029])")  # the line breaks the splitter knows
_PART_BREAK = re.compile(r"[\r\n\u2028\u2029]+")  # in an edited sentence: split it there
MAX_EDIT_CHARS = 100_000  # what one edit may insert (a paste of a whole article is a new text, not an edit)
MAX_EDIT_SENTENCES = 1_000


# Control characters a paste may carry (NUL, ESC, C1): an edit drops them (a text that holds them reads as
# a binary file, and no later edit could open it)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _tidy(part: str) -> str:
    found = split_paragraphs(_CONTROLS.sub("", part.replace("\ufeff", "")))
    return " ".join(found)


class TextEditError(WorkbenchError):
    """A text edit that cannot be made; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class TextEdit:
    """What a text edit did: the edited alignment (carried over, not saved yet), the version's text before
    and after, and what became of the article's other alignments on that text."""

    alignment: store.Alignment
    version: str
    before: str
    after: str
    others: dict[str, str] = field(default_factory=dict)  # target version -> "carried over" or why not

    @property
    def texts(self) -> dict[str, str]:
        """Both texts by content hash (what an undo history keeps)."""
        return {texts.content_hash(t): t for t in (self.before, self.after)}


# --- where each sentence is in the text -----------------------------------------------------------------


@dataclass(slots=True)
class _Layout:
    """A text as lines (and the breaks between them) and where each sentence of a list sits in them."""

    lines: list[str]
    breaks: list[str]
    spans: list[tuple[int, int, int]]  # per sentence: line, start and end in the whitespace-tidied line
    tidied: dict[str, str] = field(default_factory=dict)  # a line -> as the splitter reads it

    @property
    def text(self) -> str:
        out = [self.lines[0]]
        for brk, line in zip(self.breaks, self.lines[1:], strict=True):
            out += [brk, line]
        return "".join(out)

    def tidy(self, i: int) -> str:
        """Line ``i`` as the splitter reads it (runs of spaces and tabs made one space, stripped)."""
        line = self.lines[i]
        if line not in self.tidied:
            found = split_paragraphs(line)
            self.tidied[line] = found[0] if found else ""
        return self.tidied[line]


def _layout(text: str, sentences: list[Sentence], where: Path) -> _Layout:
    parts = _LINE_BREAK.split(text)
    layout = _Layout(parts[0::2], parts[1::2], [], {})
    line, pos = 0, 0
    tidy = layout.tidy(0)
    for s in sentences:
        while True:
            at = tidy.find(s.text, pos)
            if at >= 0 and not tidy[pos:at].strip():  # right after the sentence before it
                break
            line, pos = line + 1, 0
            if line >= len(layout.lines):
                raise TextEditError(
                    f"sentence {s.id} ({s.text[:40]!r}) is not where it should be in {where}: the file "
                    "changed since it was aligned; re-align it first"
                )
            tidy = layout.tidy(line)
        layout.spans.append((line, at, at + len(s.text)))
        pos = at + len(s.text)
    return layout


def _paragraphs(layout: _Layout, sentences: list[Sentence]) -> list[Sentence]:
    """The sentences with the paragraph numbers of the lines they are on (a line of text is a paragraph)."""
    number, numbers = 0, {}
    for i in range(len(layout.lines)):
        if layout.tidy(i):
            number += 1
        numbers[i] = number
    return [replace(s, paragraph=numbers[span[0]]) for s, span in zip(sentences, layout.spans, strict=True)]


def _new_ids(base: str, taken: set[str]) -> Iterator[str]:
    """Ids for the sentences split off ``base``, in order: ``base`` + a, b, c, ..., then ``base-2``,
    ``base-3``, ...; each one not in ``taken`` (nor given before). Linear in the ids given."""
    for letter in "abcdefghijklmnopqrstuvwxyz":
        if base + letter not in taken:
            yield base + letter
    n = 2
    while True:
        if f"{base}-{n}" not in taken:
            yield f"{base}-{n}"
        n += 1


# --- the edits, on a text and its sentences -------------------------------------------------------------


def _rewrite(
    text: str, sentences: list[Sentence], k: int, parts: list[str], lang: str, where: Path
) -> tuple[str, list[Sentence]]:
    """Sentence ``k`` replaced by ``parts`` (one: a new text; several: split there)."""
    layout = _layout(text, sentences, where)
    line, a, b = layout.spans[k]
    tidy = layout.tidy(line)
    piece = sentence_separator(lang).join(parts)
    layout.lines[line] = tidy[:a] + piece + tidy[b:]
    ids = _new_ids(sentences[k].id, {s.id for s in sentences})
    new = [replace(sentences[k], text=parts[0])]
    spans = [(line, a, a + len(parts[0]))]
    at = a + len(parts[0])
    for part in parts[1:]:
        new.append(Sentence(next(ids), part, sentences[k].paragraph))
        at += len(sentence_separator(lang))
        spans.append((line, at, at + len(part)))
        at += len(part)
    shift = len(piece) - (b - a)
    moved = [(ln, s + shift, e + shift) if ln == line and s >= b else (ln, s, e) for ln, s, e in layout.spans]
    layout.spans = [*moved[:k], *spans, *moved[k + 1 :]]
    result = [*sentences[:k], *new, *sentences[k + 1 :]]
    return layout.text, _paragraphs(layout, result)


def _join(text: str, sentences: list[Sentence], k: int, lang: str, where: Path) -> tuple[str, list[Sentence]]:
    """Sentences ``k`` and ``k + 1`` made one (keeping the id of ``k``); on two lines, the lines join."""
    layout = _layout(text, sentences, where)
    (l1, a1, _), (l2, _, b2) = layout.spans[k], layout.spans[k + 1]
    if l1 == l2:
        joined = layout.tidy(l1)[a1:b2]
        span = (l1, a1, b2)
        spans = [*layout.spans[:k], span, *layout.spans[k + 2 :]]
    else:
        between = [layout.lines[i] for i in range(l1 + 1, l2) if layout.tidy(i)]
        if between:
            raise TextEditError(
                f"{sentences[k].id} and {sentences[k + 1].id} have a line without sentences between them "
                f"({between[0][:40]!r}) in {where}: edit the file to join them"
            )
        sep = sentence_separator(lang)
        first = layout.tidy(l1)
        layout.lines[l1] = first + sep + layout.tidy(l2)
        offset = len(first) + len(sep)  # where line l2's text now starts on line l1
        joined = layout.lines[l1][a1 : offset + b2]
        del layout.lines[l1 + 1 : l2 + 1]
        del layout.breaks[l1:l2]
        gone = l2 - l1

        def moved(span: tuple[int, int, int]) -> tuple[int, int, int]:
            ln, s, e = span
            if ln == l2:
                return l1, s + offset, e + offset
            return (ln - gone, s, e) if ln > l2 else span

        spans = [*layout.spans[:k], (l1, a1, offset + b2), *map(moved, layout.spans[k + 2 :])]
    layout.spans = spans
    result = [*sentences[:k], replace(sentences[k], text=joined), *sentences[k + 2 :]]
    return layout.text, _paragraphs(layout, result)


# --- writing an edit ------------------------------------------------------------------------------------


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "reviewer"


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _side_of(alignment: store.Alignment, side: str) -> store.AlignedSide:
    if side not in review.SIDES:
        raise TextEditError(f"side must be 'src' or 'tgt', not {side!r}")
    return alignment.source if side == "src" else alignment.target


def _same_sentences(a: list[Sentence], b: list[Sentence]) -> bool:
    return [(s.id, s.text) for s in a] == [(s.id, s.text) for s in b]


def _write(
    ws,
    article: texts.Article,
    version_id: str,
    text: str,
    sentences: list[Sentence],
    entry: dict,
) -> None:
    """Write the version's text and its edits file as a set, then its provenance in article.toml."""
    version = article.version(version_id)
    auto = texts.split_sentences_cached(text, version.language)
    old = texts.read_edits(article, version_id)
    entries = [*(old["log"] if old else []), entry]
    stored = None if auto == sentences else sentences
    edits = texts.edits_dumps(version_id, texts.content_hash(text), stored, entries)
    with storage.atomic_files(article.path, version_id) as files:
        files.open(version.file).write(text.encode("utf-8"))
        files.open(texts.edits_path(article, version_id).name).write(edits.encode("utf-8"))
    fresh = texts.load_article(ws.texts, article.id)  # (another change of article.toml is kept)
    for v in fresh.versions:
        if v.id == version_id:
            v.edited, v.edited_by = _now(), entry["by"]
    texts.write_article_metadata(fresh)
    log.info("%s %s: %s %s", article.id, version_id, entry["op"], ", ".join(entry["sentences"]))


def _carry_others(
    ws, article: texts.Article, edited: store.Alignment, old: store.AlignedSide, new: store.AlignedSide
) -> dict[str, str]:
    """Carry the article's other alignments on version ``old.version`` over to ``new`` and save them."""
    done: dict[str, str] = {}
    for path in sorted(ws.alignments.joinpath(article.id).glob("*.json")):
        target = path.name.removesuffix(".json")
        if target == edited.target.version or path.name.startswith("."):
            continue
        try:
            other = store.load_alignment(path)
        except (store.AlignmentError, FileNotFoundError) as exc:
            done[target] = f"not carried over: {exc}"
            continue
        which = "src" if other.source.version == new.version else "tgt"
        side = _side_of(other, which)
        if side.version != new.version:
            continue
        if side.sha256 != old.sha256 or not _same_sentences(side.sentences, old.sentences):
            done[target] = "not carried over: it was aligned on another text; re-align it"
            continue
        try:
            store.save_alignment(path, review.follow(other, which, new), expected_revision=other.revision)
        except (WorkbenchError, OSError) as exc:
            done[target] = f"not carried over: {exc}"
        else:
            done[target] = "carried over"
    return done


def _apply(
    ws,
    article: texts.Article,
    alignment: store.Alignment,
    side: str,
    change,
    entry: dict,
) -> TextEdit:
    """Check that the text on disk is the one ``alignment`` shows, apply ``change(text, sentences) -> (text,
    sentences)`` to it, write it, carry the alignments over; holds the text's lock throughout."""
    old_side = _side_of(alignment, side)
    version = article.version(old_side.version)
    path = article.path / version.file
    with storage.locked(path):
        text = texts.read_version_text(article, version.id)
        if texts.content_hash(text) != old_side.sha256:
            raise TextEditError(
                f"{path} changed since this alignment was made: re-align it (keeping the reviewed beads) "
                "before editing its text"
            )
        new_text, sentences = change(text, old_side.sentences, path)
        if new_text != text:
            check_text(new_text, str(path))
        new_side = store.AlignedSide(version.id, version.language, texts.content_hash(new_text), sentences)
        edited = review.follow(alignment, side, new_side)
        _write(ws, article, version.id, new_text, sentences, {"at": _stamp(), "by": _user(), **entry})
        others = _carry_others(ws, article, alignment, old_side, new_side)
    return TextEdit(edited, version.id, text, new_text, others)


def _stamp() -> str:
    return _now().strftime("%Y-%m-%dT%H:%M:%SZ")


def _index(side: store.AlignedSide, sentence_id: str) -> int:
    for k, s in enumerate(side.sentences):
        if s.id == sentence_id:
            return k
    raise TextEditError(f"{side.version} has no sentence {sentence_id!r}")


def edit_sentence(
    ws, article: texts.Article, alignment: store.Alignment, side: str, sentence_id: str, text: str
) -> TextEdit | None:
    """Give sentence ``sentence_id`` of ``side`` (``src`` or ``tgt``) the text ``text``; a line break in
    ``text`` splits the sentence there (the first part keeps the id). None if nothing changes."""
    old = _side_of(alignment, side)
    k = _index(old, sentence_id)
    if len(text) > MAX_EDIT_CHARS:
        raise TextEditError(
            f"the new text of {sentence_id} is {len(text):,} characters long: one edit takes at most "
            f"{MAX_EDIT_CHARS:,}; add a long passage to the text file itself and re-align"
        )
    # As the splitter reads a line: runs of spaces and tabs one space, no byte-order mark, stripped (a pasted
    # double space or tab would otherwise leave the sentence where no later edit finds it).
    parts = [p for p in (_tidy(part) for part in _PART_BREAK.split(text)) if p]
    if len(parts) > MAX_EDIT_SENTENCES:
        raise TextEditError(
            f"the new text of {sentence_id} would make {len(parts):,} sentences: one edit makes at most "
            f"{MAX_EDIT_SENTENCES:,}; add a long passage to the text file itself and re-align"
        )
    if not parts:
        raise TextEditError(
            f"the new text of {sentence_id} is empty: a sentence cannot be empty (join it with the one "
            "before or after it instead)"
        )
    if parts == [old.sentences[k].text]:
        return None
    lang = old.language
    entry = {
        "op": "split" if len(parts) > 1 else "edit",
        "sentences": [sentence_id],
        "before": [old.sentences[k].text],
        "after": parts,
    }

    def change(text_, sentences, path):
        return _rewrite(text_, sentences, k, parts, lang, path)

    return _apply(ws, article, alignment, side, change, entry)


def split_sentence(
    ws, article: texts.Article, alignment: store.Alignment, side: str, sentence_id: str, at: int
) -> TextEdit:
    """Split sentence ``sentence_id`` of ``side`` after its first ``at`` characters."""
    sentence = _side_of(alignment, side).sentences[_index(_side_of(alignment, side), sentence_id)]
    left, right = sentence.text[:at].strip(), sentence.text[at:].strip()
    if not left or not right:
        raise TextEditError(
            f"splitting {sentence_id} after {at} characters would leave a part empty: split it inside"
        )
    return edit_sentence(ws, article, alignment, side, sentence_id, f"{left}\n{right}")


def join_sentences(
    ws, article: texts.Article, alignment: store.Alignment, side: str, sentence_id: str
) -> TextEdit:
    """Join sentence ``sentence_id`` of ``side`` with the sentence after it (it keeps its id; the other
    goes). If the two are in different beads, those beads merge."""
    old = _side_of(alignment, side)
    k = _index(old, sentence_id)
    if k + 1 >= len(old.sentences):
        raise TextEditError(f"{sentence_id} is the last sentence of {old.version}: nothing follows to join")
    nxt = old.sentences[k + 1]
    lang = old.language
    entry = {
        "op": "join",
        "sentences": [sentence_id, nxt.id],
        "before": [old.sentences[k].text, nxt.text],
    }

    def change(text_, sentences, path):
        new_text, result = _join(text_, sentences, k, lang, path)
        entry["after"] = [result[k].text]
        return new_text, result

    return _apply(ws, article, alignment, side, change, entry)


def restore(ws, article: texts.Article, alignment: store.Alignment, known: dict[str, str]) -> list[TextEdit]:
    """Put each text of ``alignment`` (an earlier state, after an undo or a redo) back as it had it, if the
    file holds another: from ``known`` (texts by content hash, see ``History.texts``). Only a text this
    history wrote is replaced (TextEditError otherwise, and for a text it does not know)."""
    done = []
    for side in ("src", "tgt"):
        want = _side_of(alignment, side)
        version = article.version(want.version)
        path = article.path / version.file
        with storage.locked(path):
            text = texts.read_version_text(article, version.id)
            now = texts.version_sentences(article, version.id, text)
            have = texts.content_hash(text)
            if have == want.sha256 and _same_sentences(now, want.sentences):
                continue
            if have not in known or want.sha256 not in known:
                raise TextEditError(
                    f"{path} was changed outside this editor since: it is not put back (re-align instead)"
                )
            current = store.AlignedSide(version.id, version.language, have, now)
            before = {(s.id, s.text) for s in now}
            changed = [s.id for s in want.sentences if (s.id, s.text) not in before]
            gone = {s.id for s in now} - {s.id for s in want.sentences}
            entry = {"at": _stamp(), "by": _user(), "op": "undo", "sentences": changed + sorted(gone)}
            _write(ws, article, version.id, known[want.sha256], want.sentences, entry)
            others = _carry_others(ws, article, alignment, current, want)
        done.append(TextEdit(alignment, version.id, text, known[want.sha256], others))
    return done
