from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from jinja2 import Environment, PackageLoader, select_autoescape

import sarap


def write_queue_report(
    queue: pa.Table,
    path: str | Path,
    *,
    top: int = 200,
    metrics: dict[str, Any] | None = None,
    imports: list[Any] | None = None,
    model_info: dict[str, Any] | None = None,
    title: str = "Inspection queue",
) -> Path:
    """Write a self-contained HTML page with the top of the queue and its reasons.

    Parameters
    ----------
    queue : pyarrow.Table
        From :func:`sarap.agents.rank_declarations`.
    path : str or Path
        The ``.html`` file to write.
    top : int, default 200
        How many declarations to list.
    metrics : dict, optional
        Back-test figures to show (from ``inspection_metrics``).
    imports : list of IngestResult, optional
        Import summaries (loaded / quarantined and why).
    model_info : dict, optional
        The model's ``model.json`` contents.
    """
    env = Environment(
        loader=PackageLoader("sarap.report", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    rows = queue.slice(0, top).to_pylist()
    for r in rows:
        r["reason_list"] = [s for s in str(r.get("reasons") or "").split("; ") if s]
        r["band"] = (
            "high" if r["risk"] >= 0.5 else "medium" if r["risk"] >= 0.2 else "low"
        )
    bands = pd.cut(
        queue.column("risk").to_pandas(),
        [-0.01, 0.2, 0.5, 1.0],
        labels=["low", "medium", "high"],
    ).value_counts()
    html = env.get_template("queue.html").render(
        title=title,
        rows=rows,
        n=queue.num_rows,
        top=min(top, queue.num_rows),
        bands={k: int(bands.get(k, 0)) for k in ("high", "medium", "low")},
        metrics=metrics,
        imports=imports or [],
        model=model_info or {},
        version=sarap.__version__,
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
    path = Path(path)
    path.write_text(html, encoding="utf-8")
    return path
