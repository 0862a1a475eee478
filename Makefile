# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv (if missing), installs xigeo with its test extras and compiles its
# kernels (`xigeo warmup`: numba's cache beside the sources, or XIGEO_CACHE_DIR if set).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.xigeo-installed
WARM   := $(VENV)/.xigeo-warm
LAB    := $(VENV)/.xigeo-lab
# numba's cache is keyed on these sources: an edit recompiles, so warm up again
KERNELS := xigeo/_jit.py xigeo/_predicates.py xigeo/_clip.py xigeo/_area_kernel.py

.PHONY: demo test docs bench lab clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,docs]"
	touch $(STAMP)

# compile the numba kernels into their cache now (~10 s once), so the first demo/check is warm
$(WARM): $(STAMP) $(KERNELS)
	$(VENV)/bin/xigeo warmup
	touch $(WARM)

demo: $(WARM)
	$(VENV)/bin/xigeo demo

test: $(WARM)
	$(PY) -m pytest
	$(PY) -m mypy xigeo

docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html
	@echo "open docs/_build/html/index.html"

# the tutorials in JupyterLab: installs the `notebook` extra (jupyterlab, ipykernel) once
$(LAB): $(STAMP)
	$(PY) -m pip install --quiet -e ".[notebook]"
	touch $(LAB)

lab: $(WARM) $(LAB)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

bench: $(WARM)
	$(PY) benchmarks/bench_area.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache docs/_build
	rm -f xigeo/__pycache__/*.nbi xigeo/__pycache__/*.nbc
