"""Render `workbench show` on the sample article to docs/cli-show.png for the README.

    workbench align rodong-2024-08-09-general-offensive && python docs/make_cli_screenshot.py

Needs rsvg-convert (Debian: librsvg2-bin) and a CJK font (fonts-noto-cjk) for the PNG.
"""

import subprocess
from pathlib import Path

from rich.console import Console

from workbench import cli
from workbench.cli import common

here = Path(__file__).parent
common.console = Console(record=True, width=130)
cli.app(["show", "rodong-2024-08-09-general-offensive", "--target", "ko.team"], standalone_mode=False)
svg = here / "cli-show.svg"
common.console.save_svg(str(svg), title="workbench show rodong-2024-08-09-general-offensive --target ko.team")
svg.write_text(svg.read_text().replace("Fira Code, monospace", "Fira Code, Noto Sans Mono CJK KR, monospace"))
subprocess.run(["rsvg-convert", "-w", "1300", str(svg), "-o", str(here / "cli-show.png")], check=True)
svg.unlink()
print(f"wrote {here / 'cli-show.png'}")
