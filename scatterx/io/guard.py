"""Outputs are sacred: checks before an extraction writes anything.

* the output must not be, contain or lie inside the input
  (:func:`check_apart`, on resolved paths and on the files themselves);
* an existing output is replaced only on request and only when scatterx
  wrote it (``sink.remove``), resumed only when it was written by the same
  network, chunking, precision *and input* (:func:`prepare`: the input's
  fingerprint, resolved path, size and content hash, is stored with the
  output and compared);
* the bytes still to write must fit on the output's disk (:func:`check_space`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from frames._checks import gib

__all__ = ["check_apart", "check_space", "prepare"]


def _inside(a, b):
    """Whether path a is b or lies inside b (both resolved)."""
    return a == b or b in a.parents


def check_apart(source, sink):
    """Raise ValueError when an output path of ``sink`` is, contains or lies inside the input ``source``."""
    if getattr(source, "format", "") == "array":
        return
    inp = Path(source.path).resolve()
    for out in sink.paths() + [sink.lock_path()]:
        res = out.resolve()
        same = out.exists() and inp.exists() and os.path.samefile(out, inp)
        if same or _inside(res, inp) or _inside(inp, res):
            how = "is" if same or res == inp else "lies inside" if _inside(res, inp) else "contains"
            raise ValueError(
                f"the output {out} {how} the input {inp}: refused, the input would be overwritten; "
                "choose an output elsewhere"
            )


def check_space(sink, nbytes):
    """Raise OSError (ENOSPC) when ``nbytes`` more do not fit on the file system of the output."""
    folder = sink.path.parent.resolve()
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if nbytes > free:
        raise OSError(
            28,
            f"the output {sink.path} needs {gib(nbytes)} ({nbytes} bytes) more but its disk has {gib(free)} free; "
            "free space, choose another folder, or write less (--dtype float32, a coarser feature_grid)",
        )


def _same_input(stored, current):
    """None when the fingerprints name the same input (path, size and content hash), else what differs."""
    if not isinstance(stored, dict) or "blake2b" not in stored:
        return "the output records no fingerprint of its input (it predates them)"
    for what in ("path", "size", "blake2b"):
        if stored.get(what) != current.get(what):
            label = {"blake2b": "content hash", "path": "resolved path"}.get(what, what)
            return f"its input had another {label} ({str(stored.get(what))[:80]} ≠ {str(current.get(what))[:80]})"
    return None


def prepare(sink, *, resume, overwrite, n_chunks, attrs, shape, chunk, dtype):
    """Create the output, or check the one to resume; returns the chunks already done.

    ``attrs`` holds ``network`` (the configuration) and ``source`` (with
    ``fingerprint``).  Refusals: an existing output without ``resume`` or
    ``overwrite`` (FileExistsError); ``overwrite`` of anything scatterx did
    not write (FileExistsError, nothing deleted); ``resume`` of another
    network, chunking, precision or input (ValueError).
    """
    if sink.exists() and not (resume or overwrite):
        raise FileExistsError(
            f"output {sink.path} exists; pass resume=True (--resume) to finish it or "
            "overwrite=True (--overwrite) to replace it"
        )
    if sink.exists() and resume:
        reason = sink.not_ours()
        if reason:
            raise ValueError(f"cannot resume {sink.path}: it {reason}")
        meta = sink.metadata()
        stored = {k: meta.get(k) for k in ("network", "shape", "chunk", "dtype")}
        wanted = {"network": attrs["network"], "shape": list(shape), "chunk": chunk, "dtype": dtype.name}
        for what in stored:
            if stored[what] != wanted[what]:
                raise ValueError(
                    f"cannot resume {sink.path}: it was written with another {what} "
                    f"({stored[what]!r:.200} ≠ {wanted[what]!r:.200}); use overwrite or another path"
                )
        differs = _same_input((meta.get("source") or {}).get("fingerprint"), attrs["source"]["fingerprint"])
        if differs:
            raise ValueError(
                f"cannot resume {sink.path}: {differs}; its rows would mix two inputs. "
                "Resume with the original input, or use overwrite"
            )
        return {i for i in sink.done_chunks() if i < n_chunks}
    if sink.exists():
        sink.remove()
    sink.create(shape[0], shape[1], chunk, dtype, attrs)
    return set()
