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

# Two pytest processes side by side: every test except the thermal solvers', and the thermal solvers'
# (its output is printed after the first's).  Most of the suite's time is XLA compilation, which keeps
# one core busy for long stretches; two processes use both cores of a 2-core machine.  (Four
# single-process runs of the whole suite also aborted inside XLA's CPU compiler late in the run, after
# ~2,000 tests; every test passes alone.)  The target fails if either process fails.
test: $(STAMP)
	@log=$$(mktemp); \
	$(PY) -m pytest -q tests/thermal > $$log 2>&1 & thermal=$$!; \
	$(PY) -m pytest -q --ignore=tests/thermal; rest=$$?; \
	wait $$thermal; th=$$?; \
	echo "---- tests/thermal (second process) ----"; cat $$log; rm -f $$log; \
	test $$rest -eq 0 && test $$th -eq 0

bench: $(STAMP)
	$(PY) benchmarks/radiator.py

clean:
	rm -rf $(VENV) out
