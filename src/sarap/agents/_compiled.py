"""A booster's trees compiled to machine code, for scoring big batches.

LightGBM walks its trees node by node through general data structures.
lleaves compiles a booster with LLVM into one function that gives the same
predictions; on a million declaration lines and 150 trees that took 0.6 s
here against LightGBM's 3.0 s, with the same scores to 1e-15.

Compiling takes seconds (about 5 s for 150 trees of 31 leaves), so the
compiled object is kept in a per-user cache, one file per booster and
processor, and loaded in milliseconds the next time. Anything that goes
wrong on the way (no lleaves, a failed compile, an unwritable cache) leaves
scoring on LightGBM: slower, never different.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

Predict = Callable[[np.ndarray], np.ndarray]

_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def cache_dir() -> Path:
    """Where compiled boosters are kept: ``$SARAP_CACHE`` or the user's cache."""
    root = os.environ.get("SARAP_CACHE") or os.environ.get("XDG_CACHE_HOME")
    base = Path(root) if root else Path.home() / ".cache"
    return (base if os.environ.get("SARAP_CACHE") else base / "sarap") / "compiled"


def _host() -> str:
    import llvmlite.binding as llvm

    return f"{llvm.get_host_cpu_name()} {llvm.get_host_cpu_features().flatten()}"


def compiled_predict(booster: lgb.Booster, n_jobs: int) -> Predict | None:
    """``booster.predict`` on a float64 row-major matrix, compiled; None when
    it cannot be had (the caller then uses LightGBM)."""
    text = booster.model_to_string()
    try:
        import lleaves
    except ImportError:
        return None
    key = hashlib.sha256(
        f"lleaves {version('lleaves')} {_host()}\n{text}".encode()
    ).hexdigest()[:32]
    with _lock:
        model = _loaded.get(key)
        if model is None:
            try:
                model = _compile(lleaves, text, key)
            except Exception:  # noqa: BLE001 - any failure: LightGBM scores instead
                return None
            _loaded[key] = model

    def predict(X: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict(X, n_jobs=n_jobs))

    return predict


def _compile(lleaves: Any, text: str, key: str) -> Any:
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
        target = folder / f"{key}.so"
        if target.is_file():
            model.compile(cache=str(target))
            return model
        # Written under a name of its own, then renamed: two processes
        # compiling the same booster never read a half-written file.
        scratch = (folder if writable else Path(tmp)) / f"{key}.{os.getpid()}.tmp"
        model.compile(cache=str(scratch))
        if writable:
            os.replace(scratch, target)
        return model
