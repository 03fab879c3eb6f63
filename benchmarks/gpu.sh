#!/usr/bin/env bash
# One prepared run on a lent CUDA machine: the whole test suite (CUDA tests
# included), the Kymatio benchmark on the GPU (cases a–e, torch backend) and
# the operator profile.
# Expects wheels of the packages the GPU image lacks in .whl/ (kymatio,
# array-api-compat, PyWavelets, appdirs, configparser: made here by
# benchmarks/gpu_wheels.sh and carried); writes logs to $OUT.
# Extra arguments go to pytest (e.g. --ignore=tests/test_compare.py).
set -o pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
out=${OUT:-/tmp/gpu-check}
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
python3 -c "import torch, numpy, scipy; print('torch', torch.__version__, 'numpy', numpy.__version__, 'scipy', scipy.__version__)" | tee -a "$out/gpu.txt"
python3 -m pytest -q -p no:cacheprovider -rs tests "$@" 2>&1 | tee "$out/tests.log" | tail -15
python3 benchmarks/vs_kymatio.py --device cuda --cases a b c d e --backends torch --out "$out" 2>&1 | tail -12
python3 benchmarks/profile_ops.py --device cuda --cases a b c d e --out "$out" 2>&1 | tail -8
