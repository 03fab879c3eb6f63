#!/usr/bin/env bash
# Run here, before a lent GPU's first call: puts into .whl/ the wheels that
# benchmarks/gpu.sh installs there, for the GPU image's Python 3.12 (it has
# torch, numpy, scipy, pytest, scikit-learn, hypothesis, but not these).
# Versions: those of this checkout's .venv, so both machines run the same.
# Then: device run with carry [".whl"] and the command `bash benchmarks/gpu.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
pip=${PIP:-.venv/bin/python -m pip}
mkdir -p .whl
for name in kymatio array-api-compat PyWavelets appdirs configparser; do
    version=$($pip show "$name" | sed -n 's/^Version: //p')
    [ -n "$version" ] || { echo "$name is not installed in .venv: run make test first" >&2; exit 1; }
    $pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "$name==$version"
done
ls -l .whl
