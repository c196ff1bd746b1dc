"""Tests for workbench.store.texts, workbench.text.encoding and workbench.text.language: loading the samples,
writing
articles, ids, encodings (and the files that are refused), the language checks."""

from __future__ import annotations

import codecs
import io
import logging
import os
import random
import shutil
import tomllib
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from workbench.store import texts
from workbench.store.texts import (
    TextsError,
    add_version,
    content_hash,
    create_article,
    list_articles,
    load_article,
    read_version_text,
    slugify,
    validate_id,
    write_article_metadata,
)
from workbench.text import encoding, language
from workbench.text.encoding import decode_text, decode_text_file

SAMPLES = Path(__file__).resolve().parents[1] / "texts"
SEED = "rodong-2024-08-09-general-offensive"

KOREAN = (
    "조선중앙통신에 의하면 김정일동지께서는 새로 꾸려진 광복지구상업중심을 현지지도하시였다. "
    "그이께서는 상업중심의 여러곳을 돌아보시면서 인민들에게 질좋은 상품을 더 많이 공급하기 위한 "
    "방도들을 밝혀주시였다.\n상업중심의 일군들과 종업원들은 인민들의 생활을 향상시키는데 "
    "이바지하기 위하여 모든 힘을 다하고있다고 말하였다.\n"
)
CHINESE = (
    "据朝鲜中央通讯社报道，金正日同志视察了新建成的光复地区商业中心。他在参观商业中心各处时，"
    "指出了为人民供应更多优质商品的方法。\n商业中心的干部和职工表示，将尽一切努力为提高人民生活水平作出贡献。\n"
)
SPANISH = (
    "El año pasado, la tienda abrió sus puertas en el distrito de Kwangbok. Según la agencia, "
    "los ciudadanos compraron más productos que nunca.\nEl director señaló que el comercio "
    "seguirá creciendo este año.\n"
)
JAPANESE = (
    "朝鮮中央通信によると、金正日同志は新しく建設された光復地区商業中心を現地指導した。"
    "彼は商業中心の各所を見て回りながら、人民により多くの良質な商品を供給するための方法を示した。\n"
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "texts"


@pytest.fixture
def article_with_source(root: Path) -> Path:
    create_article(root, "a1", "Hello world", date=date(2024, 8, 9), publisher="KCNA")
    add_version(root, "a1", "Hello world\nSecond line.", language="en", kind="source", origin="KCNA")
    return root


# --- real samples ----------------------------------------------------------------------------


def test_list_real_samples():
    articles = list_articles(SAMPLES)
    assert len(articles) == 5
    assert [a.id for a in articles] == sorted(a.id for a in articles)
    for article in articles:
        assert article.source().id == "en.source"
        assert article.path == SAMPLES / article.id
        for v in article.versions:
            assert v.created.tzinfo is not None
            text = read_version_text(article, v.id)
            assert text.strip() and "\r" not in text and not text.startswith("\ufeff")


def test_seed_article():
    article = load_article(SAMPLES, SEED)
    assert article.title == "General Offensive for National Liberation"
    assert article.date == date(2024, 8, 9)
    assert article.publisher == "Rodong Sinmun"
    assert [v.id for v in article.versions] == ["en.source", "ko.team", "es.team", "es.apertium"]
    assert [v.id for v in article.translations()] == ["ko.team", "es.team", "es.apertium"]
    ko = article.version("ko.team")
    assert (ko.file, ko.language, ko.kind, ko.official) == ("ko.team.txt", "ko", "human", False)
    assert ko.created == datetime(2026, 11, 26, 15, tzinfo=UTC)
    assert article.source().official is True
    assert "조선" in read_version_text(article, "ko.team")
    mt = article.version("es.apertium")
    assert (mt.kind, mt.engine, mt.model, mt.official) == ("machine", "apertium", "apertium-eng-spa", False)
    with pytest.raises(TextsError, match="en.source, ko.team, es.team, es.apertium"):
        article.version("fr.team")


def test_rewriting_sample_metadata_round_trips(tmp_path: Path):
    shutil.copytree(SAMPLES / SEED, tmp_path / SEED)
    article = load_article(tmp_path, SEED)
    write_article_metadata(article)
    assert load_article(tmp_path, SEED) == article


# --- create / add / reload -------------------------------------------------------------------


def test_create_add_round_trip(root: Path):
    created = create_article(
        root,
        "test-article",
        "A Title",
        date=date(2024, 1, 2),
        publisher="P",
        source_url="http://x",
        notes="n",
    )
    assert (root / "test-article" / "article.toml").is_file()
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    src = add_version(root, "test-article", "Line one\r\nLine two", language="en", kind="source", origin="P")
    ko = add_version(root, "test-article", KOREAN, language="ko", kind="human", origin="team", created=when)
    mt = add_version(
        root,
        "test-article",
        "Línea uno\nLínea dos\n",
        language="es",
        kind="machine",
        origin="DeepL API",
        engine="DeepL",
        model="nmt",
        model_version="2024-06",
    )
    assert (src.id, ko.id, mt.id) == ("en.source", "ko.human", "es.deepl")
    assert mt.file == "es.deepl.txt"
    assert src.created.tzinfo is not None

    article = load_article(root, "test-article")
    assert (article.title, article.date, article.publisher, article.source_url, article.notes) == (
        "A Title",
        date(2024, 1, 2),
        "P",
        "http://x",
        "n",
    )
    assert article.path == created.path
    assert article.versions == [src, ko, mt]
    assert article.source() == src
    assert article.translations() == [ko, mt]
    assert read_version_text(article, "en.source") == "Line one\nLine two\n"
    assert read_version_text(article, "ko.human") == KOREAN
    assert (root / "test-article" / "en.source.txt").read_bytes() == b"Line one\nLine two\n"
    raw = tomllib.loads((root / "test-article" / "article.toml").read_text("utf-8"))
    assert raw["date"] == date(2024, 1, 2)
    assert raw["versions"][1]["created"] == when
    assert "engine" not in raw["versions"][0]
    assert raw["versions"][2]["model_version"] == "2024-06"


def test_create_existing_article_refused(article_with_source: Path):
    with pytest.raises(TextsError, match="already exists"):
        create_article(article_with_source, "a1", "Again")


def test_second_source_refused(article_with_source: Path):
    with pytest.raises(TextsError, match="already has a source"):
        add_version(article_with_source, "a1", "Other", language="fr", kind="source", origin="x")
    with pytest.raises(TextsError, match="already has a source"):
        add_version(
            article_with_source, "a1", "Other", language="fr", kind="source", origin="x", replace=True
        )


def test_overwrite_needs_replace(article_with_source: Path):
    add_version(article_with_source, "a1", "Hola", language="es", kind="human", origin="team")
    with pytest.raises(TextsError, match="replace=True"):
        add_version(article_with_source, "a1", "Hola 2", language="es", kind="human", origin="team")
    add_version(
        article_with_source, "a1", "Hola 2", language="es", kind="human", origin="team2", replace=True
    )
    article = load_article(article_with_source, "a1")
    assert [v.id for v in article.versions] == ["en.source", "es.human"]
    assert article.version("es.human").origin == "team2"
    assert read_version_text(article, "es.human") == "Hola 2\n"
    # The source itself can be replaced.
    add_version(article_with_source, "a1", "New", language="en", kind="source", origin="KCNA", replace=True)
    assert read_version_text(load_article(article_with_source, "a1"), "en.source") == "New\n"


def test_unlisted_file_not_overwritten(article_with_source: Path):
    stray = article_with_source / "a1" / "es.human.txt"
    stray.write_text("left over\n", encoding="utf-8")
    with pytest.raises(TextsError, match="not listed"):
        add_version(article_with_source, "a1", "Hola", language="es", kind="human", origin="team")
    assert stray.read_text(encoding="utf-8") == "left over\n"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"language": "english", "kind": "human"}, "Invalid language"),
        ({"language": "EN", "kind": "human"}, "Invalid language"),
        ({"language": "en\n", "kind": "human"}, "Invalid language"),
        ({"language": "es", "kind": "robot"}, "Invalid kind"),
        ({"language": "es", "kind": "human", "tag": "a.b"}, "Invalid tag"),
        ({"language": "es", "kind": "human", "tag": "../x"}, "Invalid tag"),
        ({"language": "es", "kind": "human", "created": datetime(2024, 1, 1)}, "timezone-aware"),
    ],
)
def test_add_version_validation(article_with_source: Path, kwargs: dict, message: str):
    with pytest.raises(TextsError, match=message):
        add_version(article_with_source, "a1", "Hola", origin="team", **kwargs)


def test_add_version_rejects_empty_text(article_with_source: Path):
    with pytest.raises(TextsError, match="empty"):
        add_version(article_with_source, "a1", " \n\t\n", language="es", kind="human", origin="t")
    assert not (article_with_source / "a1" / "es.human.txt").exists()


def test_machine_tag_defaults(article_with_source: Path):
    v = add_version(article_with_source, "a1", "Hola", language="es", kind="machine", origin="some MT")
    assert (v.id, v.engine) == ("es.machine", None)
    g = add_version(
        article_with_source,
        "a1",
        "Hola",
        language="es",
        kind="machine",
        origin="g",
        engine="Google Translate",
    )
    assert g.id == "es.google-translate"


def test_bcp47_region_tag(article_with_source: Path):
    v = add_version(article_with_source, "a1", "你好", language="zh-Hant", kind="human", origin="t")
    assert v.id == "zh-Hant.human"
    assert load_article(article_with_source, "a1").version("zh-Hant.human") == v


# --- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        *["", "../x", "a/b", "a\\b", "has space", "Upper", ".hidden", "-dash", "ok\n", "é"],
        *["a" * 101, "a" * 300],
        *["con", "nul", "aux.txt", "com1", "lpt9", "a."],  # Windows device names, a trailing dot
    ],
)
def test_odd_ids_rejected(bad: str, root: Path):
    with pytest.raises(TextsError, match="Invalid article id"):
        validate_id(bad)
    with pytest.raises(TextsError, match="Invalid article id"):
        create_article(root, bad, "Title")


@pytest.mark.parametrize("good", ["a", "kcna-2011-08-30-x", "a.b_c-1", "9" * 100])
def test_good_ids(good: str):
    assert validate_id(good) == good


def test_slugify():
    assert slugify("Año Nuevo: ¡Fiesta!") == "ano-nuevo-fiesta"
    assert (
        slugify("  General Offensive for National Liberation ") == "general-offensive-for-national-liberation"
    )
    assert slugify("조선중앙통신") == ""
    assert slugify("Ｆｕｌｌｗｉｄｔｈ") == "fullwidth"
    assert len(slugify("word " * 50)) <= 100
    validate_id(slugify("word " * 50))


def test_missing_article_lists_close_matches():
    with pytest.raises(TextsError) as err:
        load_article(SAMPLES, "kcna-2011-09-02-bunker-busters")
    assert "Did you mean" in str(err.value)
    assert "kcna-2011-09-02-bunker-buster" in str(err.value)


def test_list_skips_folder_without_metadata(article_with_source: Path, caplog: pytest.LogCaptureFixture):
    (article_with_source / "stray").mkdir()
    (article_with_source / "README.md").write_text("x", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="workbench.store.texts"):
        articles = list_articles(article_with_source)
    assert [a.id for a in articles] == ["a1"]
    assert "stray" in caplog.text


def test_broken_metadata_names_file(article_with_source: Path):
    toml = article_with_source / "a1" / "article.toml"
    toml.write_text('id = "a1"\ntitle = "unterminated\n', encoding="utf-8")
    with pytest.raises(TextsError, match="article.toml is not valid TOML"):
        list_articles(article_with_source)


def test_metadata_id_must_match_folder(article_with_source: Path):
    toml = article_with_source / "a1" / "article.toml"
    toml.write_text(toml.read_text("utf-8").replace('id = "a1"', 'id = "other"'), encoding="utf-8")
    with pytest.raises(TextsError, match="does not match the folder name"):
        load_article(article_with_source, "a1")


def test_missing_text_file(article_with_source: Path):
    (article_with_source / "a1" / "en.source.txt").unlink()
    article = load_article(article_with_source, "a1")
    with pytest.raises(TextsError, match="missing"):
        read_version_text(article, "en.source")


def test_source_errors(root: Path):
    article = create_article(root, "empty", "No versions yet")
    with pytest.raises(TextsError, match="no source"):
        article.source()


# --- encodings -------------------------------------------------------------------------------


def test_decode_utf8_with_and_without_bom():
    assert decode_text_file("Año\r\ndos\n".encode(), "a.txt") == "Año\ndos\n"
    assert decode_text_file(b"\xef\xbb\xbf" + "Año\rdos".encode(), "a.txt") == "Año\ndos"


def test_decode_utf16_le_and_be_with_bom():
    text = "Año 조선\nline two\n"
    assert decode_text_file(b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le"), "a.txt") == text
    assert decode_text_file(b"\xfe\xff" + text.encode("utf-16-be"), "a.txt") == text


def test_decode_bomless_utf16():
    assert decode_text_file("Plain English text\n".encode("utf-16-le"), "a.txt") == "Plain English text\n"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (KOREAN, "cp949"),
        (KOREAN, "euc-kr"),
        (CHINESE, "gb18030"),
        (SPANISH, "cp1252"),
        (SPANISH, "latin-1"),
        (JAPANESE, "shift_jis"),
    ],
)
def test_decode_legacy_encodings(text: str, encoding: str):
    data = text.encode(encoding)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert decode_text_file(data, "legacy.txt") == text


def test_decode_legacy_file_through_read_version_text(article_with_source: Path):
    (article_with_source / "a1" / "en.source.txt").write_bytes(SPANISH.replace("\n", "\r\n").encode("cp1252"))
    assert read_version_text(load_article(article_with_source, "a1"), "en.source") == SPANISH


@pytest.mark.parametrize(
    "data", [b"", b"   \n\t\r\n", b"\xef\xbb\xbf \n", b"\xff\xfe" + " \n".encode("utf-16-le")]
)
def test_reject_empty(data: bytes):
    with pytest.raises(TextsError, match=r"x\.txt is empty"):
        decode_text_file(data, "x.txt")


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.txt", "hello world " * 200)
    return buffer.getvalue()


def _png_bytes() -> bytes:
    rng = random.Random(1)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(4000))


def _random_bytes_without_nul() -> bytes:
    rng = random.Random(2)
    return bytes(rng.randrange(1, 256) for _ in range(4000))


@pytest.mark.parametrize("make", [_png_bytes, _zip_bytes, _random_bytes_without_nul])
def test_reject_binary(make):
    with pytest.raises(TextsError, match="looks like a binary file, not text"):
        decode_text_file(make(), "image.png")


def test_reject_text_with_many_control_chars():
    with pytest.raises(TextsError, match="binary"):
        decode_text_file(b"abc\x01\x02\x03\x04\x05def" * 10, "x.txt")


def test_reject_bad_utf8_after_bom():
    with pytest.raises(TextsError, match="not valid utf-8"):
        decode_text_file(b"\xef\xbb\xbfabc\xff\xfe\xfd", "x.txt")


def test_reject_oversize(monkeypatch: pytest.MonkeyPatch, article_with_source: Path):
    monkeypatch.setattr(encoding, "MAX_TEXT_BYTES", 10)
    with pytest.raises(TextsError, match="too large"):
        decode_text_file(b"a" * 11, "big.txt")
    assert decode_text_file(b"a" * 10, "ok.txt") == "a" * 10
    with pytest.raises(TextsError, match="too large"):
        read_version_text(load_article(article_with_source, "a1"), "en.source")
    with pytest.raises(TextsError, match="too large"):
        add_version(article_with_source, "a1", "x" * 20, language="es", kind="human", origin="t")


def test_content_hash():
    h = content_hash("a\nb\n")
    assert h.startswith("sha256:") and len(h) == len("sha256:") + 64
    assert content_hash("a\r\nb\r\n") == h == content_hash("a\rb\r")
    assert content_hash("a\nb") != h


def test_add_version_failure_keeps_metadata(article_with_source: Path, monkeypatch: pytest.MonkeyPatch):
    folder = article_with_source / "a1"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        add_version(
            article_with_source, "a1", "Nuevo", language="en", kind="source", origin="x", replace=True
        )
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_add_version_refuses_a_text_in_the_wrong_script(tmp_path):
    texts.create_article(tmp_path, "wrong-lang", "A title")
    english = "The supermarket is a commercial service base for the customers of the city.\n"
    with pytest.raises(texts.TextsError, match=r"declared as 'ko'.*Hangul"):
        texts.add_version(tmp_path, "wrong-lang", english, language="ko", kind="human", origin="x")
    assert not (tmp_path / "wrong-lang" / "ko.human.txt").exists()
    korean = "김정일동지께서 광복지구상업중심을 현지지도하시였다. 상업봉사기지이다.\n"
    with pytest.raises(texts.TextsError, match=r"declared as 'en'.*Latin"):
        texts.add_version(tmp_path, "wrong-lang", korean, language="en", kind="source", origin="x")
    # Right scripts pass, and the check can be turned off for mixed texts.
    texts.add_version(tmp_path, "wrong-lang", korean, language="ko", kind="human", origin="x")
    texts.add_version(
        tmp_path, "wrong-lang", english, language="zh", kind="human", origin="x", check_script=False
    )
    texts.add_version(
        tmp_path,
        "wrong-lang",
        "金正日同志视察了光复地区商业中心。这是一个服务基地。\n",
        language="zh-Hans",
        kind="human",
        tag="cn",
        origin="x",
    )
    assert [v.id for v in texts.load_article(tmp_path, "wrong-lang").versions] == [
        "ko.human",
        "zh.human",
        "zh-Hans.cn",
    ]


# --- language codes: the one language module --------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "base"),
    [("en", "en"), ("zh-TW", "zh"), ("zh-Hant", "zh"), ("ko_KP", "ko"), ("EN", "en"), ("es-419", "es")]
    + [("nb", "no"), ("nn", "no"), ("no", "no"), ("iw", "he"), ("in", "id"), ("fil", "tl"), ("ji", "yi")],
)
def test_language_base_folds_regions_scripts_and_old_codes(code, base):
    assert language.language_base(code) == base


def test_validate_language_and_known_codes():
    for good in ("en", "ko", "zh-Hant", "es-419", "haw"):
        assert language.validate_language(good) == good
        assert texts.validate_language(good) == good  # the store checks versions with the same rule
    for bad in ("english", "EN", "en\n", "e", "nul", "con", "", None):
        with pytest.raises(TextsError, match="Invalid language"):
            language.validate_language(bad)
    assert language.check_language_code("iw") == "iw"  # an old code of a known language (he)
    assert language.check_language_code("haw") == "haw"  # three letters: not checked against a list
    with pytest.raises(TextsError, match="Unknown language code 'xx'"):
        language.check_language_code("xx")
    assert language.check_language_code("zt", known=("zt",)) == "zt"  # e.g. an installed package's code


def test_model_languages_are_known_by_base_language():
    assert language.model_languages("e5-small:torch") == language.MODEL_LANGUAGES["e5-small"]
    assert language.model_languages("st:/some/model") is None
    use = language.model_languages("use-m3")
    assert {language.language_base(c) for c in ("zh-TW", "ko-KP", "en-GB")} <= use
    assert language.language_base("nb") in language.MODEL_LANGUAGES["e5-small"]
    assert language.language_base("nb") not in use


# --- the language a text reads as ----------------------------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[1] / "texts" / "kcna-2011-09-02-bunker-buster"


def test_language_warning_flags_a_text_in_another_language():
    english = (SAMPLE / "en.source.txt").read_text(encoding="utf-8")
    spanish = (SAMPLE / "es.kcna.txt").read_text(encoding="utf-8")
    assert language.guess_language(english)[0] == "en"
    assert language.guess_language(spanish)[0] == "es"
    assert language.language_warning(english, "en") is None
    assert language.language_warning(spanish, "es-419") is None  # a region subtag is fine
    warning = language.language_warning(english, "es")
    assert warning and "labelled 'es' but reads as 'en'" in warning
    assert "reads as 'es'" in (language.language_warning(spanish, "en") or "")
    assert language.language_warning("Too short to tell.", "es") is None
    assert language.language_warning(english, "tlh") is None  # a language the model does not know


def test_the_language_checks_read_a_sample_of_a_long_text():
    english = (SAMPLE / "en.source.txt").read_text(encoding="utf-8")
    long = english * (3_000_000 // len(english))
    piece = language.sample(long)
    assert len(piece) <= language.SAMPLE_CHARS + language.SAMPLE_PARTS and piece.split()[0] in english.split()
    assert language.sample(english) == english
    korean_tail = long + KOREAN * 2000  # the sample reaches the end of the text too
    assert language.guess_language(long)[0] == "en" and language.language_warning(long, "es")
    with pytest.raises(TextsError, match="declared as 'ko'"):
        language.check_language(long, "ko")
    language.check_language(korean_tail[-200_000:], "ko")


# --- files that are not what they seem (the reliability campaign's cases) -----------------------------

UTF8_WITH_A_LATIN1_LINE = SPANISH.encode() + "Línea en latín-1\n".encode("latin-1") + SPANISH.encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (UTF8_WITH_A_LATIN1_LINE, "is mostly UTF-8, but line 3 is not"),
        (SPANISH.encode() + b"\xed\xa0\x80 surrogate\n", "surrogate"),  # no cp1125 mojibake
        (b"plain ASCII\n\xed\xa0\x80\n", "surrogate"),
        ("\u200b\u200b\u200b\n\u200b".encode(), "is empty"),  # zero-width spaces only
        ("\ufeff\u2060\u00ad \u3000\n".encode(), "is empty"),
    ],
)
def test_files_that_would_decode_to_damaged_text_are_refused(data: bytes, message: str):
    with pytest.raises(TextsError, match=message):
        decode_text(data, "x.txt")


def test_a_mixed_file_decodes_as_the_user_says():
    decoded = decode_text(UTF8_WITH_A_LATIN1_LINE, "x.txt", encoding="latin-1")
    assert decoded.encoding == "iso8859-1" and "Línea en latín-1" in decoded.text
    with pytest.raises(TextsError, match="not valid utf-8"):
        decode_text(UTF8_WITH_A_LATIN1_LINE, "x.txt", encoding="utf-8")
    with pytest.raises(TextsError, match="Unknown encoding 'klingon'"):
        decode_text(b"abc", "x.txt", encoding="klingon")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [KOREAN, CHINESE, JAPANESE, SPANISH])
def test_bomless_utf16_of_cjk_text(text: str, codec: str):
    assert decode_text(text.encode(codec), "x.txt") == (text, codec)


@pytest.mark.parametrize(
    ("text", "codec"), [(KOREAN, "cp949"), (CHINESE, "gb18030"), (SPANISH, "cp1252"), (SPANISH, "utf-8")]
)
def test_decode_says_which_encoding_it_used(text: str, codec: str):
    decoded = decode_text(text.encode(codec), "x.txt")
    assert decoded.text == text and codecs.lookup(decoded.encoding) == codecs.lookup(codec)


def test_legacy_korean_of_the_development_set_is_never_taken_for_mostly_utf8():
    """The mixed-file rule, checked on Korean news (nk-ko-en pairs 0-499): in CP949 about one syllable in ten
    is a valid UTF-8 byte pair by chance, never most of a file."""
    dev = Path(__file__).resolve().parents[2] / "shared" / "evaldata" / "nk-ko-en" / "dev.ko"
    if not dev.is_file():
        pytest.skip(f"{dev} is not here")
    lines = dev.read_text(encoding="utf-8").split("\n")[:500]
    for start in range(0, 500, 25):  # files of 25 lines, and of one line
        for chunk in ("\n".join(lines[start : start + 25]), lines[start]):
            assert decode_text(chunk.encode("cp949"), "ko.txt").text == chunk
