"""The ``sarap`` command: a thin shell over the library."""

from __future__ import annotations

import json
import math
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import sarap
from sarap._console import lgb_progress, print_queue
from sarap.errors import (
    SarapError,
    interrupted,
    raise_if_interrupted,
    record_interrupts,
)
from sarap.pipeline._ingest import IngestResult, file_digest, last_import

F = TypeVar("F", bound=Callable[..., Any])
# In a log or a pipe, messages keep their lines: rich would fold them at 80
# columns, a long path too, which then cannot be copied.
err = Console(stderr=True, soft_wrap=not sys.stderr.isatty())
# Piped output gets a wide table rather than rich's 80-column default.
out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)


class PartlySaved(KeyboardInterrupt):
    """A Ctrl-C after some steps of a command were saved; says what."""


def _listed(names: list[str]) -> str:
    return " and ".join([", ".join(names[:-1]), names[-1]] if names[1:] else names)


def _is_interrupt(exc: BaseException) -> bool:
    # DuckDB turns Ctrl-C inside a query into "Query interrupted".
    return isinstance(exc, KeyboardInterrupt) or (
        isinstance(exc, RuntimeError) and "interrupt" in str(exc).lower()
    )


@contextmanager
def telling_on_interrupt(saved: Callable[[], str | None]) -> Iterator[None]:
    """A Ctrl-C inside becomes a :class:`PartlySaved` that says ``saved()``
    (what the command had already saved), unless that is None: then the
    usual "nothing was changed"."""
    try:
        yield
    except (KeyboardInterrupt, RuntimeError) as exc:
        said = saved() if _is_interrupt(exc) else None
        if said is None:
            raise
        raise PartlySaved(said) from None


@contextmanager
def finishing(said: Callable[[], str]) -> Iterator[None]:
    """What a command does once its output is in place: a Ctrl-C, raised or
    only recorded (DuckDB may drop one), ends it with exit 130 and says
    ``said()`` (what it saved), never "nothing was changed"."""
    with telling_on_interrupt(said):
        yield
        raise_if_interrupted()


def _model_stamp(model_dir: str) -> tuple[int, int] | None:
    try:
        st = (Path(model_dir) / "model.json").stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def friendly(fn: F) -> F:
    """Turn user errors into one line and a non-zero exit, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SarapError as exc:
            raise click.ClickException(str(exc)) from None
        except (ValueError, OSError) as exc:
            raise click.ClickException(f"{type(exc).__name__}: {exc}") from None
        except MemoryError as exc:  # say --rows 10000000000: a traceback
            said = f" ({exc})" if str(exc) else ""
            raise click.ClickException(f"not enough memory{said}") from None
        except (KeyboardInterrupt, RuntimeError) as exc:
            if not _is_interrupt(exc):
                raise
            what = exc.args[0] if isinstance(exc, PartlySaved) else None
            err.print(f"interrupted: {what or 'nothing was changed'}")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


@contextmanager
def step(label: str, quiet: bool = False) -> Iterator[None]:
    if quiet:
        yield
        return
    with err.status(label):
        yield
    err.print(f"[green]✓[/green] {label}")


def print_imports(imports: list[Any], quiet: bool) -> None:
    if quiet:
        return
    for r in imports:
        err.print(r.summary(), highlight=False)


@click.group()
@click.version_option(sarap.__version__, prog_name="sarap")
def main() -> None:
    """Sarap: risk analysis for customs and tax authorities."""
    # LightGBM's OpenMP threads spin while idle by default, which starves the
    # other core on a small server; let them sleep. Commands import lightgbm
    # lazily, after this.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    record_interrupts()


# -- ingest ---------------------------------------------------------------


@main.command("ingest")
@click.argument("files", nargs=-1, required=True)
@click.option("--workspace", "-w", required=True, help="Workspace .duckdb file.")
@click.option("--mapping", "-m", help="Built-in mapping (kcs) or mapping file.")
@click.option("--encoding", help="Text encoding (detected when omitted).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@friendly
def ingest_cmd(
    files: tuple[str, ...],
    workspace: str,
    mapping: str | None,
    encoding: str | None,
    as_json: bool,
) -> None:
    """Import declaration, outcome or party FILES into a workspace.

    Valid rows load, rejected rows go to the quarantine table with their row
    number and reason, rows already there are skipped. Each file is its own
    transaction: its summary is printed once it is saved.
    """
    from sarap.pipeline import ingest, load_mapping
    from sarap.store import Workspace

    results: list[Any] = []
    done: list[str] = []  # files whose import was saved
    late: list[str] = []  # the one a Ctrl-C came just after it was saved

    def imported() -> str | None:  # each file is its own transaction
        if not done:
            return None
        said = f"{_listed(done)} {'were' if done[1:] else 'was'} imported"
        if late:
            which = late[0] if done[1:] else "it"
            said += f" (the interrupt came just after {which} was saved)"
        if files[len(done) :]:
            said += (
                f"; {files[len(done)]} and any after it were not (the same command "
                "again skips the rows already in)"
            )
        return said

    # A bad mapping fails before any file, rather than as the first file's error.
    spec = load_mapping(mapping) if mapping is not None else None
    try:
        with telling_on_interrupt(imported), Workspace(workspace) as ws:
            for f in files:
                batches = ws.count("ingest_batches")
                try:
                    with step(f"importing {f}", quiet=as_json):
                        results.append(ingest(ws, f, mapping=spec, encoding=encoding))
                except (KeyboardInterrupt, RuntimeError) as exc:
                    saved = _saved_anyway(ws, batches) if _is_interrupt(exc) else None
                    if saved is not None:
                        results.append(saved)
                        done.append(f)
                        late.append(f)
                        print_imports(results[-1:], as_json)
                    raise
                except (SarapError, ValueError, OSError) as exc:
                    raise _failed(f, exc, files, done) from None
                done.append(f)
                print_imports(results[-1:], as_json)
                if interrupted():  # a Ctrl-C that DuckDB dropped after the commit
                    late.append(f)
                    raise KeyboardInterrupt
    finally:
        # With --json too, the files saved before an error are told.
        if as_json and results:
            click.echo(json.dumps([r.as_dict() for r in results], default=str))


def _failed(
    file: str, exc: Exception, files: tuple[str, ...], done: list[str]
) -> SarapError:
    """The error of one of several files, naming it; which files were
    imported before it is printed first."""
    said = str(exc) if isinstance(exc, SarapError) else f"{type(exc).__name__}: {exc}"
    if file not in said and str(Path(file)) not in said:
        said = f"{file}: {said}"
    if files[1:]:
        rest = list(files[len(done) :])
        were = "were" if rest[1:] else "was"
        err.print(
            f"{_listed(done)} {'were' if done[1:] else 'was'} imported; "
            f"{_listed(rest)} {were} not (the same command again skips the rows "
            "already in)"
            if done
            else "nothing was imported",
            highlight=False,
        )
    return SarapError(said)


def _saved_anyway(ws: Any, batches: int) -> IngestResult | None:
    """The last import as the workspace recorded it, when a Ctrl-C
    came too late to stop it (just after its commit), else None."""
    import duckdb

    try:  # a COMMIT cut short may leave the transaction open: end it
        ws.backend.execute("ROLLBACK")
    except duckdb.Error:
        pass  # none open, as usual
    if ws.count("ingest_batches") == batches:
        return None
    return last_import(ws)


# -- simulate -------------------------------------------------------------


@main.group()
def simulate() -> None:
    """Generate realistic synthetic data with planted fraud."""


@contextmanager
def as_options(**options: str) -> Iterator[None]:
    """A simulator's complaint about one of its parameters, named as the
    option the user gave: ``n must be ...`` becomes ``--rows must be ...``."""
    try:
        yield
    except ValueError as exc:
        name, _, rest = str(exc).partition(" must ")
        if name not in options:
            raise
        raise SarapError(f"{options[name]} must {rest}") from None


@contextmanager
def simulated(*paths: Path) -> Iterator[list[Path]]:
    """Where a simulate command writes its files: each beside its place, and
    all put in place together once complete, so a Ctrl-C or an error
    half-way leaves the earlier files as they were, never a mixed set."""
    from sarap.agents._base import check_out_file, files_in_place
    from sarap.simulate._io import FORMATS

    for p in paths:
        if p.suffix.lower() not in FORMATS:
            raise SarapError(
                f"cannot write {p}: the suffix must be one of {', '.join(FORMATS)}"
            )
        check_out_file(p)
    with files_in_place(*paths) as scratch:
        yield scratch


def _check_seed(seed: int) -> None:
    # NumPy's own words were "ValueError: expected non-negative integer".
    if seed < 0:
        raise SarapError(f"--seed must be 0 or more, got {seed}")


def _out_folder(folder: str, make: bool = True) -> Path:
    """The folder to write into, made unless ``make`` is False (a check
    before the work)."""
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise SarapError(f"cannot write to {target}: it is a file; name a folder")
    if make:
        target.mkdir(parents=True, exist_ok=True)
    return target


@simulate.command("declarations")
@click.option("--rows", "-n", default=50_000, show_default=True, type=int)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--start", default="2024-01-01", show_default=True)
@click.option("--months", default=12, show_default=True, type=int)
@click.option("--fraud-rate", default=0.08, show_default=True, type=float)
@click.option("--out", "-o", required=True, help=".csv, .parquet or .json(l) file.")
@click.option("--parties", help="Also write the importers (parties) here.")
@friendly
def simulate_declarations_cmd(
    rows: int,
    seed: int,
    start: str,
    months: int,
    fraud_rate: float,
    out: str,
    parties: str | None,
) -> None:
    """Write synthetic declarations with fraud labels and the scheme planted."""
    from sarap.simulate import simulate_declarations, simulate_parties, write_table

    _check_seed(seed)
    if parties and Path(parties).resolve() == Path(out).resolve():
        # the parties were written over the declarations
        raise SarapError(f"--parties {parties} is the --out file; name another file")
    names = {"n": "--rows", "months": "--months", "fraud_rate": "--fraud-rate"}
    with (
        step(f"simulating {rows:,} declarations (seed {seed})"),
        as_options(**names, start="--start"),
    ):
        table = simulate_declarations(
            rows, seed=seed, start=start, months=months, fraud_rate=fraud_rate
        )
        tables = {Path(out): table}
        if parties:
            tables[Path(parties)] = simulate_parties(table)
        with simulated(*tables) as scratch:
            for path, t in zip(scratch, tables.values(), strict=True):
                write_table(t, path)
    err.print(f"wrote {out}" + (f" and {parties}" if parties else ""))


@simulate.command("economy")
@click.option("--taxpayers", "-n", default=10_000, show_default=True, type=int)
@click.option("--months", default=12, show_default=True, type=int)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--start", default="2024-01-01", show_default=True)
@click.option(
    "--countries",
    default="KZ,KG,RU,BY,AM,UZ,CN,TR",
    show_default=True,
    help="The economy's countries, ISO codes separated by commas.",
)
@click.option("--out", "-o", "folder", required=True, help="Folder for the tables.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
)
@friendly
def simulate_economy_cmd(
    taxpayers: int,
    months: int,
    seed: int,
    start: str,
    countries: str,
    folder: str,
    fmt: str,
) -> None:
    """Write an e-invoice economy with planted tax fraud and its ground truth.

    Files: parties, invoices, vat_returns, declarations, labels and
    invoice_labels, as CSV or Parquet, in the folder (created if missing).
    """
    from sarap.simulate import simulate_economy, write_table

    _check_seed(seed)
    _out_folder(folder, make=False)  # told before the work
    codes = [c.strip() for c in countries.split(",") if c.strip()]
    said = f"simulating {taxpayers:,} taxpayers over {months} months (seed {seed})"
    names = {"taxpayers": "--taxpayers", "months": "--months", "start": "--start"}
    with step(said), as_options(**names, countries="--countries"):
        economy = simulate_economy(
            taxpayers, months=months, seed=seed, start=start, countries=codes
        )
    tables = economy.tables()
    target = _out_folder(folder)
    with (
        step(f"writing {len(tables)} {fmt} files to {target}"),
        simulated(*(target / f"{name}.{fmt}" for name in tables)) as scratch,
    ):
        for path, table in zip(scratch, tables.values(), strict=True):
            write_table(table, path)
    for line in economy.summary():
        out.print(line, highlight=False)


# -- declarations -----------------------------------------------------------


@main.group()
def declarations() -> None:
    """The declarations agent: rank declarations by fraud risk."""


def _lines(
    files: tuple[str, ...] | list[str],
    mapping: str | None,
    encoding: str | None,
    labelled: bool,
    quiet: bool,
) -> Any:
    from sarap.agents._queue import read_lines

    with step(f"reading {', '.join(files)}", quiet):
        lines = read_lines(
            files, mapping=mapping, encoding=encoding, labelled_only=labelled
        )
    print_imports(lines.imports, quiet)
    return lines


def _workspace_lines(workspace: str, *, labelled: bool) -> Any:
    """Inspected (to learn from) or uninspected (to score) lines; never none."""
    from sarap.agents._queue import workspace_lines
    from sarap.store import Workspace

    if not Path(workspace).is_file():  # a slip made a new, empty workspace
        raise SarapError(
            f"{workspace}: no such workspace (create it with sarap ingest)"
        )
    with Workspace(workspace) as ws:
        lines = workspace_lines(ws, labelled=labelled)
    if lines.num_rows == 0:
        what = (
            "inspected declarations to learn from"
            if labelled
            else ("uninspected declarations to score")
        )
        raise SarapError(f"{workspace}: no {what}")
    return lines


@declarations.command("fit")
@click.option(
    "--train",
    "train",
    multiple=True,
    help="Inspected declarations (with the fraud column); repeatable.",
)
@click.option(
    "--valid",
    "valid",
    help="Later inspected declarations: stop boosting by them, then refit on both.",
)
@click.option(
    "--workspace",
    "-w",
    help="Fit on the inspected declarations of a workspace instead of files.",
)
@click.option(
    "--mapping",
    "-m",
    help="Built-in mapping (kcs) or mapping file; detected when omitted.",
)
@click.option("--encoding", help="Text encoding (detected when omitted).")
@click.option("--model", "model_dir", required=True, help="Folder to save the model.")
@click.option(
    "--goods-model",
    help="A goods model (sarap goods fit): declared codes that do not fit the "
    "description become a risk signal and a reason.",
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
@friendly
def fit_cmd(
    train: tuple[str, ...],
    valid: str | None,
    workspace: str | None,
    mapping: str | None,
    encoding: str | None,
    model_dir: str,
    goods_model: str | None,
    seed: int,
    as_json: bool,
) -> None:
    """Learn from inspected declarations and save the model."""
    from sarap.agents import DeclarationRiskRanker
    from sarap.agents._base import check_model_target
    from sarap.agents._compiled import cache_dir
    from sarap.agents._declarations import SMALL
    from sarap.agents._queue import fit_model, shared_lines

    if bool(train) == bool(workspace):
        raise click.UsageError("give --train FILE or --workspace W (one of them)")
    check_model_target(model_dir, DeclarationRiskRanker.__name__)  # before the work
    if workspace:
        train_table = _workspace_lines(workspace, labelled=True)
    else:
        train_table = _lines(train, mapping, encoding, True, as_json).table
    valid_table = (
        _lines([valid], mapping, encoding, True, as_json).table if valid else None
    )
    if valid_table is not None and (shared := shared_lines(train_table, valid_table)):
        # the same file, a copy re-saved by Excel, a month of it
        err.print(
            f"warning: {shared:,} of the {valid_table.num_rows:,} --valid lines are "
            "training lines too: their figures are in-sample, so boosting stops by "
            "them, not by later declarations",
            markup=False,
            highlight=False,
        )
    raise_if_interrupted()  # one DuckDB dropped while reading: no fit
    params: dict[str, Any] = {"random_state": seed}
    if goods_model:
        if not (Path(goods_model) / "model.json").is_file():
            raise SarapError(f"{goods_model}: not a goods model (no model.json)")
        params["goods_model"] = str(Path(goods_model).resolve())
    # Remember which files taught the model, so evaluate can warn when it is
    # handed one of them (in-sample figures are not a back-test).
    seen = [file_digest(f) for f in (*train, valid) if f and Path(f).is_file()]
    bar, callbacks = lgb_progress(DeclarationRiskRanker().n_estimators, as_json, err)
    label = f"learning from {train_table.num_rows:,} inspected declaration lines"
    old_model = _model_stamp(model_dir)

    def saved() -> str | None:
        # fit_model saves the model, then compiles it for big batches.
        if _model_stamp(model_dir) == old_model:
            return None
        said = f"the model was saved to {model_dir}"
        if train_table.num_rows > SMALL:
            said += (
                "; compiling it for big batches was cut short (sarap "
                "declarations score --compile does it)"
            )
        return said

    if bar is not None:
        err.print(label + " ...")
    with telling_on_interrupt(saved), bar if bar is not None else nullcontext():
        _, summary = fit_model(
            train_table,
            model_dir,
            valid=valid_table,
            params=params,
            callbacks=callbacks,  # none with --json
            meta={"fitted_on_files": seen},
            for_batches=True,
        )
    with finishing(lambda: f"the model was saved to {model_dir}"):
        if as_json:
            click.echo(json.dumps(summary))
        else:
            err.print(
                f"[green]✓[/green] {label}: {summary['rounds']} rounds in "
                f"{summary['fit_seconds']} s; model saved to {model_dir}"
            )
            if "compile_seconds" in summary:
                err.print(
                    f"  compiled for big batches in {summary['compile_seconds']} s "
                    f"(cached in {cache_dir()})"
                )


def _explain_count(explain: str, n: int) -> int | None:
    if explain == "all":
        return None
    try:
        if explain.endswith("%"):
            share = float(explain[:-1])
            if not 0 <= share <= 100:
                raise ValueError(explain)
            return math.ceil(share / 100 * n)
        count = int(explain)
        if count < 0:
            raise ValueError(explain)
        return count
    except ValueError:
        raise click.BadParameter(
            f"{explain!r}: use a count, a percentage like 10% or 'all'",
            param_hint="--explain",
        ) from None


@declarations.command("score")
@click.argument("files", nargs=-1)
@click.option(
    "--workspace",
    "-w",
    help="Score the not-yet-inspected declarations of a workspace instead of files.",
)
@click.option("--model", "model_dir", required=True, help="Model folder from fit.")
@click.option("--out", "out_file", required=True, help="CSV file for the queue.")
@click.option("--mapping", "-m", help="Built-in mapping (kcs) or mapping file.")
@click.option("--encoding", help="Text encoding (detected when omitted).")
@click.option(
    "--explain",
    default="all",
    show_default=True,
    help="Reasons for how many of the riskiest declarations: a count, N% or all.",
)
@click.option("--top", default=10, show_default=True, help="Rows to print (0: none).")
@click.option(
    "--compile",
    "compile_",
    is_flag=True,
    help="Compile the model's trees for big batches first (about 15 s, once per "
    "machine; fit does it where it runs).",
)
@click.option("--quiet", "-q", is_flag=True)
@friendly
def score_cmd(
    files: tuple[str, ...],
    workspace: str | None,
    model_dir: str,
    out_file: str,
    mapping: str | None,
    encoding: str | None,
    explain: str,
    top: int,
    compile_: bool,
    quiet: bool,
) -> None:
    """Rank declarations by fraud risk and write the inspection queue."""
    from sarap.agents._declarations import COMPILE_AT, SMALL
    from sarap.agents._queue import (
        check_queue_path,
        load_model,
        rank_declarations,
        write_queue,
    )

    if bool(files) == bool(workspace):
        raise click.UsageError("give FILE(s) or --workspace W (one of them)")
    _explain_count(explain, 0)  # a bad --explain is told before the work
    if top < 0:  # it printed no rows, without a word
        raise click.BadParameter(
            f"{top}: use a number of rows, or 0 for none", param_hint="--top"
        )
    check_queue_path(out_file)  # and a bad --out
    if any(Path(f).resolve() == Path(out_file).resolve() for f in files):
        # the queue was written over the declarations
        raise SarapError(
            f"cannot write {out_file}: it is a file to score; name another file"
        )
    model = load_model(model_dir)
    if compile_:
        with step("compiling the trees for big batches", quiet):
            if not model.compile_for_batches():
                err.print("compiling is not available here: LightGBM scores")
    if workspace:
        lines = _workspace_lines(workspace, labelled=False)
    else:
        lines = _lines(files, mapping, encoding, False, quiet).table
    big = SMALL < lines.num_rows < COMPILE_AT  # from COMPILE_AT on, it compiles
    if big and not quiet and not model.compiled_here():
        err.print(
            "note: this model's trees are not compiled on this machine, so "
            "LightGBM scores this batch (several times slower); add --compile "
            "once (about 15 s, kept for later runs)",
        )
    raise_if_interrupted()  # one DuckDB dropped while reading: no scoring
    with step(f"scoring {lines.num_rows:,} declaration lines", quiet):
        queue = rank_declarations(
            model,
            lines,
            explain=lambda declarations: _explain_count(explain, declarations),
        )
        write_queue(queue, out_file)  # not after a Ctrl-C, even a dropped one
    with finishing(lambda: f"the queue was written to {out_file}"):
        if not quiet:
            print_queue(queue, top, out)
            err.print(f"queue of {queue.num_rows:,} declarations written to {out_file}")


@declarations.command("evaluate")
@click.argument("file")
@click.option("--model", "model_dir", required=True, help="Model folder from fit.")
@click.option("--mapping", "-m", help="Built-in mapping (kcs) or mapping file.")
@click.option("--encoding", help="Text encoding (detected when omitted).")
@click.option("--json", "as_json", is_flag=True)
@friendly
def evaluate_cmd(
    file: str, model_dir: str, mapping: str | None, encoding: str | None, as_json: bool
) -> None:
    """Back-test: precision and recall when the top 1, 2, 5, 10 % are inspected."""
    from sarap.agents._queue import evaluate_queue, load_model, rank_declarations

    model = load_model(model_dir)
    fitted_on = model.info_.get("fitted_on_files", [])
    if Path(file).is_file() and file_digest(file) in fitted_on:
        err.print(
            f"warning: {escape(file)} was used to fit this model; these figures are "
            "in-sample, not a back-test",
        )
    lines = _lines([file], mapping, encoding, True, as_json).table
    queue = rank_declarations(model, lines, explain=0)
    metrics = evaluate_queue(queue, lines)
    raise_if_interrupted()  # one DuckDB dropped: no figures, as for any Ctrl-C
    if as_json:
        click.echo(json.dumps(metrics))
        return
    t = Table(
        title=escape(
            f"{file}: {metrics['n']:,} declarations, {metrics['positives']:,} frauds"
        ),
        header_style="bold",
    )
    t.add_column("inspected", justify="right")
    t.add_column("precision", justify="right")
    t.add_column("recall", justify="right")
    for level in (1, 2, 5, 10):
        recall = metrics[f"recall@{level}%"]
        t.add_row(
            f"top {level}%",
            f"{metrics[f'precision@{level}%']:.3f}",
            "n/a" if recall is None else f"{recall:.3f}",
        )
    out.print(t)
    if metrics["positives"] == 0:
        out.print("recall n/a: no fraud in the file to find")
    if metrics.get("auc") is not None:
        out.print(f"ROC AUC {metrics['auc']:.3f}")


# -- network ----------------------------------------------------------------


def _edge_options(fn: F) -> F:
    for opt in reversed(
        [
            click.option(
                "--source-col",
                default="source",
                show_default=True,
                help="Column of the payer / seller.",
            ),
            click.option(
                "--target-col",
                default="target",
                show_default=True,
                help="Column of the payee / buyer.",
            ),
            click.option("--amount-col", default="amount", show_default=True),
            click.option(
                "--time-col",
                default="time",
                show_default=True,
                help="Date, timestamp, or a number of days.",
            ),
            click.option("--quiet", "-q", is_flag=True),
        ]
    ):
        fn = opt(fn)
    return fn


def _transfers(path: str, kw: dict[str, Any]) -> Any:
    from sarap.agents._transfers_io import read_transfers

    read = read_transfers(
        path,
        source=kw["source_col"],
        target=kw["target_col"],
        amount=kw["amount_col"],
        time=kw["time_col"],
    )
    if not kw["quiet"]:
        err.print(read.summary(path), highlight=False)
    return read.table


def _labels_file(path: str, id_col: str, label_col: str, quiet: bool) -> Any:
    from sarap.agents._transfers_io import read_labels

    read = read_labels(path, party=id_col, label=label_col)
    if not quiet:
        err.print(read.summary(path), highlight=False)
    return read.table


def _warn_absent(labels: Any, table: Any, effect: str) -> None:
    """A warning line for labelled parties the transfers do not have."""
    from sarap.agents._transfers_io import absent

    missing, alike = absent(labels, table)
    if not missing:
        return
    such = ", ".join(repr(p) for p in missing[:3])
    text = (
        f"warning: {len(missing):,} of {labels.num_rows:,} labelled parties are "
        f"not in the transfers (such as {such}): {effect}"
    )
    if alike:  # the same ids, written otherwise in one file
        text += (
            f"; ids are compared as written: {alike[0]!r} in the labels, "
            f"{alike[1]!r} in the transfers"
        )
    err.print(text, markup=False, highlight=False)


@main.group()
def network() -> None:
    """Supply chains and transfers: risk of every party in the graph."""


@network.command("fit")
@click.option("--edges", required=True, help="Transfers or invoices file.")
@click.option("--labels", "labels_path", required=True, help="Party labels file.")
@click.option("--model", "model_dir", required=True, help="Folder to save to.")
@click.option("--id-col", default="party_id", show_default=True)
@click.option("--label-col", default="label", show_default=True)
@_edge_options
@friendly
def network_fit_cmd(
    edges: str,
    labels_path: str,
    model_dir: str,
    id_col: str,
    label_col: str,
    **kw: Any,
) -> None:
    """Learn from parties with known outcomes (1 = offender, 0 = clean)."""
    from sarap.agents._base import check_model_target
    from sarap.agents._network import NetworkRiskScorer

    check_model_target(model_dir, NetworkRiskScorer.__name__)  # before the work
    table = _transfers(edges, kw)
    labels = _labels_file(labels_path, id_col, label_col, kw["quiet"])
    _warn_absent(labels, table, "the model does not learn from them")
    raise_if_interrupted()  # one DuckDB dropped while reading: no fit
    with step("graph features and model", kw["quiet"]):
        model = NetworkRiskScorer().fit(table, labels)
    model.save(model_dir)  # not after a Ctrl-C, even one DuckDB dropped
    with finishing(lambda: f"the model was saved to {model_dir}"):
        if not kw["quiet"]:
            err.print(
                f"model saved to {model_dir} ({model.parties_train_:,} labelled "
                f"parties, {model.positives_train_:,} offenders)",
                highlight=False,
            )


@network.command("score")
@click.option("--edges", required=True, help="Transfers or invoices file.")
@click.option(
    "--model", "model_dir", help="Model folder; patterns alone when left out."
)
@click.option("--out", "out_file", required=True, help="CSV file for the scores.")
@click.option("--top", default=10, show_default=True, help="Rows to print.")
@_edge_options
@friendly
def network_score_cmd(
    edges: str, model_dir: str | None, out_file: str, top: int, **kw: Any
) -> None:
    """Score every party: party id, score, top reasons."""
    import pyarrow.csv as pacsv

    from sarap.agents._base import check_out_file, file_in_place
    from sarap.agents._network import NetworkRiskScorer

    table = _transfers(edges, kw)
    model = NetworkRiskScorer.load(model_dir) if model_dir else NetworkRiskScorer()
    with step("graph features and scores", kw["quiet"]):
        scores = model.score_table(table)
    target = check_out_file(out_file)
    with file_in_place(target) as scratch:  # not after a Ctrl-C, even a dropped one
        pacsv.write_csv(scores, scratch)
    with finishing(lambda: f"the scores were written to {target}"):
        if kw["quiet"]:
            return
        t = Table(title=f"riskiest parties ({scores.num_rows:,} in all)")
        for c in ("rank", "party", "score", "reasons"):
            t.add_column(c, overflow="fold")
        for r in scores.slice(0, top).to_pylist():
            t.add_row(
                str(r["rank"]),
                escape(r["party_id"]),
                f"{r['score']:.3f}",
                escape(r["reasons"] or ""),
            )
        out.print(t)
        err.print(f"wrote {target}", highlight=False)


@network.command("evaluate")
@click.option("--edges", required=True, help="Transfers or invoices file.")
@click.option("--labels", "labels_path", required=True, help="Party labels file.")
@click.option(
    "--model", "model_dir", help="Model folder; patterns alone when left out."
)
@click.option("--id-col", default="party_id", show_default=True)
@click.option("--label-col", default="label", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@_edge_options
@friendly
def network_evaluate_cmd(
    edges: str,
    labels_path: str,
    model_dir: str | None,
    id_col: str,
    label_col: str,
    as_json: bool,
    **kw: Any,
) -> None:
    """Average precision and precision@k over the parties in the labels file."""
    from sarap.agents._network import NetworkRiskScorer, ranking_metrics

    quiet = kw["quiet"] or as_json
    kw["quiet"] = quiet
    table = _transfers(edges, kw)
    labels = _labels_file(labels_path, id_col, label_col, quiet)
    _warn_absent(labels, table, "they count as scored lowest")
    model = NetworkRiskScorer.load(model_dir) if model_dir else NetworkRiskScorer()
    if model_dir:
        overlap = set(model.known_.column("party").to_pylist()) & set(
            labels.column("party").to_pylist()
        )
        if overlap:
            err.print(
                f"[yellow]warning:[/yellow] {len(overlap):,} of these parties were "
                "labelled when the model was fitted; their figures are not a test"
            )
    scores = model.score_table(table)
    metrics = ranking_metrics(scores, labels)
    raise_if_interrupted()  # one DuckDB dropped: no figures, as for any Ctrl-C
    if as_json:
        click.echo(json.dumps(metrics))
        return
    for k, v in metrics.items():
        out.print(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v:,}")


@simulate.command("transfers")
@click.option("--accounts", default=20_000, show_default=True, type=int)
@click.option(
    "--transfers", "n_transfers", default=120_000, show_default=True, type=int
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--out", "folder", required=True, help="Folder for transfers.csv and labels.csv."
)
@friendly
def simulate_transfers_cmd(
    accounts: int, n_transfers: int, seed: int, folder: str
) -> None:
    """A year of transfers with laundering patterns planted, and account labels."""
    from sarap.simulate import write_table
    from sarap.simulate._transfers import simulate_transfers

    _check_seed(seed)
    _out_folder(folder, make=False)  # told before the work
    with as_options(accounts="--accounts", transfers="--transfers"):
        graph = simulate_transfers(accounts, n_transfers, seed=seed)
    target = _out_folder(folder)
    with simulated(target / "transfers.csv", target / "labels.csv") as (t, labels):
        write_table(graph.transfers, t)
        write_table(graph.labels, labels)
    err.print(
        f"wrote {graph.transfers.num_rows:,} transfers and "
        f"{graph.labels.num_rows:,} account labels to {target}",
        highlight=False,
    )


# -- coordinator and profiles ------------------------------------------------


@main.command("run")
@click.option("--workspace", "-w", required=True, help="Workspace (.duckdb file).")
@click.option("--models", "model_dir", help="Folder for the agents' models.")
@click.option("--top", default=10, show_default=True, help="Profiles to print.")
@click.option("--quiet", "-q", is_flag=True)
@friendly
def run_cmd(workspace: str, model_dir: str | None, top: int, quiet: bool) -> None:
    """Run every agent over a workspace; only what changed is redone."""
    from sarap.agents._run import run_all
    from sarap.store import Workspace

    if not Path(workspace).is_file():
        raise SarapError(
            f"{workspace}: no such workspace (create it with sarap ingest)"
        )
    started: list[str] = []  # each step that had work, as it starts

    def progress(label: str) -> None:
        started.append(label.split(":")[0])
        if not quiet:
            err.print(label)

    def saved() -> str | None:
        # Each step commits on its own: the ones before the last to start
        # are saved, the one under way was rolled back.
        done = started[:-1]
        if not done:
            return None
        return (
            f"the {_listed(done)} step{'s were' if done[1:] else ' was'} saved; "
            f"the {started[-1]} step was not (run sarap run again to finish)"
        )

    def all_saved() -> str:
        if not started:
            return "every step was up to date; nothing was changed"
        return f"the {_listed(started)} step{'s were' if started[1:] else ' was'} saved"

    with Workspace(workspace) as ws:
        with telling_on_interrupt(saved):
            report = run_all(ws, model_dir=model_dir, progress=progress)
        with finishing(all_saved):
            raise_if_interrupted()  # one DuckDB dropped after the last commit
            if quiet:
                return
            for agent, what in report.ran.items():
                err.print(f"[green]✓[/green] {agent}: {what}", highlight=False)
            _print_profiles(ws, top)


def _print_profiles(ws: Any, top: int) -> None:
    rows = ws.sql(
        "SELECT party_id, score, band, reasons_en FROM profiles "
        "ORDER BY score DESC, party_id LIMIT ?",
        [top],
    ).to_pylist()
    t = Table(title="riskiest taxpayers")
    for c in ("taxpayer", "score", "band", "top reasons"):
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(
            escape(r["party_id"]),
            f"{r['score']:.0f}",
            r["band"],
            escape(r["reasons_en"] or ""),
        )
    out.print(t)


@main.group()
def taxpayers() -> None:
    """Risk profiles of taxpayers (after sarap run)."""


@taxpayers.command("show")
@click.argument("party_id")
@click.option("--workspace", "-w", required=True)
@click.option(
    "--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True
)
@click.option("--json", "as_json", is_flag=True)
@friendly
def taxpayers_show_cmd(party_id: str, workspace: str, lang: str, as_json: bool) -> None:
    """One taxpayer's profile: score, band, reasons, evidence, history."""
    from sarap.store import Workspace

    if not Path(workspace).is_file():
        raise SarapError(f"{workspace}: no such workspace")
    with Workspace(workspace) as ws:
        has = (
            ws.sql(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_name = 'profiles'"
            )
            .column(0)[0]
            .as_py()
        )
        if not has:
            raise SarapError(
                f"{workspace}: no profiles yet; "
                f"run sarap run -w {shlex.quote(workspace)}"
            )
        prof = ws.sql(
            "SELECT * FROM profiles WHERE party_id = ?", [party_id]
        ).to_pylist()
        if not prof:
            raise SarapError(f"no taxpayer {party_id!r} in {workspace}")
        findings = ws.sql(
            f"SELECT agent, kind, score, period, reason_{lang} AS reason, evidence "
            "FROM findings WHERE party_id = ? ORDER BY score DESC",
            [party_id],
        ).to_pylist()
        history = ws.sql(
            "SELECT period, score, band FROM profile_history WHERE party_id = ? "
            "ORDER BY period",
            [party_id],
        ).to_pylist()
    p = prof[0]
    if as_json:
        doc = {
            "party_id": party_id,
            "score": p["score"],
            "band": p["band"],
            "reasons": p[f"reasons_{lang}"],
            "findings": [
                {
                    **f,
                    "period": str(f["period"]) if f["period"] else None,
                    "evidence": json.loads(f["evidence"]) if f["evidence"] else None,
                }
                for f in findings
            ],
            "history": [{**h, "period": str(h["period"])} for h in history],
        }
        click.echo(json.dumps(doc, ensure_ascii=False))
        return
    out.print(
        f"[bold]{escape(party_id)}[/bold]: score {p['score']:.0f}, band {p['band']}"
    )
    for f in findings:  # reasons and evidence quote names and ids as written
        line = f"  {f['score']:.2f} {f['kind']}: {f['reason']}"
        out.print(line, markup=False, highlight=False)
        if f["evidence"]:
            out.print(f"       evidence {f['evidence']}", markup=False, highlight=False)
    if history:
        out.print(
            "  by month: "
            + ", ".join(f"{h['period']:%Y-%m} {h['score']:.0f}" for h in history)
        )


# -- demo -----------------------------------------------------------------


@main.command("demo")
@click.option("--dir", "folder", default="demo", show_default=True)
@click.option("--rows", default=100_000, show_default=True, type=int)
@click.option("--taxpayers", default=2_000, show_default=True, type=int)
@click.option("--seed", default=0, show_default=True, type=int)
@friendly
def demo_cmd(folder: str, rows: int, taxpayers: int, seed: int) -> None:
    """Simulate two years of declarations and e-invoices, build a workspace,
    train, rank, report, run every agent, make the web app's demo users."""
    from sarap.demo import MIN_ROWS, run_demo
    from sarap.simulate._economy import MIN_TAXPAYERS

    # Told before any work: a smaller demo failed minutes in, with the
    # simulator's or the model's words (no fraud among 4 lines to learn from).
    if rows < MIN_ROWS:
        raise SarapError(f"--rows must be at least {MIN_ROWS:,} for the demo")
    if taxpayers < MIN_TAXPAYERS:
        raise SarapError(f"--taxpayers must be at least {MIN_TAXPAYERS}")
    if Path(folder).exists() and not Path(folder).is_dir():
        raise SarapError(f"cannot use {folder} for the demo: it is a file")
    # The demo starts by removing its previous workspace.
    with telling_on_interrupt(
        lambda: f"the demo in {folder} is incomplete (sarap demo again rebuilds it)"
    ):
        run_demo(
            Path(folder),
            rows=rows,
            taxpayers=taxpayers,
            seed=seed,
            console=err,
            out=out,
        )


# -- web application ----------------------------------------------------------


@main.command("serve")
@click.option("-w", "--workspace", required=True, help="Workspace (.duckdb file).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--models", default=None, help="Folder of the agents' models.")
# A sign-in of 0 minutes ended as it began; one of a million years was a 500.
@click.option(
    "--session-minutes",
    default=480,
    show_default=True,
    type=click.IntRange(1, 60 * 24 * 366),
    help="How long a sign-in lasts (at most a year).",
)
@click.option(
    "--max-upload-mb", default=50, show_default=True, type=click.IntRange(min=1)
)
@friendly
def serve_cmd(
    workspace: str,
    host: str,
    port: int,
    models: str | None,
    session_minutes: int,
    max_upload_mb: int,
) -> None:
    """Serve the analysts' web application and its REST API."""
    import uvicorn

    from sarap.web import WebStore, create_app
    from sarap.web._server import is_loopback, listening_socket

    if not Path(workspace).is_file():
        raise SarapError(
            f"no workspace {workspace}: run sarap ingest or make demo first"
        )
    # Bound first: a port in use is told before the tables are prepared.
    sock = listening_socket(host, port)
    port = sock.getsockname()[1]
    app = create_app(
        workspace,
        session_minutes=session_minutes,
        max_upload_mb=max_upload_mb,
        models=models,
    )
    store: WebStore = app.state.store
    if not store.users():
        raise SarapError(
            f"{workspace} has no users yet: add one with "
            f"sarap users add --workspace {shlex.quote(workspace)} "
            "--username NAME --role admin"
        )
    with step("preparing the queue, trade and graph tables"):
        app.state.views.refresh(force=True)
    if not is_loopback(sock):
        err.print(
            f"[yellow]warning:[/yellow] {host} is open to the network: every "
            f"machine that reaches port {port} gets the sign-in page over plain "
            "http; put Sarap behind the authority's https proxy",
            highlight=False,
        )
    url_host = f"[{host}]" if ":" in host else host  # an IPv6 address
    err.print(f"Sarap is at http://{url_host}:{port}  (Ctrl-C stops it)")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    with suppress(KeyboardInterrupt):  # the way to stop it, as uvicorn.run has it
        server.run(sockets=[sock])


@main.group()
def users() -> None:
    """Users of the web application."""


def _cli_actor() -> str:
    """Who changed users from the shell, for the audit log: ``cli:<OS user>``
    (the one behind sudo when run with it), or ``cli`` when none is known.

    The prefix keeps an OS account apart from a web user of the same name.
    """
    import getpass

    try:
        who = os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (a container)
        return "cli"
    return f"cli:{who}" if who else "cli"


@users.command("add")
@click.option("-w", "--workspace", required=True, help="Workspace (.duckdb file).")
@click.option("--username", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["analyst", "auditor", "admin"])
)
@click.password_option(envvar="SARAP_PASSWORD", help="Or set SARAP_PASSWORD.")
@friendly
def users_add_cmd(workspace: str, username: str, role: str, password: str) -> None:
    """Add a user; the password is asked for (or read from SARAP_PASSWORD)."""
    from sarap.store import Workspace
    from sarap.web import WebStore

    if not Path(workspace).is_file():
        raise SarapError(f"no workspace {workspace}")
    with Workspace(workspace) as ws:
        store = WebStore(ws)
        store.add_user(username, password, role)
        store.audit(_cli_actor(), "add_user", "user", username, {"role": role})
    # Names and paths as written: "[/b]" in one is no markup to rich.
    out.print(
        f"user {username} ({role}) added to {workspace}",
        markup=False,
        highlight=False,
    )


@users.command("remove")
@click.option("-w", "--workspace", required=True, help="Workspace (.duckdb file).")
@click.option("--username", required=True)
@friendly
def users_remove_cmd(workspace: str, username: str) -> None:
    """Remove a user (never the last admin); their sessions end."""
    from sarap.store import Workspace
    from sarap.web import WebStore

    if not Path(workspace).is_file():
        raise SarapError(f"no workspace {workspace}")
    with Workspace(workspace) as ws:
        store = WebStore(ws)
        store.remove_user(username)
        store.audit(_cli_actor(), "remove_user", "user", username)
    out.print(
        f"user {username} removed from {workspace}", markup=False, highlight=False
    )


@users.command("password")
@click.option("-w", "--workspace", required=True, help="Workspace (.duckdb file).")
@click.option("--username", required=True)
@click.password_option(envvar="SARAP_PASSWORD", help="Or set SARAP_PASSWORD.")
@friendly
def users_password_cmd(workspace: str, username: str, password: str) -> None:
    """Set a user's password (asked for, or read from SARAP_PASSWORD); their
    sessions end."""
    from sarap.store import Workspace
    from sarap.web import WebStore

    if not Path(workspace).is_file():
        raise SarapError(f"no workspace {workspace}")
    with Workspace(workspace) as ws:
        store = WebStore(ws)
        store.set_password(username, password)
        store.audit(_cli_actor(), "set_password", "user", username)
    out.print(
        f"password of {username} changed in {workspace}", markup=False, highlight=False
    )


@users.command("list")
@click.option("-w", "--workspace", required=True, help="Workspace (.duckdb file).")
@friendly
def users_list_cmd(workspace: str) -> None:
    """The users and their roles."""
    from sarap.store import Workspace
    from sarap.web import WebStore

    if not Path(workspace).is_file():
        raise SarapError(f"no workspace {workspace}")
    with Workspace(workspace) as ws:
        for u in WebStore(ws).users():
            out.print(
                f"{u['username']}\t{u['role']}\t{u['created_at']:%Y-%m-%d}",
                markup=False,
                highlight=False,
            )


# -- goods ------------------------------------------------------------------


@main.group()
def goods() -> None:
    """The goods agent: descriptions -> HS / TN VED codes, code mismatches."""


@simulate.command("goods")
@click.option("--examples", "-n", default=2000, show_default=True, type=int)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--out", "-o", "folder", required=True, help="Folder for the two CSVs.")
@friendly
def simulate_goods_cmd(examples: int, seed: int, folder: str) -> None:
    """Write a small goods nomenclature and labelled goods descriptions.

    FOLDER/nomenclature.csv (code, text) and FOLDER/examples.csv (text, code,
    code10, lang), ready for ``sarap goods fit``.
    """
    from sarap.simulate import simulate_goods

    out_dir = Path(folder)
    _check_seed(seed)
    if examples < 1:
        raise SarapError(f"--examples must be at least 1, got {examples}")
    if not out_dir.parent.is_dir():
        raise SarapError(f"cannot write {out_dir}: folder {out_dir.parent} is missing")
    _out_folder(folder)
    cat = simulate_goods(examples, seed=seed)
    with simulated(out_dir / "nomenclature.csv", out_dir / "examples.csv") as (n, e):
        cat.nomenclature.rename(columns={"name": "text"}).to_csv(n, index=False)
        cat.examples.to_csv(e, index=False)
    err.print(f"wrote {out_dir}/nomenclature.csv and {out_dir}/examples.csv")


_text_column = click.option(
    "--text-column",
    default="text",
    show_default=True,
    help="Column of the goods text or official name, in every file.",
)
_code_column = click.option(
    "--code-column",
    default="code",
    show_default=True,
    help="Column of the code (spaces and dots allowed), in every file.",
)


_goods_encoding = click.option(
    "--encoding", help="Text encoding of the files (detected when omitted)."
)


class _SeveralFiles(click.Command):
    """Lets ``--opt A B C`` stand for ``--opt A --opt B --opt C`` (``several``)."""

    several = ("--nomenclature", "--examples")

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        spread: list[str] = []
        current = None
        for arg in args:
            if arg.startswith("-"):
                name = arg.split("=", 1)[0]
                current = name if name in self.several else None
            elif current is not None and spread[-1] != current:
                spread.append(current)
            spread.append(arg)
        return super().parse_args(ctx, spread)


def _warn_skipped(skipped: dict[str, Any], noun: str) -> None:
    """A warning line for the rows a goods command skipped, if any."""
    from sarap.agents._goods_jobs import skipped_line

    if skipped["count"]:
        warning = f"warning: {skipped_line(skipped, noun)}"
        err.print(warning, markup=False, highlight=False)


@goods.command("fit", cls=_SeveralFiles)
@click.option(
    "--nomenclature",
    multiple=True,
    help=(
        "Code lists with official names (CSV, JSON, JSONL): one or more files; "
        "a code's name shown is the one in the first file that names it."
    ),
)
@click.option(
    "--examples",
    multiple=True,
    help="Labelled descriptions (CSV, JSON, JSONL): one or more files.",
)
@click.option("--model", "model_dir", required=True, help="Folder to save the model.")
@_text_column
@_code_column
@_goods_encoding
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
@friendly
def goods_fit_cmd(
    nomenclature: tuple[str, ...],
    examples: tuple[str, ...],
    model_dir: str,
    text_column: str,
    code_column: str,
    encoding: str | None,
    seed: int,
    as_json: bool,
) -> None:
    """Learn codes from a nomenclature and labelled descriptions."""
    from sarap.agents._compiled import cache_dir
    from sarap.agents._goods_jobs import dumps, fit_goods

    if not nomenclature:
        raise click.UsageError(
            "give --nomenclature FILE (codes with official names); "
            "--examples FILE (labelled descriptions) is optional"
        )
    with step("learning goods codes", quiet=as_json):
        _, summary = fit_goods(
            nomenclature,
            examples,
            model_dir,
            text_column=text_column,
            code_column=code_column,
            encoding=encoding,
            params={"random_state": seed},
        )
    _warn_skipped(summary["skipped_nomenclature_rows"], "nomenclature row")
    _warn_skipped(summary["skipped_example_rows"], "example row")
    if as_json:
        click.echo(dumps(summary))
    else:
        err.print(
            f"{summary['examples']:,} examples and {summary['nomenclature_rows']:,} "
            f"names of {summary['headings']:,} headings in {summary['fit_seconds']} s; "
            f"model ({summary['size_mb']} MB) saved to {model_dir}"
            + (
                f"; its ranker compiled for big batches in "
                f"{summary['compile_seconds']} s (cached in {cache_dir()})"
                if summary["ranker_compiled"]
                else ""
            ),
            highlight=False,
        )


@goods.command("classify")
@click.argument("texts", nargs=-1, required=True)
@click.option("--model", "model_dir", required=True, help="Model folder from fit.")
@click.option("--top", "k", default=5, show_default=True, help="Codes per text.")
@click.option("--json", "as_json", is_flag=True)
@friendly
def goods_classify_cmd(
    texts: tuple[str, ...], model_dir: str, k: int, as_json: bool
) -> None:
    """Suggest codes for each goods TEXT, with names and confidence.

    Codes go as deep (2, 4, 6 or 10 digits) as the model is sure of.
    """
    from sarap.agents._goods_jobs import classify, dumps, load_goods

    if not 1 <= k <= 10:
        raise click.BadParameter("must be from 1 to 10", param_hint="--top")
    results = classify(load_goods(model_dir), list(texts), k)
    if as_json:
        click.echo(dumps(results))
        return
    # Texts and names are shown as written: "[/b]" in one is no rich markup.
    for r in results:
        if not r["suggestions"]:
            # letters, but none in a word or letter group the model knows
            why = (
                "no word the model knows"
                if any(c.isalpha() for c in r["text"])
                else "no words to classify"
            )
            out.print(f"{r['text']!r}: {why}, no codes", markup=False)
            continue
        t = Table(title=escape(r["text"]), header_style="bold", title_justify="left")
        t.add_column("code")
        t.add_column("name", overflow="fold", max_width=90)
        t.add_column("confidence", justify="right")
        for s in r["suggestions"]:
            t.add_row(s["code"], escape(s["name"]), f"{s['confidence']:.1%}")
        out.print(t)


@goods.command("evaluate")
@click.argument("file")
@click.option("--model", "model_dir", required=True, help="Model folder from fit.")
@_text_column
@_code_column
@_goods_encoding
@click.option("--json", "as_json", is_flag=True)
@friendly
def goods_evaluate_cmd(
    file: str,
    model_dir: str,
    text_column: str,
    code_column: str,
    encoding: str | None,
    as_json: bool,
) -> None:
    """Top-1 and top-5 accuracy on labelled FILE, at each label's own depth."""
    from sarap.agents._goods_jobs import dumps, evaluate_goods, load_goods

    model = load_goods(model_dir)
    if "example_digests" in model.info_:
        used = (
            Path(file).is_file() and file_digest(file) in model.info_["example_digests"]
        )
    else:  # a model saved before it kept its files' digests
        used = Path(file).resolve().as_posix() in {
            Path(f).resolve().as_posix() for f in model.info_.get("example_files", [])
        }
    if used:
        err.print(
            f"warning: {file} was used to fit this model; these figures are in-sample"
        )
    m = evaluate_goods(
        model,
        file,
        text_column=text_column,
        code_column=code_column,
        encoding=encoding,
    )
    _warn_skipped(m["skipped"], "labelled row")
    if as_json:
        click.echo(dumps({k: m[k] for k in ("top1", "top5", "n")}))
        return
    t = Table(title=f"{file}: {m['n']:,} labelled descriptions", header_style="bold")
    for col in ("digits", "n", "top-1", "top-5"):
        t.add_column(col, justify="right")
    for depth, d in m["by_depth"].items():
        t.add_row(depth, f"{d['n']:,}", f"{d['top1']:.3f}", f"{d['top5']:.3f}")
    t.add_row("all", f"{m['n']:,}", f"{m['top1']:.3f}", f"{m['top5']:.3f}")
    out.print(t)


@goods.command("check")
@click.argument("file")
@click.option("--model", "model_dir", required=True, help="Model folder from fit.")
@_text_column
@_code_column
@_goods_encoding
@click.option("--id-column", help="Column that names each row in the findings.")
@click.option("--out", "out_file", help="CSV file for the findings.")
@click.option("--json", "as_json", is_flag=True)
@friendly
def goods_check_cmd(
    file: str,
    model_dir: str,
    text_column: str,
    code_column: str,
    encoding: str | None,
    id_column: str | None,
    out_file: str | None,
    as_json: bool,
) -> None:
    """Find rows of FILE whose declared code the goods text makes unlikely.

    A declared code that is not in the nomenclature, malformed or missing is
    reported too, with the codes the text reads as.
    """
    from sarap.agents._base import check_out_file, file_in_place
    from sarap.agents._goods_jobs import check_declared, load_goods

    if out_file:
        check_out_file(out_file, "the findings are")  # before the work
    found = check_declared(
        load_goods(model_dir),
        file,
        text_column=text_column,
        code_column=code_column,
        id_column=id_column,
        encoding=encoding,
    )
    if out_file:
        with file_in_place(out_file) as scratch:  # never left cut short
            found.to_csv(scratch, index=False)
    if as_json:
        click.echo(found.to_json(orient="records", force_ascii=False))
        return
    t = Table(title=escape(f"{file}: {len(found):,} declared codes that do not fit"))
    for col in found.columns:
        t.add_column(
            escape(str(col)),
            overflow="fold",
            max_width=60 if col == "reason" else None,
        )
    for row in found.head(20).itertuples(index=False):
        # no score: a declared code that is not a code, nothing to judge
        t.add_row(
            *(
                "" if isinstance(v, float) and math.isnan(v) else escape(str(v))
                for v in row
            )
        )
    out.print(t)


if __name__ == "__main__":
    main()
