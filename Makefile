# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv (if missing) and installs xigeo with its test extras.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.xigeo-installed

.PHONY: demo test docs bench clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,docs]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/xigeo demo

test: $(STAMP)
	$(PY) -m pytest
	$(PY) -m mypy xigeo

docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html
	@echo "open docs/_build/html/index.html"

bench: $(STAMP)
	$(PY) benchmarks/bench_area.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache docs/_build
