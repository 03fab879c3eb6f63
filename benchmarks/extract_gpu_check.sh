#!/usr/bin/env bash
# One prepared run on a lent GPU machine for issue 7: the extraction, I/O,
# scikit-learn and torch-module tests (CUDA test included), a CUDA extraction
# (--backend torch --device cuda) checked against the NumPy CPU one, and the
# scale benchmark pinned to 2 cores (taskset) so that its numbers are those
# of an idle 2-core machine.  Expects the wheels the GPU image lacks in .whl/
# (array-api-compat, PyWavelets, …) and .whl-dask/ (dask, distributed, zarr,
# numcodecs and their missing dependencies); writes logs to $OUT.  Make .whl-dask/ here with
#   for p in dask distributed zarr numcodecs donfig google-crc32c locket partd tblib tornado zict; do
#     pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux1_x86_64 \
#       -d .whl-dask "$p==$(pip show $p | sed -n 's/^Version: //p')"; done
set -o pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
    .whl/*.whl .whl-dask/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
out=${OUT:-/tmp/extract-gpu-check}
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
nproc | tee -a "$out/gpu.txt"
python3 -m pytest -q -p no:cacheprovider -rs tests/test_torch_module.py tests/test_extract.py tests/test_io.py \
    tests/test_sklearn.py 2>&1 | tee "$out/tests.log" | tail -8
python3 - <<'EOF' 2>&1 | tee "$out/cuda_extract.txt"
import sys, tempfile, time
from pathlib import Path
import numpy as np
sys.path.insert(0, "benchmarks")
from scale import network, make_data
from scatterx.extract import extract
from scatterx.io import open_features
net, tmp = network(), Path(tempfile.mkdtemp())
data = make_data(tmp / "x.npy", 20000)
cpu = extract(data, net, tmp / "cpu.zarr", chunk=2294, progress=False)
extract(data, net, tmp / "warm.zarr", chunk=2294, backend="torch", device="cuda", progress=False)
gpu = extract(data, net, tmp / "gpu.zarr", chunk=8192, backend="torch", device="cuda", progress=False)
a, b = np.asarray(open_features(tmp / "cpu.zarr")[0][:]), np.asarray(open_features(tmp / "gpu.zarr")[0][:])
print("cpu numpy (all cores):", cpu)
print("cuda torch:", gpu)
print("max relative difference cuda vs cpu:", float(np.abs(a - b).max() / np.abs(a).max()))
EOF
timeout 420 taskset -c 0,1 python3 benchmarks/scale.py --out "$out" --repeats 2 2>&1 | tail -30
