"""Terminal presentation shared by the CLI and the demo."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


def lgb_progress(rounds: int, quiet: bool, console: Console) -> tuple[Any, list[Any]]:
    """A rich progress bar fed by a LightGBM callback."""
    if quiet:
        return None, []
    bar = Progress(
        TextColumn("  training"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} rounds"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task("fit", total=rounds)

    def callback(env: Any) -> None:
        bar.update(task, completed=env.iteration + 1)

    callback.order = 30  # type: ignore[attr-defined]
    return bar, [callback]


def print_queue(queue: pa.Table, top: int, console: Console) -> None:
    """The top of the inspection queue as a table."""
    if top <= 0:
        return
    t = Table(
        title=f"Inspection queue: top {min(top, queue.num_rows)} of {queue.num_rows:,}",
        show_lines=False,
        header_style="bold",
    )
    for col, kw in (
        ("#", {"justify": "right"}),
        ("declaration", {}),
        ("importer", {}),
        ("goods", {}),
        ("value", {"justify": "right"}),
        ("risk", {"justify": "right"}),
        ("top reasons", {"overflow": "fold", "max_width": 70}),
    ):
        t.add_column(col, **kw)
    # Rows as Python values: a missing text is None (pandas made it NaN, and
    # the rows beyond --explain, with no reasons, stopped the table).
    for r in queue.slice(0, top).to_pylist():
        # The file's ids and the reasons' figures are shown as written,
        # not read as markup ("[/b]" would stop the table).
        t.add_row(
            str(r["rank"]),
            escape(str(r["declaration_id"])),
            escape(str(r["importer_id"])),
            escape(f"HS {r['hs_code']}"),
            escape(f"{r['customs_value']:,.0f} {r['currency'] or ''}"),
            f"{r['risk']:.3f}",
            escape((r["reasons"] or "").replace("; ", "\n")),
        )
    console.print(t)
