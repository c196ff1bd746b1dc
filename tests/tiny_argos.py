"""Build a random-weight Argos Translate package (``.argosmodel``) offline, for tests and benchmarks.

The package has the layout argostranslate expects (one top folder with ``metadata.json``, a CTranslate2
``model/`` and ``sentencepiece.model``): a SentencePiece model trained on a small text, a MarianMT
Transformer with random weights whose vocabulary is exactly the SentencePiece pieces, converted with
``ctranslate2.converters.TransformersConverter``. Its translations are gibberish, but every code path of
argostranslate and CTranslate2 runs on it for real.

    python tests/tiny_argos.py OUT_DIR en ko     # writes OUT_DIR/translate-en_ko-1_0.argosmodel
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import tempfile
import zipfile
from pathlib import Path

log = logging.getLogger(__name__)

SAMPLES = Path(__file__).resolve().parents[1] / "texts"
_FALLBACK_TEXT = (
    "The quick brown fox jumps over the lazy dog. A sentence of plain English words.\n"
    "Una frase en español con acentos: año, canción, pingüino.\n"
    "한국어 문장도 조금 있습니다. 中文句子也有一点。\n"
)
NAMES = {"en": "English", "es": "Spanish", "ko": "Korean", "zh": "Chinese", "ja": "Japanese", "fr": "French"}


def training_lines(limit: int = 20_000) -> list[str]:
    """Lines of the sample articles (every language), or a short built-in text if they are absent."""
    lines = [
        line.strip()
        for path in sorted(SAMPLES.glob("*/*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return (lines or _FALLBACK_TEXT.splitlines())[:limit]


def train_sentencepiece(lines: list[str], vocab_size: int) -> bytes:
    """A unigram SentencePiece model (serialised) with byte fallback, so any text can be encoded."""
    import sentencepiece as spm

    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=out,
        vocab_size=vocab_size,
        model_type="unigram",
        byte_fallback=True,
        character_coverage=0.98,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return out.getvalue()


class _PieceTokenizer:
    """What the Marian loader of the converter reads from a tokenizer: the vocabulary and two tokens."""

    eos_token = "</s>"
    unk_token = "<unk>"

    def __init__(self, pieces: list[str]):
        self._vocab = {piece: i for i, piece in enumerate(pieces)}

    def get_vocab(self) -> dict[str, int]:
        return dict(self._vocab)


def build_ct2_model(
    out_dir: Path,
    pieces: list[str],
    *,
    d_model: int = 32,
    layers: int = 1,
    heads: int = 2,
    ffn_dim: int = 64,
    quantization: str | None = None,
    seed: int = 0,
) -> Path:
    """Convert a random-weight MarianMT over ``pieces`` (+ "<pad>") to a CTranslate2 model in ``out_dir``."""
    import torch
    from ctranslate2.converters import TransformersConverter
    from transformers import MarianConfig, MarianMTModel

    vocab = [*pieces, "<pad>"]  # Marian: the pad token is last; the converter drops it again
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn_dim,
        decoder_ffn_dim=ffn_dim,
        max_position_embeddings=512,
        pad_token_id=len(vocab) - 1,
        decoder_start_token_id=len(vocab) - 1,
        eos_token_id=vocab.index("</s>"),
        forced_eos_token_id=vocab.index("</s>"),
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    tokenizer = _PieceTokenizer(vocab)

    class Converter(TransformersConverter):
        def load_tokenizer(self, tokenizer_class, model_name_or_path, **kwargs):
            return tokenizer

    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        Converter(tmp).convert(str(out_dir), quantization=quantization, force=True)
    return Path(out_dir)


def build_argosmodel(
    out_dir: Path,
    from_code: str = "en",
    to_code: str = "es",
    *,
    vocab_size: int = 500,
    d_model: int = 32,
    layers: int = 1,
    heads: int = 2,
    ffn_dim: int = 64,
    quantization: str | None = None,
    package_version: str = "1.0",
    lines: list[str] | None = None,
    seed: int = 0,
) -> Path:
    """Write ``out_dir/translate-<from>_<to>-<version>.argosmodel`` and return its path.

    Defaults give a model of about 50 KB that builds in a few seconds; ``d_model``, ``layers`` and
    ``vocab_size`` scale it up (the benchmark uses d_model 256+, several layers and 8,000 pieces).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"translate-{from_code}_{to_code}-{package_version.replace('.', '_')}"
    sp_bytes = train_sentencepiece(lines if lines is not None else training_lines(), vocab_size)

    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=sp_bytes)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    metadata = {
        "package_version": package_version,
        "argos_version": "1.0",
        "from_code": from_code,
        "from_name": NAMES.get(from_code, from_code),
        "to_code": to_code,
        "to_name": NAMES.get(to_code, to_code),
        "type": "translate",
        "code": f"translate-{from_code}_{to_code}",
        "name": f"{NAMES.get(from_code, from_code)} - {NAMES.get(to_code, to_code)} (random test model)",
    }
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_ct2_model(
            Path(tmp) / "model",
            pieces,
            d_model=d_model,
            layers=layers,
            heads=heads,
            ffn_dim=ffn_dim,
            quantization=quantization,
            seed=seed,
        )
        path = out_dir / f"{name}.argosmodel"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{name}/metadata.json", json.dumps(metadata, indent=2))
            zf.writestr(f"{name}/sentencepiece.model", sp_bytes)
            for file in sorted(model_dir.iterdir()):
                zf.write(file, f"{name}/model/{file.name}")
    log.info("built %s", path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("from_code")
    parser.add_argument("to_code")
    parser.add_argument("--vocab-size", type=int, default=500)
    parser.add_argument("--d-model", type=int, default=32)
    parser.add_argument("--layers", type=int, default=1)
    args = parser.parse_args()
    path = build_argosmodel(
        args.out_dir,
        args.from_code,
        args.to_code,
        vocab_size=args.vocab_size,
        d_model=args.d_model,
        layers=args.layers,
    )
    print(path)


if __name__ == "__main__":
    main()
