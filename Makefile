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
	$(BIN)/python -m pip install -q -e ".[test,plot,cli,data]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m scatterx.demo --out demo-output

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/vs_kymatio.py --out benchmarks/results

FRAME_FIGURES := docs/figures/frames
docs: $(STAMP)
	$(BIN)/python -m scatterx.demo --figures-only --out docs/figures
	for f in morlet gabor shearlet curvelet ridgelet; do \
	  $(BIN)/scatterx frames $$f --shape 128 128 --out $(FRAME_FIGURES) || exit 1; done
	for w in haar db4 bior2.2; do \
	  $(BIN)/scatterx frames pywavelet -p name=$$w --shape 128 128 --name pywavelet_$$w --out $(FRAME_FIGURES) || exit 1; done
	$(BIN)/scatterx frames morlet -p J=5 -p Q=4 --shape 2048 --name morlet_1d --out $(FRAME_FIGURES)
	$(BIN)/scatterx frames from_filters --arrays $(FRAME_FIGURES)/user_filters.npz --shape 128 128 --out $(FRAME_FIGURES)
	$(BIN)/python benchmarks/frames_render.py --out benchmarks/results

clean:
	rm -rf $(VENV) demo-output .pytest_cache
