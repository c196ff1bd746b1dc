"""Render `workbench show` on the sample article to docs/cli-show.svg for the README.

    python docs/make_cli_screenshot.py   # after `workbench align rodong-2024-08-09-general-offensive`
"""

from pathlib import Path

from rich.console import Console

from workbench import cli

cli.console = Console(record=True, width=130)
try:
    cli.app(["show", "rodong-2024-08-09-general-offensive", "--target", "ko.team"], standalone_mode=False)
finally:
    out = Path(__file__).with_name("cli-show.svg")
    cli.console.save_svg(str(out), title="workbench show rodong-2024-08-09-general-offensive --target ko.team")
    print(f"wrote {out}")
