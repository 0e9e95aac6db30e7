# Set-up is part of every target: the first `make demo` or `make test` builds .venv by itself.
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint docs bench clean

demo: $(STAMP)
	$(VENV)/bin/briefing demo

test: $(STAMP)
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check briefing tests benchmarks scripts
	$(VENV)/bin/ruff format --check briefing tests benchmarks scripts
	$(VENV)/bin/mypy briefing
	$(VENV)/bin/mypy benchmarks scripts

# Every picture of the README and docs/, made again from the current code (needs pdftoppm and
# chromium: apt-get install poppler-utils chromium), and the settings reference.
docs: $(STAMP)
	$(VENV)/bin/python scripts/docs.py

bench: $(STAMP)
	$(VENV)/bin/python -m pip install --quiet -e '.[bench]'
	$(VENV)/bin/python benchmarks/extraction.py
	$(VENV)/bin/python benchmarks/clustering.py
	$(VENV)/bin/python benchmarks/clustering_cv.py
	$(VENV)/bin/python benchmarks/continuity.py
	$(VENV)/bin/python benchmarks/one_outlet.py
	$(VENV)/bin/python benchmarks/real_day.py
	$(VENV)/bin/python benchmarks/clustering_scale.py
	$(VENV)/bin/python benchmarks/summaries.py
	$(VENV)/bin/python benchmarks/fetch.py
	$(VENV)/bin/python benchmarks/scheduler_simulation.py
	$(VENV)/bin/python benchmarks/render.py
	$(VENV)/bin/python benchmarks/hostile.py
	$(VENV)/bin/python benchmarks/appeals.py
	$(VENV)/bin/python benchmarks/pipeline.py  # writes benchmarks/results/pipeline.json

$(STAMP): pyproject.toml
	@sh scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) output/demo
