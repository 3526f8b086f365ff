"""``sarap demo``: the main job end to end on data the project makes itself.

Two years of simulated declarations: the first 23 months were inspected (their
outcomes are known), the last month is new. The demo imports both into a
workspace, learns from the inspected months, ranks the new month, prints the
top of the inspection queue and writes an HTML report; then it checks the
queue against the new month's hidden outcomes, which the simulator knows.

Then the tax side: the same two years of a simulated e-invoice economy join the
same workspace, every agent runs over it (``sarap run``), and three demo users are
made for the web application (``make serve``).
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from rich.console import Console

from sarap._console import lgb_progress, print_queue
from sarap.agents import DeclarationRiskRanker
from sarap.agents._queue import (
    evaluate_queue,
    fit_model,
    rank_declarations,
    workspace_lines,
    write_queue,
)
from sarap.backends import get_backend
from sarap.errors import SarapError, WorkspaceInUse
from sarap.pipeline import ingest
from sarap.report import write_queue_report
from sarap.simulate import (
    simulate_declarations,
    simulate_economy,
    simulate_parties,
    write_table,
)
from sarap.store import Workspace

START, MONTHS = "2023-01-01", 24  # two years, so turnover has a year before
# Users of the demo workspace's web application: (name, password, role).
DEMO_USERS = (
    ("analyst", "analyst-demo-pass", "analyst"),
    ("auditor", "auditor-demo-pass", "auditor"),
    ("admin", "admin-demo-pass", "admin"),
)


def _split(table: pa.Table) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Inspected history, the new month without outcomes, and those outcomes."""
    dates = table.column("date").cast(pa.date32())
    cutoff = pc.max(dates).as_py().replace(day=1)
    new_mask = pc.greater_equal(dates, pa.scalar(cutoff, pa.date32()))
    history = table.filter(pc.invert(new_mask)).drop_columns(["scheme"])
    new = table.filter(new_mask)
    outcomes = new.select(["declaration_id", "fraud", "additional_revenue"])
    new = new.drop_columns(["fraud", "additional_revenue", "scheme"])
    return history, new, outcomes


# The files the demo imports, in its folder and in its economy/ subfolder.
DEMO_FILES = {
    "declarations_inspected.csv",
    "declarations_new.csv",
    "parties.csv",
    "exchange_rates.csv",
    "invoices.csv",
    "vat_returns.csv",
    "declarations.csv",
}

# Enough declaration lines for frauds among the inspected months and the new.
MIN_ROWS = 1_000


def run_demo(
    folder: Path,
    *,
    rows: int = 100_000,
    taxpayers: int = 2_000,
    seed: int = 0,
    console: Console | None = None,
    out: Console | None = None,
) -> dict[str, Any]:
    """Run the demo in ``folder``; returns the paths written and the back-test."""
    console = console or Console(stderr=True)
    out = out or Console()
    folder.mkdir(parents=True, exist_ok=True)
    ws_path = folder / "sarap.duckdb"
    _replaceable(ws_path)
    for stale in (ws_path, folder / "sarap.duckdb.wal"):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()

    with console.status(f"simulating {rows:,} declarations over {MONTHS} months"):
        table = simulate_declarations(rows, seed=seed, start=START, months=MONTHS)
        history, new, outcomes = _split(table)
        files = {
            "history": folder / "declarations_inspected.csv",
            "new": folder / "declarations_new.csv",
            "outcomes": folder / "outcomes_new.csv",
            "parties": folder / "parties.csv",
        }
        write_table(history, files["history"])
        write_table(new, files["new"])
        write_table(outcomes, files["outcomes"])
        write_table(simulate_parties(table), files["parties"])
    console.print(
        f"[green]✓[/green] simulated {history.num_rows:,} inspected and "
        f"{new.num_rows:,} new declaration lines in {folder}/"
    )

    imports = []
    with Workspace(ws_path) as ws:
        for key in ("history", "new", "parties"):
            with console.status(f"importing {files[key].name}"):
                imports.append(ingest(ws, files[key]))
            console.print(imports[-1].summary(), highlight=False)
        train = workspace_lines(ws, labelled=True)
        lines = workspace_lines(ws, labelled=False)

    console.print(f"learning from {train.num_rows:,} inspected declaration lines ...")
    bar, callbacks = lgb_progress(
        DeclarationRiskRanker().n_estimators, quiet=False, console=console
    )
    with bar:
        model, summary = fit_model(train, folder / "model", callbacks=callbacks)
    console.print(
        f"[green]✓[/green] model trained in {summary['fit_seconds']} s, "
        f"saved to {folder / 'model'}"
    )

    with console.status(f"ranking {lines.num_rows:,} new declarations"):
        queue = rank_declarations(model, lines)
        write_queue(queue, folder / "queue.csv")
    print_queue(queue, 15, out)

    # The simulator knows what an inspection of the new month would find.
    truth = lines.select(["declaration_id", "item_no"]).join(
        outcomes.select(["declaration_id", "fraud"]), "declaration_id"
    )
    metrics = evaluate_queue(queue, truth)
    report = write_queue_report(
        queue,
        folder / "report.html",
        metrics=metrics,
        imports=imports,
        model_info=_info(folder),
        title="Sarap demo: inspection queue for the new month",
    )
    out.print(
        f"Back-test on the new month ({metrics['n']:,} declarations, "
        f"{metrics['positives']:,} violations): precision "
        + ", ".join(f"top {k}% {metrics[f'precision@{k}%']:.2f}" for k in (1, 5, 10))
        + "; recall at top 10% "
        + ("n/a" if metrics["recall@10%"] is None else f"{metrics['recall@10%']:.2f}")
        + "."
    )
    _tax_side(ws_path, folder / "economy", taxpayers, seed, console)
    out.print(
        f"Workspace: {ws_path}\nQueue:     {folder / 'queue.csv'}\n"
        f"Report:    {report.resolve()}  (open it in a browser)\n"
        f"Web app:   make serve, then open http://127.0.0.1:8000 and sign in as "
        + ", ".join(f"{u} / {p}" for u, p, _ in DEMO_USERS)
        + f"\nDone in {time.perf_counter() - started:.0f} s."
    )
    return {
        "workspace": ws_path,
        "queue": folder / "queue.csv",
        "report": report,
        "metrics": metrics,
    }


def _replaceable(ws_path: Path) -> None:
    """Refuse to replace a workspace that is not the demo's own: one another
    process (sarap serve) has open, which would go on writing to the removed
    file, or one that holds imports of other files (a real workspace)."""
    if not ws_path.exists():
        return
    folder = ws_path.parent.resolve().name
    try:
        be = get_backend("duckdb", path=ws_path)
    except WorkspaceInUse as exc:
        raise SarapError(
            f"cannot rebuild the demo in {ws_path.parent}: its workspace is open "
            f"in another process ({exc.holder}); stop that first"
        ) from None
    except SarapError:
        return  # not a workspace: replaced all the same
    try:
        files = (
            be.sql("SELECT DISTINCT file FROM ingest_batches").column(0).to_pylist()
            if be.has_table("ingest_batches")
            else []
        )
    finally:
        be.close()
    others = [f for f in files if not _demo_file(Path(f), folder)]
    if others:
        raise SarapError(
            f"cannot rebuild the demo in {ws_path.parent}: {ws_path} holds "
            f"imports of other files ({', '.join(sorted(others)[:3])}), which "
            "the demo would remove; give it another --dir, or remove that "
            "workspace yourself if it may go"
        )


def _demo_file(file: Path, folder: str) -> bool:
    """Whether ``file`` is one the demo imports from its folder ``folder``."""
    folder_of = file.parent.parent if file.parent.name == "economy" else file.parent
    # A file named from inside the folder (sarap demo --dir .) has none.
    return file.name in DEMO_FILES and folder_of.name in ("", folder)


def _tax_side(
    ws_path: Path, folder: Path, taxpayers: int, seed: int, console: Console
) -> None:
    """Two years of e-invoices into the workspace, every agent over it, and
    the demo users."""
    from sarap.agents._run import run_all
    from sarap.web import WebStore

    folder.mkdir(parents=True, exist_ok=True)
    with console.status(f"simulating {taxpayers:,} taxpayers' e-invoices, 24 months"):
        economy = simulate_economy(
            taxpayers, months=MONTHS, seed=seed, start=START
        ).tables()
        names = ("parties", "exchange_rates", "invoices", "vat_returns", "declarations")
        for name in names:
            write_table(economy[name], folder / f"{name}.csv")
    with Workspace(ws_path) as ws:
        for name in names:
            with console.status(f"importing {name}.csv"):
                result = ingest(ws, folder / f"{name}.csv")
            console.print(result.summary(), highlight=False)
        report = run_all(ws, progress=lambda m: console.print(f"running {m}"))
        for agent, what in report.ran.items():
            console.print(f"[green]✓[/green] {agent}: {what}")
        store = WebStore(ws)
        known = {u["username"] for u in store.users()}
        for user, password, role in DEMO_USERS:
            if user not in known:
                store.add_user(user, password, role)


def build_workspace(
    folder: Path,
    *,
    rows: int = 100_000,
    taxpayers: int = 2_000,
    seed: int = 0,
    console: Console | None = None,
) -> Path:
    """The demo's workspace, quietly: for tests, benchmarks and screenshots."""
    quiet = Console(file=io.StringIO())
    run_demo(
        folder,
        rows=rows,
        taxpayers=taxpayers,
        seed=seed,
        console=console or quiet,
        out=quiet,
    )
    return folder / "sarap.duckdb"


def _info(folder: Path) -> dict[str, Any]:
    import json

    info: dict[str, Any] = json.loads((folder / "model" / "model.json").read_text())
    return info
