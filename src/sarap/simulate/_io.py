"""Writing simulated tables to files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = (".csv", ".parquet", ".json", ".jsonl", ".ndjson")


def write_table(table: pa.Table, path: str | Path) -> Path:
    """Write a table to CSV, Parquet or JSON, chosen by the file suffix.

    ``.csv`` is UTF-8 with a header row (text values quoted, so codes keep
    their leading zeros; nulls are empty); ``.parquet`` keeps the Arrow
    types; ``.json`` is one JSON array of objects and ``.jsonl`` /
    ``.ndjson`` one object per line. Dates are written as ``YYYY-MM-DD``.

    Parameters
    ----------
    table : pyarrow.Table
        The table to write.
    path : str or Path
        Destination file; its folder must exist. An existing file is
        replaced.

    Returns
    -------
    Path
        The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sarap.simulate import simulate_declarations
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "declarations.parquet"
    >>> write_table(simulate_declarations(100), out).name
    'declarations.parquet'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"cannot write {path.name}: the suffix must be one of {', '.join(FORMATS)}"
        )
    if not path.parent.is_dir():
        raise ValueError(f"cannot write {path}: folder {path.parent} does not exist")
    if suffix == ".csv":
        pacsv.write_csv(table, path)
    elif suffix == ".parquet":
        pq.write_table(table, path)
    else:
        array = "true" if suffix == ".json" else "false"
        target = str(path).replace("'", "''")
        with duckdb.connect() as con:
            con.execute("SET enable_progress_bar = false")
            con.register("sarap_out", table)
            con.execute(f"COPY sarap_out TO '{target}' (FORMAT JSON, ARRAY {array})")
    return path
