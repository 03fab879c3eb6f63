# The two commands: `make demo` and `make test` build .venv themselves.
PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.scatterx-installed

.PHONY: demo test bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e ".[test,plot,cli]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m scatterx.demo --out demo-output

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/vs_kymatio.py --out benchmarks/results

docs: $(STAMP)
	$(BIN)/python -m scatterx.demo --figures-only --out docs/figures

clean:
	rm -rf $(VENV) demo-output .pytest_cache
