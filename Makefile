# depsim — the two commands of the README:
#   make paper   set up (first time) and run the paper's PP/PIA/control comparison
#   make test    set up (first time) and run the test suite (as CI does)
VENV    ?= .venv
PY      := $(VENV)/bin/python
RANKS   ?= 2
OUT     ?= results/paper

.PHONY: setup paper test test-slow lint clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e ".[fem,test]"
	@touch $@

setup: $(VENV)/.installed

paper: setup
	$(VENV)/bin/mpirun -n $(RANKS) $(VENV)/bin/depsim compare cases/paper/pp.toml \
	    cases/paper/pia.toml cases/paper/control2.toml cases/paper/control3.toml --out $(OUT)

test: setup
	$(PY) -m pytest -q

test-slow: setup
	$(PY) -m pytest -q -m slow

lint: setup
	$(VENV)/bin/ruff check depsim tests benchmarks

clean:
	rm -rf results .pytest_cache
