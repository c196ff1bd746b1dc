"""``workbench app``: the review app (Streamlit), served and opened in the browser."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli import common
from workbench.cli.common import RootOpt, esc, user_errors
from workbench.workspace import Workspace


def app_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The ``streamlit run`` command line of the review app (the folder goes in ``WORKBENCH_ROOT``).

    Always headless: a non-headless Streamlit asks for an e-mail address on its first run, which blocks
    (or fails) without a terminal. ``workbench app`` opens the browser itself."""
    import sys

    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(Path(__file__).parent.parent / "app" / "main.py"),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--theme.primaryColor",
        "#1f6feb",
    ]


def _open_when_up(url: str, server, timeout: float = 60.0) -> None:
    """Open ``url`` in the web browser once the server answers its health check."""
    import urllib.request
    import webbrowser

    end = time.monotonic() + timeout
    while server.poll() is None and time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                webbrowser.open(url)
                return
        except OSError:
            time.sleep(0.3)


def app_cmd(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to serve on (0.0.0.0: the network).")] = "127.0.0.1",
    browser: Annotated[bool, typer.Option(help="Open the app in the web browser.")] = True,
    root: RootOpt = None,
) -> None:
    """Open the review app in the browser: align, review and correct the links, save."""
    import os
    import signal
    import subprocess
    import threading

    ws = Workspace.find(root)
    with user_errors():
        ws.articles()
    url = f"http://{'127.0.0.1' if address in ('0.0.0.0', '::') else address}:{port}"
    common.err.print(f"review app for {esc(ws.root)} on {esc(url)} (Ctrl+C stops it)")
    server = subprocess.Popen(
        app_command(port, address),
        env=dict(os.environ, WORKBENCH_ROOT=str(ws.root)),
        stdin=subprocess.DEVNULL,
    )
    if browser:
        threading.Thread(target=_open_when_up, args=(url, server), daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())  # stopping workbench stops the server
    try:
        code = server.wait()
    except KeyboardInterrupt:  # the server got the Ctrl+C too
        code = server.wait()
    if code not in (0, -signal.SIGTERM):
        raise typer.Exit(code=code)
