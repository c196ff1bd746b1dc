"""Machine translation as a third view beside the embedding models, measured on the development sets.

    python benchmarks/align_mt.py                    # fast and accurate presets, each view, on dev
    python benchmarks/align_mt.py --preset accurate --view chars --mt mt_de2fr_google

Where an MT engine exists the source side can be translated into the target language and compared with
the target side directly, as Bleualign does: Text+Berg ships line-aligned German->French MT of its
documents (``mt_de2fr_europarlfull``, ``_europarllight``, ``_google``), and Debian's Apertium translates
the English of the KCNA set into Spanish (``apertium eng-spa``; skipped when it is not installed). The
translated source becomes one more "model" of the aligner, averaged with the others like any model:

- ``chars``: hashed character 3-grams of the MT and of the target (lower-cased, square-root counts,
  cosine): a chrF-like lexical overlap;
- ``use-m3`` (or any model spec): the MT embedded by that model, a same-language comparison.

Reports strict and lax F1 per set for the preset alone and with each view; the test set is left out
unless ``--test``. Reads ../shared/evaldata; skips cleanly without it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tables  # noqa: E402
from evalsets import signature, standard_sets  # noqa: E402

from workbench.align import evaluate as ev  # noqa: E402
from workbench.align.aligner import PRESETS, Aligner  # noqa: E402
from workbench.embed.embedder import get_embedder, span_texts  # noqa: E402
from workbench.store import evalsets  # noqa: E402


class MTView:
    """An encoder that embeds source sentences through their machine translation (``mt``: source -> MT);
    any other text (the target side) as it is."""

    def __init__(self, inner, mt: dict[str, str]):
        self.inner, self.mt = inner, mt

    def encode_spans(self, sentences, spans):
        mapped = [self.mt.get(s, s) for s in sentences]
        compose = getattr(self.inner, "encode_spans", None)
        return compose(mapped, spans) if compose else self.inner.encode(span_texts(mapped, spans))


class Chars:
    """Texts -> unit vectors of hashed character 3-grams (lower-cased, square-root counts)."""

    DIM = 1 << 13

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.DIM), np.float32)
        for k, text in enumerate(texts):
            text = " " + re.sub(r"\s+", " ", text.lower()) + " "
            for i in range(len(text) - 2):
                out[k, zlib.crc32(text[i : i + 3].encode()) % self.DIM] += 1
        out = np.sqrt(out)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def apertium(lines: list[str], pair: str = "eng-spa") -> list[str]:
    """Each line translated by Apertium (one call, lines kept apart by blank lines)."""
    out = subprocess.run(
        ["apertium", "-u", pair], input="\n\n".join(lines) + "\n", capture_output=True, text=True, check=True
    ).stdout
    done = [x.strip() for x in out.strip("\n").split("\n\n")]
    if len(done) != len(lines):
        raise RuntimeError(f"apertium gave {len(done)} lines for {len(lines)}")
    return done


def translations(s, doc: evalsets.Document, mt: str) -> list[str] | None:
    if s.mt:
        path = s.folder / mt / doc.name
        return evalsets.read_lines(path) if path.is_file() else None
    if s.name.startswith("kcna-en-es") and shutil.which("apertium"):
        return apertium(doc.src)
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", action="append", choices=list(PRESETS), help="default: both")
    ap.add_argument(
        "--view", action="append", help="chars, or a model spec for the MT (default: chars, use-m3)"
    )
    ap.add_argument("--mt", default="mt_de2fr_europarlfull", help="Text+Berg's MT folder")
    ap.add_argument("--test", action="store_true", help="also the test set (to report, not to choose)")
    ap.add_argument("--cache", type=Path, help="embedding cache file (default: the workbench's own)")
    tables.add_option(ap)
    args = ap.parse_args(argv)
    sets = [
        s for s in standard_sets() if (s.split == "dev" or args.test) and (s.mt or s.name.startswith("kcna"))
    ]
    if not sets:
        print("skipped: no set with machine translation here")
        return 0
    print("| preset | view | set | strict F1 | lax F1 |\n|---|---|---|---:|---:|")
    for preset in args.preset or list(PRESETS):
        models, params = PRESETS[preset]
        base = {m: get_embedder(m, cache=args.cache or True) for m in models}
        for view in ["none", *(args.view or ["chars", "use-m3"])]:
            for s in sets:
                results = []
                for doc in s.documents():
                    mt = translations(s, doc, args.mt)
                    if mt is None:
                        break
                    encoders = dict(base)
                    if view != "none":
                        inner = Chars() if view == "chars" else get_embedder(view, cache=args.cache or True)
                        encoders[f"mt:{view}"] = MTView(inner, dict(zip(doc.src, mt, strict=True)))
                    results += ev.evaluate(Aligner(encoders, params), [doc])
                else:
                    sc = ev.total(results).scores()
                    print(
                        f"| {preset} | {view} | {s.name} | {sc['strict_f1']:.4f} | {sc['lax_f1']:.4f} |",
                        flush=True,
                    )
        for s in sets:
            engine = f"MT {args.mt}" if s.mt else "MT apertium eng-spa"
            print(signature(preset, models, params, f"{s.describe()}; {engine}"))
    return 0


if __name__ == "__main__":
    sys.exit(tables.run(main))
