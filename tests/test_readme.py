"""Every Python block of the README runs as written, on its own, in a fresh interpreter."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_shows_its_three_jobs():
    assert len(BLOCKS) == 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs_alone(index, tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    r = subprocess.run([sys.executable, "-c", BLOCKS[index]], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # no warning either
    if index == 0:
        accuracy = float(re.search(r"test accuracy: ([0-9.]+)", r.stdout).group(1))
        assert accuracy > 0.97  # what the block promises: a strong classifier (0.998 when written)
        assert "L2[0-8](0,0)" in r.stdout  # the name its comment shows
    if index == 2:
        assert {p.name for p in tmp_path.glob("*_lp.png")} == {
            f"{n}_lp.png" for n in ("morlet", "gabor", "db4", "shearlet", "curvelet", "ridgelet")
        }
