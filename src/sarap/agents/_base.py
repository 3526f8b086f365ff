from __future__ import annotations

import ctypes
import inspect
import json
import os
import shutil
import stat
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from sarap.errors import SarapError, raise_if_interrupted


@dataclass(frozen=True)
class Interval:
    """Allowed numeric range of a parameter (``None`` = unbounded)."""

    type: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"  # both, left, right, neither

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.type):
            if not (
                self.type is float
                and isinstance(value, int)
                and not isinstance(value, bool)
            ):
                return False
        lo_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        hi_ok = self.high is None or (
            value <= self.high
            if self.closed in ("both", "right")
            else value < self.high
        )
        return bool(lo_ok and hi_ok)

    def __str__(self) -> str:
        lo = "-inf" if self.low is None else self.low
        hi = "inf" if self.high is None else self.high
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        return f"{self.type.__name__} in {left}{lo}, {hi}{right}"


@dataclass(frozen=True)
class Options:
    """Allowed values of a parameter."""

    values: frozenset[Any]

    def accepts(self, value: Any) -> bool:
        return value in self.values

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in sorted(self.values, key=str))


class NotFittedError(ValueError):
    """Raised when an agent is used before ``fit``."""


class BaseAgent:
    """scikit-learn-style base: parameters, validation, repr.

    Subclasses declare ``_parameter_constraints`` (name -> list of accepted
    :class:`Interval` / :class:`Options` / ``None``); ``fit`` calls
    :meth:`_validate_params` first, so a bad value fails naming the parameter.
    """

    _parameter_constraints: ClassVar[dict[str, list[Interval | Options | None]]] = {}

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseAgent:
        for name, value in params.items():
            if name not in self._param_names():
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}")
            setattr(self, name, value)
        return self

    def _validate_params(self) -> None:
        for name, allowed in self._parameter_constraints.items():
            value = getattr(self, name)
            if any(c is None and value is None for c in allowed):
                continue
            if not any(c is not None and c.accepts(value) for c in allowed):
                rules = " or ".join("None" if c is None else str(c) for c in allowed)
                raise ValueError(
                    f"The {name!r} parameter of {type(self).__name__} "
                    f"must be {rules}; got {value!r}."
                )

    def _check_fitted(self, attr: str) -> None:
        if not hasattr(self, attr):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call fit first."
            )

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default
            for p in inspect.signature(type(self).__init__).parameters.values()
        }
        changed = [
            f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k) != v
        ]
        return f"{type(self).__name__}({', '.join(changed)})"


def read_model_info(path: Path, agent: str, fmt: int) -> dict[str, Any]:
    """The ``model.json`` of a saved model folder, checked to hold ``agent``
    in format ``fmt``; a one-line :class:`SarapError` otherwise."""
    meta_file = path / "model.json"
    if not meta_file.is_file():
        raise SarapError(f"{path}: not a sarap model folder (no model.json)")
    try:
        info: dict[str, Any] = json.loads(meta_file.read_text())
    except (ValueError, OSError) as exc:
        raise SarapError(f"{path}: damaged model.json ({exc}); fit it again") from None
    if not isinstance(info, dict):
        raise SarapError(f"{path}: damaged model.json; fit it again")
    if "agent" not in info:  # another program's model.json (TensorFlow.js, ...)
        raise SarapError(
            f"{path}: not a sarap model folder (its model.json names no agent)"
        )
    if info.get("agent") != agent:
        raise SarapError(f"{path}: holds a {info.get('agent')} model, not a {agent}")
    if info.get("format") != fmt:
        raise SarapError(
            f"{path}: holds a {agent} model of format {info.get('format')}; this "
            f"sarap reads format {fmt}: fit it again"
        )
    for name, size in info.get("files", {}).items():
        f = path / name
        if not f.is_file():
            raise SarapError(
                f"{path}: incomplete model, {name} is missing; fit it again"
            )
        if f.stat().st_size != size:
            raise SarapError(
                f"{path}: damaged model, {name} has {f.stat().st_size:,} bytes, "
                f"not the {size:,} it was saved with; fit it again"
            )
    return info


def write_model_info(folder: Path, info: dict[str, Any]) -> None:
    """Write ``model.json`` last, listing every other file of the model with
    its size, so that :func:`read_model_info` finds a file lost or cut short
    (a copy stopped half-way) before anything is read with it."""
    files = {
        str(f.relative_to(folder)): f.stat().st_size
        for f in sorted(folder.rglob("*"))
        if f.is_file() and f.name != "model.json"
    }
    (folder / "model.json").write_text(
        json.dumps({**info, "files": files}, indent=2) + "\n"
    )


def model_files(path: Path, info: dict[str, Any], pattern: str) -> list[Path]:
    """The model's files matching ``pattern`` (a glob, relative to ``path``):
    those ``model.json`` lists, or for a model saved before it listed them,
    those in the folder. A file the model did not write is never read."""
    if "files" in info:
        return [path / n for n in sorted(info["files"]) if Path(n).match(pattern)]
    return sorted(path.glob(pattern))


@contextmanager
def damaged_model(path: Path) -> Iterator[None]:
    """Errors while reading a model folder as one line that says so."""
    try:
        yield
    except SarapError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the file's damage raises
        what = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise SarapError(
            f"{path}: damaged model ({type(exc).__name__}"
            f"{': ' + what if what else ''}); fit it again"
        ) from None


def check_model_target(path: str | Path, agent: str) -> None:
    """Refuse, in one line, to save an ``agent`` model where another agent's
    model is: a slip in ``--model`` would replace it, and a fit can take
    minutes, so commands call this before their work."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise SarapError(f"cannot save the model to {path}: it is a file")
    try:
        info = json.loads((path / "model.json").read_text())
    except (ValueError, OSError):
        return  # no model there (or a damaged one, replaced as before)
    held = info.get("agent") if isinstance(info, dict) else None
    if held and held != agent:
        raise SarapError(
            f"cannot save the model to {path}: it holds a {held} model, which "
            f"a {agent} would replace; name another folder"
        )


@contextmanager
def model_folder(
    path: str | Path, owns: set[str], agent: str | None = None
) -> Iterator[Path]:
    """Where a model's ``save`` writes: a new folder beside ``path`` that
    takes its place once complete, in one step on Linux (a reader of
    ``path``, the web application loading the model, finds the old model
    or the new one, never no folder).

    An error or Ctrl-C while saving (or one DuckDB dropped before: see
    :func:`~sarap.errors.raise_if_interrupted`) leaves ``path`` as it was,
    and no file of an earlier model stays behind to be read with the new one (a revenue
    model the new fit does not have, say). ``owns`` names every file and
    folder a save of this agent may write. ``path`` is replaced whole only
    when it is empty or holds a saved model and nothing else (a
    ``model.json`` and names in ``owns``); otherwise, a folder the user keeps
    other things in, a symbolic link, or the working folder or one above it,
    the new files go in beside what is there, one at a time, as saves used
    to. Another ``agent``'s model there is refused (:func:`check_model_target`).
    """
    if agent is not None:
        check_model_target(path, agent)
    path = Path(path).absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not mkdtemp: its folder is private (0700), and a model folder is read
    # by others too (the web application's user); mkdir follows the umask.
    scratch = path.with_name(f".{path.name}.saving-{uuid.uuid4().hex[:8]}")
    scratch.mkdir()
    try:
        yield scratch
        raise_if_interrupted()
        _put_in_place(scratch, path, owns)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check_out_file(out: str | Path, written_as_csv: str | None = None) -> Path:
    """Where an output file will be written, refused in one line when it
    cannot be: a folder, a name other than ``*.csv`` for what is
    ``written_as_csv`` ("the queue is"), or a folder that does not exist."""
    out = Path(out)
    if out.is_dir():
        raise SarapError(f"cannot write {out}: it is a folder; name a file")
    kind = _kind(out)
    device = kind is not None and not stat.S_ISREG(kind)  # /dev/stdout, a pipe
    if written_as_csv and out.suffix.lower() != ".csv" and not device:
        raise SarapError(
            f"cannot write {out}: {written_as_csv} written as CSV; name it *.csv"
        )
    if not out.parent.is_dir():
        raise SarapError(f"cannot write {out}: folder {out.parent} does not exist")
    return out


@contextmanager
def file_in_place(path: str | Path) -> Iterator[Path]:
    """Where to write the file ``path``: a file beside it that takes its
    place once complete, in one rename. An error or Ctrl-C while writing (or
    one DuckDB dropped before) leaves ``path`` as it was, never cut short
    to look complete. A symbolic link is written through, as ``open`` does;
    so is a device or a pipe (``/dev/null``, ``/dev/stdout``), which a rename
    would replace with a plain file.
    """
    kind = _kind(path)
    if kind is not None and stat.S_ISDIR(kind):
        raise SarapError(f"cannot write {path}: it is a folder; name a file")
    if kind is not None and not stat.S_ISREG(kind):
        yield Path(path)
        return
    path = Path(os.path.realpath(path))
    # The suffix stays last: writers choose the format by it.
    saving = f".saving-{uuid.uuid4().hex[:8]}"
    scratch = path.with_name(f".{path.stem}{saving}{path.suffix}")
    try:
        yield scratch
        raise_if_interrupted()
        os.replace(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)


@contextmanager
def files_in_place(*paths: str | Path) -> Iterator[list[Path]]:
    """Where to write files that make one set, as :func:`file_in_place`:
    none takes its place until every one is complete, so an error or Ctrl-C
    half-way leaves the earlier set whole (or no file), never a mix."""
    with ExitStack() as stack:
        yield [stack.enter_context(file_in_place(p)) for p in paths]


def _kind(path: str | Path) -> int | None:
    """The mode of what ``path`` names, links followed; None if nothing."""
    try:
        return os.stat(path).st_mode
    except OSError:
        return None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2`` with
    ``RENAME_EXCHANGE``), so that a reader of ``b`` finds the old folder or
    the new one, never none; False where the system or the file system
    cannot, and the caller falls back to two renames."""
    libc = _libc()
    rename2 = getattr(libc, "renameat2", None)
    if rename2 is None:
        return False
    at_cwd, exchange = -100, 2  # AT_FDCWD, RENAME_EXCHANGE
    done = rename2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), exchange)
    return bool(done == 0)


@cache
def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
    except OSError:
        return None


def _put_beside(scratch: Path, path: Path) -> None:
    """The new model's files into ``path``, file by file, beside what the
    user keeps there: of what is there, only the files the old model listed
    (``model.json``'s "files") go, and those the new one replaces."""
    try:
        listed = json.loads((path / "model.json").read_text()).get("files", {})
    except (OSError, ValueError, AttributeError):
        listed = {}
    for name in listed:
        old = path / name
        if old.is_file() and not old.is_symlink():
            old.unlink()
    for new in sorted(scratch.rglob("*")):
        target = path / new.relative_to(scratch)
        if new.is_dir():
            target.mkdir(exist_ok=True)
        elif new.name != "model.json":
            os.replace(new, target)
    os.replace(scratch / "model.json", path / "model.json")  # last: now it is whole


def _put_in_place(scratch: Path, path: Path, owns: set[str]) -> None:
    if not path.exists():
        scratch.rename(path)
        return
    old = {p.name for p in path.iterdir()}
    whole = (
        (not old or ("model.json" in old and old <= owns))
        and not path.is_symlink()  # the link stays, pointing where it did
        and not Path.cwd().resolve().is_relative_to(path.resolve())
    )
    if not whole:
        _put_beside(scratch, path)
        return
    scratch.chmod(stat.S_IMODE(path.stat().st_mode))  # as the old one was
    if _exchange(scratch, path):
        return  # the old model is now in scratch, which the caller removes
    trash = path.with_name(f".{path.name}.old-{uuid.uuid4().hex[:8]}")
    try:
        path.rename(trash)
        scratch.rename(path)
    except BaseException:
        if trash.exists() and not path.exists():
            trash.rename(path)  # put the old model back
        raise
    shutil.rmtree(trash, ignore_errors=True)
