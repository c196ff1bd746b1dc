"""The evaluation sets the aligner's benchmarks score, and the signature printed with every figure.

Development sets (every setting is chosen on these): Text+Berg ``dev`` (de-fr), ParIce (en-is), the
Korean-English, English-Spanish and English-Chinese sets of benchmarks/data (see its README). The test
set: Text+Berg ``test0..6``, reported and never used to choose anything. Sets read from
../shared/evaldata are skipped when it is absent; the committed ones are always there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from pathlib import Path

import tables

from workbench.align import evaluate as ev
from workbench.align.aligner import AlignParams
from workbench.store import evalsets

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "evaldata"
DATA = ROOT / "benchmarks" / "data"


@dataclass(frozen=True)
class EvalSet:
    """A folder of documents with gold: ``folder/gold``, ``folder/<src>``, ``folder/<tgt>``."""

    name: str
    split: str  # "dev", "test", or "set" (a folder given with --set)
    folder: Path
    src: str
    tgt: str
    prefix: str = ""  # only the documents whose names start with this
    lenient: bool = False  # gold naming sentences past the end: warn and score (ParIce u_1 has one)
    mt: str = ""  # a folder of line-aligned machine translations of the source side, if the set has one

    @property
    def pair(self) -> str:
        return f"{self.src}-{self.tgt}"

    @property
    def available(self) -> bool:
        if not all((self.folder / part).is_dir() for part in ("gold", self.src, self.tgt)):
            return False
        return any(p.name.startswith(self.prefix) for p in (self.folder / "gold").iterdir())

    def documents(self) -> list[evalsets.Document]:
        f = self.folder
        return evalsets.load_documents(
            f / "gold", f / self.src, f / self.tgt, self.prefix, lenient=self.lenient
        )

    def describe(self, docs: list[evalsets.Document] | None = None) -> str:
        """Name, size and a hash of the files, for signatures."""
        docs = docs if docs is not None else self.documents()
        digest = hashlib.sha256()
        for doc in docs:
            for part in ("gold", self.src, self.tgt):
                digest.update((self.folder / part / doc.name).read_bytes())
        sizes = f"{sum(len(d.src) for d in docs)}/{sum(len(d.tgt) for d in docs)} sentences"
        about = f"{self.split}, {self.pair}, {len(docs)} docs, {sizes}, sha256 {digest.hexdigest()[:12]}"
        return f"{self.name} ({about})"


def standard_sets(shared: Path = SHARED) -> list[EvalSet]:
    """Every development set, then the test set; those whose data is absent are left out."""
    tb = shared / "textberg-de-fr"
    sets = [
        EvalSet("textberg-dev", "dev", tb, "de", "fr", "dev", mt="mt_de2fr_europarlfull"),
        EvalSet("parice", "dev", shared / "parice-en-is", "en", "is", lenient=True),
        EvalSet("nk-ko-en-dev", "dev", DATA / "nk-ko-en-dev", "en", "ko"),
        EvalSet("kcna-en-es-dev", "dev", DATA / "kcna-en-es-dev", "en", "es"),
        EvalSet("debian-faq-en-zh-dev", "dev", DATA / "debian-faq-en-zh-dev", "en", "zh"),
        EvalSet("textberg-test", "test", tb, "de", "fr", "test", mt="mt_de2fr_europarlfull"),
    ]
    return [s for s in sets if s.available]


def folder_set(path: Path, sides: tuple[str, str] | None = None) -> EvalSet:
    """An evaluation set from any folder with ``gold/`` and two sides' folders (``sides``, or the two
    folders besides ``gold`` and ``mt_*``: ``en`` first where there is one, else in name order)."""
    path = Path(path)
    if not (path / "gold").is_dir():
        raise ev.EvalSetError(f"{path} has no gold/ folder (one bead a line: [0, 1]:[2])")
    if sides is None:
        found = sorted(
            p.name for p in path.iterdir() if p.is_dir() and p.name != "gold" and not p.name.startswith("mt_")
        )
        if len(found) != 2:
            raise ev.EvalSetError(
                f"{path}: expected gold/ and two sides' folders, found {found or 'none'}; name them: --sides"
            )
        sides = (found[1], found[0]) if found[1] == "en" else (found[0], found[1])
    return EvalSet(path.name, "set", path, *sides)


def git_commit() -> str:
    """The checkout's commit, marked when the code that aligns differs from it."""
    return tables.git_commit(("workbench/align", "workbench/embed"), " + uncommitted changes to the aligner")


def param_changes(params: AlignParams) -> str:
    """The settings that differ from ``AlignParams()``'s defaults, as ``key=value`` (all of them with the
    commit: the defaults are in the code)."""
    default = AlignParams()
    changed = [
        f"{f.name}={getattr(params, f.name)!r}"
        for f in fields(AlignParams)
        if getattr(params, f.name) != getattr(default, f.name)
    ]
    return " ".join(changed) or "defaults"


def signature(config: str, models: list[str], params: AlignParams, data: str) -> str:
    return (
        f"signature: commit {git_commit()} | {config}: {'+'.join(_runtime(m) for m in models)} "
        f"| params {param_changes(params)} | data {data}"
    )


def _runtime(spec: str) -> str:
    """A model spec with the precision of e5-small's torch runtime where that is the one used."""
    from workbench.embed.backends import E5Small, make_backend

    backend = make_backend(spec)
    if isinstance(backend, E5Small) and backend.runtime == "torch":
        return f"{spec}({backend.precision})"
    return spec
