"""The house rules that the folder listing promises (issue 27): no import cycle between any two of the
workbench's modules, no module over 800 lines (none of the app's over 500), at most 6 loose modules in
``workbench/``. ``make lint`` checks the layers (import-linter's contracts in pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"


def test_no_import_cycle_between_modules() -> None:
    graph = grimp.build_graph("workbench", cache_dir=None)
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported != module and graph.chain_exists(imported=module, importer=imported):
                cycles.append(
                    (module, imported, graph.find_shortest_chain(importer=imported, imported=module))
                )
    assert not cycles, "\n".join(f"{a} -> {b} -> ... -> {a}: {chain}" for a, b, chain in cycles)


def test_no_module_too_long() -> None:
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        limit = 500 if "app" in path.relative_to(PACKAGE).parts[:1] else 800
        if lines > limit:
            too_long.append(f"{path.relative_to(PACKAGE.parent)}: {lines} lines (at most {limit})")
    assert not too_long, "\n".join(too_long)


def test_few_loose_modules() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= 6, loose
