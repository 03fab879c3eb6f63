# The two commands: `make demo` and `make test` build .venv themselves.
PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.scatterx-installed

.PHONY: demo test lint bench docs figures data results clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e ".[all,test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m scatterx.demo --out demo-output

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/vs_kymatio.py --out benchmarks/results

FRAME_FIGURES := docs/figures/frames
# The figures the pages show (filters, LP sums, frame bounds), regenerated from the code.
figures: $(STAMP)
	$(BIN)/python -m scatterx.demo --figures-only --out docs/figures
	for f in morlet gabor shearlet curvelet ridgelet; do \
	  $(BIN)/scatterx frames $$f --shape 128 128 --out $(FRAME_FIGURES) || exit 1; done
	for w in haar db4 bior2.2; do \
	  $(BIN)/scatterx frames pywavelet -p name=$$w --shape 128 128 --name pywavelet_$$w --out $(FRAME_FIGURES) || exit 1; done
	$(BIN)/scatterx frames morlet -p J=5 -p Q=4 --shape 2048 --name morlet_1d --out $(FRAME_FIGURES)
	$(BIN)/scatterx frames from_filters --arrays $(FRAME_FIGURES)/user_filters.npz --shape 128 128 --out $(FRAME_FIGURES)
	$(BIN)/python benchmarks/frames_render.py --out benchmarks/results
	$(BIN)/python -m scatterx.verify --examples docs/verify --figures docs/figures --quiet

# The documentation site: the pages, the API reference from the docstrings, the executed gallery.
DOCS_STAMP := $(VENV)/.scatterx-docs-installed
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -b html -W --keep-going -q docs docs/_build/html
	@echo "open docs/_build/html/index.html"

# Fashion-MNIST from Debian's package, unpacked into a cache folder (not installed system-wide).
FASHION_MNIST_CACHE ?= $(HOME)/.cache/scatterx/fashion-mnist
data:
	mkdir -p $(FASHION_MNIST_CACHE)
	cd $(FASHION_MNIST_CACHE) && (apt-get download dataset-fashion-mnist || (apt-get update && apt-get download dataset-fashion-mnist))
	dpkg -x $(FASHION_MNIST_CACHE)/dataset-fashion-mnist_*_all.deb $(FASHION_MNIST_CACHE)
	ls $(FASHION_MNIST_CACHE)/usr/share/datasets/fashion-mnist

# The runs behind docs/results.md (hours on 2 cores; each writes results/<name>/).
results: $(STAMP) data
	$(BIN)/scatterx compare kymatio families --dataset fashion-mnist --curve 0.1 0.25 --out results/fmnist_families_full
	$(BIN)/scatterx compare icml2016 --dataset fashion-mnist --train 10000 --out results/fmnist_icml2016_10k
	$(BIN)/scatterx compare docs/configs/morlet_J2_L8.json --dataset fashion-mnist --train 10000 --classifier svm-rbf --curve --out results/fmnist_morlet_svm_10k
	$(BIN)/scatterx compare kymatio docs/configs/morlet_J2_L8.json --dataset fashion-mnist --features raw log --curve 0.1 0.25 --out results/fmnist_log_full
	$(BIN)/scatterx compare docs/configs/morlet_J2_L8.json --dataset fashion-mnist --classifier svm-rbf --features log --pca 300 --search-max 10000 --curve --out results/fmnist_svm_log_full
	$(BIN)/scatterx compare docs/configs/morlet_J2_L8.json --dataset fashion-mnist --classifier svm-rbf --features log --pca 600 --search-max 10000 --curve --out results/fmnist_svm_log_pca600_full
	$(BIN)/scatterx compare docs/configs/morlet_J2_L8_grid14.json --dataset fashion-mnist --classifier svm-rbf --features log --pca 600 --search-max 10000 --curve --out results/fmnist_svm_log_grid14_pca600_full
	$(BIN)/scatterx compare kymatio docs/configs/morlet_J2_L8_grid14.json --dataset fashion-mnist --features raw log --search-max 20000 --fit-threads 2 --curve --out results/fmnist_log_grid14_full
	for d in mnist1d digits textures; do $(BIN)/scatterx compare families kymatio --dataset $$d --out results/$${d}_families || exit 1; done

clean:
	rm -rf $(VENV) demo-output .pytest_cache docs/_build docs/auto_examples docs/reference/generated
