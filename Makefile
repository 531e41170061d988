# depsim — the two commands of the README:
#   make paper   set up (first time) and run the paper's PP/PIA/control comparison
#   make test    set up (first time) and run the test suite (as CI does)
# Set-up installs the pinned, tested versions of requirements/constraints.txt;
# `make lock` refreshes that file from the newest releases (then run `make test`).
VENV    ?= .venv
PY      := $(VENV)/bin/python
RANKS   ?= 2
OUT     ?= results/paper
PIN     := requirements/constraints.txt

.PHONY: setup paper test test-slow lint lock clean

$(VENV)/.installed: pyproject.toml $(PIN)
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install -c $(PIN) pip
	$(PY) -m pip install -c $(PIN) -e ".[fem,test,lab]"
	@touch $@

setup: $(VENV)/.installed

# The most defensible set-up (README): measured t+, conductivity and i0, sites homogenised, 0.5 C,
# the separators' t+ and conductivity converted at the 1 M they were measured at; then the same
# converted at the simulated 2.5 M (the reading before) and with the concentrated model (LiPF6
# EC:DMC, Landesfeind-Gasteiger 2019), and the table of the effect ($(OUT)/inputs.md;
# docs/paper-reproduction.md section 1b).
PAPER_CASES := cases/paper/pp.toml cases/paper/homogenised/pia.toml \
	cases/paper/homogenised/control2.toml cases/paper/homogenised/control3.toml
COMPARE := $(VENV)/bin/mpirun -n $(RANKS) $(VENV)/bin/depsim compare $(PAPER_CASES)
paper: setup
	$(COMPARE) --out $(OUT)
	$(COMPARE) --set separator.measured_at=2.5M --out $(OUT)/measured_at_2.5M_dilute
	$(COMPARE) --set electrolyte.model=concentrated \
	    --set electrolyte.properties.source=landesfeind2019-ec-dmc \
	    --set separator.transference_method=bruce-vincent --out $(OUT)/measured_at_1M_concentrated
	$(PY) scripts/paper_inputs.py $(OUT)

# On WORKERS pytest-xdist workers (one test file per worker at a time); the tests' MPI jobs run
# one at a time (tests/conftest.py). WORKERS=0: one process; auto: one worker per core.
WORKERS ?= auto
test: setup
	$(PY) -m pytest -q -n $(WORKERS) --dist loadfile

test-slow: setup
	$(PY) -m pytest -q -m slow

lint: setup
	$(VENV)/bin/ruff check depsim tests benchmarks docs/examples

# Resolve the newest versions allowed by pyproject.toml in a throw-away venv and pin them.
lock:
	scripts/lock-requirements $(PIN)

clean:
	rm -rf results .pytest_cache
