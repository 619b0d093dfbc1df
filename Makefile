# calcml: two commands on a fresh machine, `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= calcml-output

NOTEBOOKS ?= notebooks

.PHONY: run test bench notebooks clean

# Each target stamps what it installed, so a second run is quick and a change
# to pyproject.toml reinstalls.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,notebooks]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,notebooks,bench]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-test

run: $(VENV)/.installed
	$(BIN)/calcml course --out $(OUT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks

# Each lesson as a Jupyter notebook: NOTEBOOKS/lessonNN.py (jupytext percent source) and .ipynb.
notebooks: $(VENV)/.installed-test
	$(BIN)/calcml notebooks --out $(NOTEBOOKS)

clean:
	rm -rf $(VENV) $(OUT) $(NOTEBOOKS) build src/*.egg-info .pytest_cache
