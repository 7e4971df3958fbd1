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

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/radiator.py

clean:
	rm -rf $(VENV) out
