"""Evaluation sets on disk: pre-split documents (one sentence a line) and their gold beads, read and checked
(``workbench eval``, the benchmarks). The scoring itself is ``workbench.align.evaluate``'s, which reads no
file."""

from __future__ import annotations

import logging
from pathlib import Path

from workbench.align.evaluate import Document, EvalSetError, GoldFormatError, numbered_beads

__all__ = ["Document", "eval_documents", "load_documents", "read_lines"]

log = logging.getLogger(__name__)


def read_lines(path: Path) -> list[str]:
    """A pre-split document: one sentence a line, every line kept so that numbering matches the gold."""
    text = Path(path).read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r").strip() for line in lines]


def eval_documents(gold_dir: Path, src_dir: Path, tgt_dir: Path, prefix: str = "") -> list[str]:
    """Names of the documents of a set (those starting with ``prefix``), sorted. Every document must be in
    all three folders: one that is missing from any of them is an error that names it."""
    folders = {"gold": Path(gold_dir), "source": Path(src_dir), "target": Path(tgt_dir)}
    for what, folder in folders.items():
        if not folder.is_dir():
            raise EvalSetError(f"the {what} folder {folder} does not exist (or is not a folder)")
    present = {
        what: {p.name for p in folder.iterdir() if p.is_file() and p.name.startswith(prefix)}
        for what, folder in folders.items()
    }
    names = set().union(*present.values())
    if not names:
        which = f" starting with {prefix!r}" if prefix else ""
        raise EvalSetError(f"no document{which} in {gold_dir}, {src_dir} or {tgt_dir}")
    problems = []
    for what, have in present.items():
        missing = sorted(names - have)
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            problems.append(
                f"{len(missing)} document(s) missing from the {what} folder {folders[what]}: {shown}"
            )
    if problems:
        raise EvalSetError(
            "; ".join(problems)
            + " (every document needs a source, a target and a gold file under the same name)"
        )
    return sorted(names)


def load_documents(
    gold_dir: Path, src_dir: Path, tgt_dir: Path, prefix: str = "", lenient: bool = False
) -> list[Document]:
    """Read and check an evaluation set (see ``eval_documents``). An empty document is an error, and so is
    a gold bead that names a sentence past the end of its document (the message gives the gold file and
    line); with ``lenient`` that is a warning and the bead is scored as it is (as published scorers do:
    it cannot be found, so it costs recall)."""
    docs = []
    for name in eval_documents(gold_dir, src_dir, tgt_dir, prefix):
        sides = []
        for folder in (src_dir, tgt_dir):
            path = Path(folder) / name
            try:
                lines = read_lines(path)
            except UnicodeDecodeError as exc:
                raise EvalSetError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
            if not any(lines):
                raise EvalSetError(f"{path} is empty: a document needs at least one sentence, one a line")
            sides.append(lines)
        where = str(Path(gold_dir) / name)
        try:
            beads = numbered_beads((Path(gold_dir) / name).read_text(encoding="utf-8"), where)
        except UnicodeDecodeError as exc:
            raise GoldFormatError(f"{where} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        for lineno, bead in beads:
            for ids, lines, side, folder in zip(
                bead, sides, ("source", "target"), (src_dir, tgt_dir), strict=True
            ):
                bad = [i for i in ids if not 0 <= i < len(lines)]
                if bad:
                    message = (
                        f"{where}:{lineno}: {side} sentence {bad[0]} is past the end of "
                        f"{Path(folder) / name} ({len(lines)} lines, numbered from 0)"
                    )
                    if not lenient:
                        raise GoldFormatError(message)
                    log.warning("%s; scored as it is", message)
        docs.append(Document(name, sides[0], sides[1], [bead for _, bead in beads]))
    return docs
