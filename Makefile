# Set-up and the two everyday commands. Everything installs into .venv; torch comes first, from the
# CPU wheel (a plain `torch` requirement would pull a multi-GB CUDA build).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test setup lint bench clean

# The main job: align every sample article offline and show the result.
run: setup
	$(BIN)/workbench align --all
	$(BIN)/workbench list
	$(BIN)/workbench show rodong-2024-08-09-general-offensive --target ko.team

# The test suite (what CI runs).
test: setup
	$(BIN)/python -m pytest -q

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python benchmarks/align_accuracy.py
	$(BIN)/python benchmarks/align_speed.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
