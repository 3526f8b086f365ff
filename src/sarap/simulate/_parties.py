"""The parties behind a simulated declarations table."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sarap.simulate._catalogue import (
    BROKER_ACTIVITY,
    COURIER_ACTIVITY,
    GOODS_BY_CODE,
    HOME_COUNTRY,
    SECTORS,
)
from sarap.simulate._ids import bin_registration_date, foreign_name, home_name
from sarap.store._schema import PARTIES

PARTY_COLUMNS = ("party_id", "country", "name", "registration_date", "activity_code")
_WHOLESALE = "46900"  # non-specialised wholesale, for goods outside the catalogue


def simulate_parties(table: pa.Table) -> pa.Table:
    """Parties of a simulated declarations table, as the ``parties`` entity.

    Importers, brokers and couriers are home-country firms: their
    registration date is read back from their BIN-like ID (risky newcomers
    registered shortly before their first declaration, established firms
    years before) and importers get the activity code of the sector they
    mostly import for. Foreign sellers get their country and a name only.

    Parameters
    ----------
    table : pyarrow.Table
        Output of :func:`simulate_declarations` (at least ``importer_id``,
        ``declarant_id``, ``courier_id``, ``seller_id``, ``hs_code`` and
        ``date``).

    Returns
    -------
    pyarrow.Table
        The ``parties`` fields of the data model: party_id, country, name,
        registration_date and activity_code filled, the rest empty; one row
        per party, sorted by party_id.

    Examples
    --------
    >>> from sarap.simulate import simulate_declarations
    >>> decl = simulate_declarations(500, seed=2)
    >>> parties = simulate_parties(decl)
    >>> parties.column_names[:5]
    ['party_id', 'country', 'name', 'registration_date', 'activity_code']
    """
    missing = {
        "importer_id",
        "declarant_id",
        "courier_id",
        "seller_id",
        "hs_code",
        "date",
    } - set(table.column_names)
    if missing:
        raise ValueError(f"table lacks columns: {', '.join(sorted(missing))}")
    latest = pc.max(table.column("date")).as_py()
    latest_year = latest.year if latest is not None else dt.date.today().year

    lines = table.select(["importer_id", "hs_code"]).to_pandas()
    counts = lines.groupby(["importer_id", "hs_code"]).size().reset_index(name="n")
    main = counts.sort_values(
        ["importer_id", "n", "hs_code"], ascending=[True, False, True]
    ).drop_duplicates("importer_id")
    sector_code = {code: SECTORS[g.sector][1] for code, g in GOODS_BY_CODE.items()}

    rows: dict[str, tuple[str, str, str | None, str | None]] = {}
    for pid, hs in zip(main["importer_id"], main["hs_code"], strict=True):
        rows[pid] = (
            HOME_COUNTRY,
            home_name(pid),
            bin_registration_date(pid, latest_year),
            sector_code.get(hs, _WHOLESALE),
        )
    for column, kind, activity in (
        ("declarant_id", "broker", BROKER_ACTIVITY),
        ("courier_id", "courier", COURIER_ACTIVITY),
    ):
        for pid in _distinct(table, column):
            if pid not in rows:
                rows[pid] = (
                    HOME_COUNTRY,
                    home_name(pid, kind),
                    bin_registration_date(pid, latest_year),
                    activity,
                )
    for pid in _distinct(table, "seller_id"):
        if pid not in rows:
            rows[pid] = (pid[:2], foreign_name(pid, pid[:2]), None, None)

    ids = sorted(rows)
    frame = pd.DataFrame(
        [(pid, *rows[pid]) for pid in ids], columns=list(PARTY_COLUMNS)
    )
    schema = pa.schema(
        [
            ("party_id", pa.string()),
            ("country", pa.string()),
            ("name", pa.string()),
            ("registration_date", pa.date32()),
            ("activity_code", pa.string()),
        ]
    )
    frame["registration_date"] = pd.to_datetime(frame["registration_date"]).dt.date
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    # The fields a declarations table says nothing about (staff, director,
    # address, ...) stay empty; `sarap simulate economy` fills them.
    for f in PARTIES.fields:
        if f.name not in table.column_names:
            kind = pa.int32() if f.type == "INTEGER" else pa.string()
            table = table.append_column(f.name, pa.nulls(table.num_rows, kind))
    return table


def _distinct(table: pa.Table, column: str) -> list[str]:
    values = pc.unique(table.column(column).drop_null())
    return [str(v) for v in values.to_pylist()]
