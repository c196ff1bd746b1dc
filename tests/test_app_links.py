"""The app's links under attack (issue 28): a bead number that is no number, a link parameter that carries
Markdown. Each gets a message in plain text, never a traceback or a request to another host."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "workbench" / "app" / "main.py"
RODONG = "rodong-2024-08-09-general-offensive"

pytestmark = pytest.mark.slow


@pytest.fixture
def ws(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "alignments", workspace / "alignments")
    monkeypatch.setenv("WORKBENCH_ROOT", str(workspace))
    return workspace


@pytest.mark.parametrize("bead", ["²", "9" * 5000, "-3", "١٢"])
def test_a_bead_that_is_no_number_gets_a_message(ws, bead):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update({"article": RODONG, "target": "es.team", "bead": bead})
    at.run()
    assert not at.exception, at.exception
    assert any("The link names bead" in w.value for w in at.warning)
    assert at.session_state["docs"] and all(d.cur == 0 for d in at.session_state["docs"].values())


@pytest.mark.parametrize(
    "article", ["![x](http://198.51.100.7/p.png)", "<img src=http://198.51.100.7/p.png>", "[a](javascript:x)"]
)
def test_a_link_parameter_is_shown_as_plain_text(ws, article):
    """A crafted ``?article=`` is named in the warning as typed, never rendered: no image, no link."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update({"article": article})
    at.run()
    assert not at.exception, at.exception
    shown = [w.value for w in at.warning if "The link names" in w.value]
    assert shown, [w.value for w in at.warning]
    for body in shown:
        assert not re.search(r"(?<!\\)[<\[\]]", body), body  # every mark of an image, link or HTML escaped
        assert "javascript" in body or "198" in body  # what the link said is still shown, escaped
