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

# Two pytest processes side by side: the studies, orbit and most radiation tests; and the thermal, power
# and SHIELDOSE-2 kernel tests (its output is printed after the first's).  Most of the suite's
# time is XLA compilation, which keeps one core busy for long stretches; two processes use both cores
# of a 2-core machine, and the two halves take about the same time.  (Four single-process runs of the
# whole suite also aborted inside XLA's CPU compiler late in the run, after ~2,000 tests; every test
# passes alone.)  The target fails if either process fails.
SECOND := tests/thermal tests/power tests/radiation/test_shieldose2_kernels.py
test: $(STAMP)
	@log=$$(mktemp); \
	$(PY) -m pytest -q $(SECOND) > $$log 2>&1 & second=$$!; \
	$(PY) -m pytest -q $(addprefix --ignore=,$(SECOND)); first=$$?; \
	wait $$second; sec=$$?; \
	echo "---- $(SECOND) (second process) ----"; cat $$log; rm -f $$log; \
	test $$first -eq 0 && test $$sec -eq 0

bench: $(STAMP)
	$(PY) benchmarks/radiator.py

clean:
	rm -rf $(VENV) out
