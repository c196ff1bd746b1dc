"""The README and docs/: every relative link points at a file that is there; the README stays short."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "benchmarks" / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
CODE = re.compile(r"`[^`\n]*`")


def relative_links(page: Path) -> list[str]:
    text = CODE.sub("", FENCE.sub("", page.read_text(encoding="utf-8")))
    targets = [m.group(1) for m in LINK.finditer(text)]
    return [t for t in targets if not re.match(r"^([a-z][a-z0-9+.-]*:|#)", t)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    missing = [t for t in relative_links(page) if not (page.parent / t.split("#", 1)[0]).exists()]
    assert not missing, f"{page.relative_to(ROOT)} links to missing files: {missing}"


def test_readme_is_short():
    size = (ROOT / "README.md").stat().st_size
    assert size <= 20_000, f"README.md is {size:,} bytes; move detail into docs/ (limit 20,000)"


def test_the_link_check_sees_links(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(
        "[a](there.md) ![b](img/x.png) [c](https://x.org) [d](#top) `[e](code.md)`\n"
        "```\n[f](fenced.md)\n```\n[g](../up.md#part)\n",
        encoding="utf-8",
    )
    assert relative_links(page) == ["there.md", "img/x.png", "../up.md#part"]
