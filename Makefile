# sunsink developer entry points.  Each target creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: study test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,reference,bench]'
	touch $(STAMP)

study: $(STAMP)
	$(VENV)/bin/sunsink run studies/baseline_150kw.toml --out out/baseline

# Two processes: every test except the thermal solvers', then the thermal solvers'.  Four single-process
# runs of the whole suite aborted inside XLA's CPU compiler late in the run (thermal radiator programs
# after ~2,000 tests and the coupled model's programs in one process; every test passes alone).
test: $(STAMP)
	$(PY) -m pytest -q --ignore=tests/thermal
	$(PY) -m pytest -q tests/thermal

bench: $(STAMP)
	$(PY) benchmarks/radiator.py

clean:
	rm -rf $(VENV) out
