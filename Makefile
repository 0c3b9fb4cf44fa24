# make demo / make test create .venv on first use (torch first, then the package with
# its test and distributed (Ray) extras, then lava-nc, lava-dl and the SNN frameworks without letting them touch torch,
# SynSense's xylosim, built from source, and requirements/mcu.txt: the Cortex-M cross-compiler and instruction-set
# simulator for the generated C).
# A stamp file records a finished install, so later runs start in seconds.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
STAMP  := $(VENV)/.snncompile-installed

.PHONY: demo test test-slow lint typecheck bench mutation docs env clean

env: $(STAMP)

$(STAMP): pyproject.toml Makefile requirements/*.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install torch==2.13.0
	$(PIP) install -r requirements/lava.txt
	$(PIP) install --no-deps --ignore-requires-python lava-nc==0.10.0
	$(PIP) install -r requirements/lava-dl.txt
	$(PIP) install --no-deps --ignore-requires-python lava-dl==0.6.0
	$(PIP) install -r requirements/framework-needs.txt
	$(PIP) install --no-deps -r requirements/frameworks.txt
	$(PIP) install -r requirements/xylo.txt
	$(PIP) install -r requirements/distributed.txt
	$(PIP) install -r requirements/mcu.txt
	$(PIP) install -e ".[test,distributed]"
	$(BIN)/python -c "import torch, numpy; assert torch.__version__.startswith('2.13.0'), torch.__version__; assert numpy.__version__ < '2'"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP) lint typecheck
	SNNCOMPILE_REQUIRE_OPTIONAL=1 $(BIN)/python -m pytest -m "not slow"

# the long runs (Lava on the larger zoo networks, ...): not part of CI's make test
test-slow: $(STAMP)
	SNNCOMPILE_REQUIRE_OPTIONAL=1 $(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy snncompile

# the API reference from the docstrings (Sphinx autodoc, warnings as errors; the tests build it too)
docs: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs/api build/api

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# mutation testing of the core (benchmarks/mutation.toml: modules and their tests; ~1 hour
# on 2 shared cores): writes the scores and survivors into docs/mutation.md. Survivors are
# triaged there: a new test kills each, or [[equivalent]] in mutation.toml says why not.
mutation: $(STAMP)
	$(PIP) install -r requirements/mutation.txt
	nice -n 10 $(BIN)/python -m benchmarks.mutation --jobs 2 --write-docs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .mutation
