# Set-up and the two everyday commands. Everything installs into .venv; torch comes first, from the
# CPU wheel (a plain `torch` requirement would pull a multi-GB CUDA build).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

APT_PACKAGES = apertium apertium-eng-spa chromium fonts-noto-cjk

.PHONY: run test test-fast setup sysdeps lint bench clean

# The main job: the review app on the sample articles (http://127.0.0.1:8501), offline.
# Articles with no alignment yet are aligned first; reviewed alignments are left alone.
run: setup
	$(BIN)/workbench align --all --missing
	$(BIN)/workbench app

# The test suite (what CI runs, after `make lint`).
test: setup
	$(BIN)/python -m pytest -q

# The quick loop while editing: every test not marked slow (no embedding model, app, browser or
# subprocess). `make test` still runs everything.
test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

setup: sysdeps $(VENV)/.installed

# System packages: Apertium (an offline English-Spanish MT engine), Chromium (the browser tests) and a
# font with Korean, Chinese and Japanese glyphs (without one the browser draws them as boxes).
sysdeps:
	@missing=""; \
	command -v apertium >/dev/null || missing="yes"; \
	[ -d /usr/share/apertium/apertium-eng-spa ] || missing="yes"; \
	[ -x /usr/bin/chromium ] || missing="yes"; \
	fc-list :lang=ko 2>/dev/null | grep -q . || missing="yes"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $(APT_PACKAGES) with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	  else \
	    echo "note: install $(APT_PACKAGES) (e.g. sudo apt-get install $(APT_PACKAGES));" \
	         "without them the Apertium and browser tests are skipped"; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Style, and the layers declared in pyproject.toml (shells -> jobs -> storage -> engine -> errors).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: setup
	$(BIN)/python benchmarks/align_accuracy.py
	$(BIN)/python benchmarks/align_errors.py
	$(BIN)/python benchmarks/ko_source_audit.py
	$(BIN)/python benchmarks/large_beads.py
	$(BIN)/python benchmarks/align_speed.py
	$(BIN)/python benchmarks/calibrate_confidence.py --preset accurate
	$(BIN)/python benchmarks/segment_archive.py
	$(BIN)/python benchmarks/translate_throughput.py
	$(BIN)/python benchmarks/export_scale.py
	$(BIN)/python benchmarks/app_edit_speed.py --browser
	$(BIN)/python benchmarks/corpus_kcna.py --out /tmp/wb-bench-kcna
	$(BIN)/python benchmarks/corpus_pairing_dev.py /tmp/wb-bench-kcna
	$(BIN)/python benchmarks/corpus_ray.py

# The pages of docs/benchmarks whose benchmarks take under two minutes (benchmarks/README.md lists them
# all); the others keep their recorded runs until someone runs their command.
.PHONY: docs-bench
docs-bench: setup
	$(BIN)/python benchmarks/tables.py --cheap

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
