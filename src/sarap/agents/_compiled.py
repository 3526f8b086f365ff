"""A booster's trees compiled to machine code, for scoring big batches.

LightGBM walks its trees node by node through general data structures.
lleaves compiles a booster with LLVM into one function that gives the same
predictions; on a million declaration lines and 150 trees that took 0.6 s
here against LightGBM's 3.0 s, with the same scores to 1e-15.

Compiling takes seconds (about 5 s for 150 trees of 31 leaves, 10 s more
for the leaf finder), so the compiled object is kept in a per-user cache,
one file per booster and target processor (see _target), and loaded in
milliseconds the next time; callers build it only for a batch big enough
to repay that. Anything that goes wrong on the way (no lleaves, a failed
compile, an unwritable cache) leaves scoring on LightGBM: slower, never
different.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import tempfile
import threading
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

Predict = Callable[[np.ndarray], np.ndarray]

_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def cache_dir() -> Path:
    """Where compiled boosters are kept: ``$SARAP_CACHE`` or the user's cache."""
    root = os.environ.get("SARAP_CACHE") or os.environ.get("XDG_CACHE_HOME")
    base = Path(root) if root else Path.home() / ".cache"
    return (base if os.environ.get("SARAP_CACHE") else base / "sarap") / "compiled"


def _target() -> tuple[str | None, str | None, str]:
    """The processor the trees are compiled for: (name, features, cache tag).

    On x86-64, the baseline x86-64 instruction set. Walking trees is
    compares and jumps, and that code scored as fast here as code for this
    machine's own processor (400,000 lines through 150 trees: 0.18 s
    against 0.19-0.27 s, the same predictions). A virtual machine's
    processor features change when it moves to another host; code for the
    host's own would then no longer be found in the cache, leaving big
    batches on LightGBM until a refit. Elsewhere, the host's own processor.
    """
    if platform.machine().lower() in ("x86_64", "amd64"):
        return "x86-64", "", "x86-64"
    import llvmlite.binding as llvm

    name, features = llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten()
    return name, features, f"{platform.machine()} {name} {features}"


def compiled_predict(
    model_text: str, n_jobs: int, *, build: bool = True
) -> Predict | None:
    """The booster's ``predict`` on a float64 row-major matrix, compiled from
    its text (``model_to_string``, the saved file); None when it cannot be
    had (the caller then uses LightGBM), or when it is not in the cache yet
    and ``build`` is False."""
    model = _compiled(model_text, build=build)
    if model is None:
        return None

    def predict(X: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict(X, n_jobs=n_jobs))

    return predict


def compiled_leaves(
    model_text: str, n_jobs: int, *, build: bool = True
) -> Predict | None:
    """The booster's ``predict(X, pred_leaf=True)``, compiled; None as for
    :func:`compiled_predict`.

    The booster is rewritten as a model of as many classes as it has trees,
    tree k alone in class k with its leaves' values set to their numbers:
    its raw "scores" are then the leaf each row reaches in each tree, found
    by the same compiled walk as the predictions.
    """
    model = _compiled(_leaf_model(model_text), raw_score=True, build=build)
    if model is None:
        return None

    def leaves(X: np.ndarray) -> np.ndarray:
        out = np.empty((len(X), model.num_trees()), dtype=np.int32)
        # A block at a time: lleaves answers in float64, 150 of them a row.
        for start in range(0, len(X), 32768):
            block = X[start : start + 32768]
            out[start : start + len(block)] = np.asarray(
                model.predict(block, n_jobs=n_jobs)
            ).reshape(len(block), -1)
        return out

    return leaves


def _leaf_model(text: str) -> str:
    head, _, rest = text.partition("\nTree=")
    trees = rest.count("\nTree=") + 1
    head = re.sub(r"(?m)^num_class=\d+$", f"num_class={trees}", head)
    head = re.sub(
        r"(?m)^num_tree_per_iteration=\d+$", f"num_tree_per_iteration={trees}", head
    )
    head = re.sub(
        r"(?m)^objective=.*$", f"objective=multiclass num_class:{trees}", head
    )
    leaves = 0

    def numbered(m: re.Match[str]) -> str:
        nonlocal leaves
        if m.group(1) is not None:
            leaves = int(m.group(1))
            return m.group(0)
        return "leaf_value=" + " ".join(str(i) for i in range(leaves))

    body = re.sub(r"(?m)^num_leaves=(\d+)$|^leaf_value=.*$", numbered, rest)
    return head + "\nTree=" + body


def _compiled(text: str, *, raw_score: bool = False, build: bool = True) -> Any:
    """The lleaves model of a LightGBM model text, compiled or loaded from the
    cache; None when it cannot be had, or is not cached and not to be built."""
    try:
        import lleaves
    except ImportError:
        return None
    key = hashlib.sha256(
        f"lleaves {version('lleaves')} {_target()[2]} {raw_score}\n{text}".encode()
    ).hexdigest()[:32]
    with _lock:
        if (
            key not in _loaded
            and not build
            and not (cache_dir() / f"{key}.so").is_file()
        ):
            return None
        if key not in _loaded:
            try:
                _loaded[key] = _compile(lleaves, text, key, raw_score)
            except Exception:  # noqa: BLE001 - any failure: LightGBM scores instead
                _loaded[key] = None
        return _loaded[key]


def _compile(lleaves: Any, text: str, key: str, raw_score: bool) -> Any:
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        writable = os.access(folder, os.W_OK)
    except OSError:
        writable = False
    with tempfile.TemporaryDirectory(prefix="sarap-") as tmp:
        model_file = Path(tmp) / "booster.txt"
        model_file.write_text(text)
        model = lleaves.Model(model_file=str(model_file))
        cpu, features, _ = _target()
        options = {"target_cpu": cpu, "target_cpu_features": features}
        target = folder / f"{key}.so"
        if target.is_file():
            model.compile(cache=str(target), raw_score=raw_score, **options)
            return model
        # Written under a name of its own, then renamed: two processes
        # compiling the same booster never read a half-written file.
        scratch = (folder if writable else Path(tmp)) / f"{key}.{os.getpid()}.tmp"
        model.compile(cache=str(scratch), raw_score=raw_score, **options)
        if writable:
            os.replace(scratch, target)
        return model
