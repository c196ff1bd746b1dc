"""``texts.add_text``: the ``workbench add`` use case (create the article if new, add the version, leave no
empty article behind), shared by the CLI and the app."""

from __future__ import annotations

from datetime import date

import pytest

from workbench.store import texts

ENGLISH = "Kim visits a farm\nHe gave guidance on the spot.\n"
KOREAN = "김정은 농장 방문\n현지에서 지도하였다.\n"


def test_a_new_article_is_created_with_its_first_version(tmp_path):
    root = tmp_path / "texts"  # not there yet
    version, created = texts.add_text(
        root, "farm", ENGLISH, language="en", kind="source", origin="KCNA", date=date(2011, 12, 15)
    )
    assert created and version.id == "en.source"
    article = texts.load_article(root, "farm")
    assert article.title == "Kim visits a farm"  # the first line
    assert article.date == date(2011, 12, 15)
    assert (root / "farm" / "en.source.txt").read_text(encoding="utf-8") == ENGLISH


def test_a_version_is_added_to_an_existing_article(tmp_path):
    texts.add_text(tmp_path, "farm", ENGLISH, title="A farm", language="en", kind="source", origin="KCNA")
    version, created = texts.add_text(
        tmp_path,
        "farm",
        KOREAN,
        title="ignored",
        publisher="ignored",
        language="ko",
        origin="x",
        kind="human",
    )
    assert not created and version.id == "ko.human"
    article = texts.load_article(tmp_path, "farm")
    assert article.title == "A farm" and article.publisher == ""  # a new article's fields only
    assert [v.id for v in article.versions] == ["en.source", "ko.human"]


def test_a_refused_first_version_leaves_no_article_behind(tmp_path):
    with pytest.raises(texts.TextsError, match="declared as .ko."):
        texts.add_text(tmp_path, "farm", ENGLISH, language="ko", kind="source", origin="KCNA")
    assert not (tmp_path / "farm").exists()
    texts.add_text(tmp_path, "farm", ENGLISH, language="en", kind="source", origin="KCNA")
    with pytest.raises(texts.TextsError, match="already has a source"):  # an existing article stays
        texts.add_text(tmp_path, "farm", ENGLISH, language="en", kind="source", origin="KCNA", tag="other")
    assert [v.id for v in texts.load_article(tmp_path, "farm").versions] == ["en.source"]


def test_a_bad_id_is_refused_before_it_becomes_a_path(tmp_path):
    with pytest.raises(texts.TextsError):
        texts.add_text(tmp_path, "../escape", ENGLISH, language="en", kind="source", origin="KCNA")
    assert list(tmp_path.iterdir()) == []
