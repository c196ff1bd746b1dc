"""``python -m workbench.cli``: the ``workbench`` command."""

from workbench.cli import app

if __name__ == "__main__":  # not in a worker process, which imports this module as __mp_main__
    app()
