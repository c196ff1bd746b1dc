"""Run the ``workbench`` command in-process with typer's CliRunner (the tests' consoles are wide: see
conftest.py)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from workbench import cli

runner = CliRunner()


def run(*args: str | Path) -> Result:
    return runner.invoke(cli.app, [str(a) for a in args])
