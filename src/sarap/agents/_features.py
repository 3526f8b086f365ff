"""Declaration features as SQL: learned reference tables, then joins.

Everything here is relational work (group-bys and joins) written once in
plain SQL, so it runs on DuckDB now and can be transpiled to Spark later.
The learned state is a set of small reference tables (one per key), kept
as Arrow tables and saved as Parquet with the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from sarap.backends import Backend, SupportsTempTables

# Keys whose inspection history is a risk signal. Each becomes a smoothed
# fraud rate and a count; names are the prefixes of the feature columns.
GROUP_KEYS: dict[str, tuple[str, ...]] = {
    "importer": ("importer_id",),
    "declarant": ("declarant_id",),
    "seller": ("seller_id",),
    "courier": ("courier_id",),
    "hs6": ("hs6",),
    "hs4": ("hs4",),
    "hs2": ("hs2",),
    "office": ("office_id",),
    "origin": ("country_origin",),
    "departure": ("country_departure",),
    "route": ("country_departure", "country_origin"),
    "tax_type": ("tax_type",),
    "origin_indicator": ("origin_indicator",),
    "procedure": ("procedure",),
    "import_type": ("import_type",),
    "import_use": ("import_use",),
    "payment_type": ("payment_type",),
    "transport_mode": ("transport_mode",),
    "importer_hs6": ("importer_id", "hs6"),
    "declarant_importer": ("declarant_id", "importer_id"),
    "hs6_origin": ("hs6", "country_origin"),
    "importer_seller": ("importer_id", "seller_id"),
}

# Keys for the typical unit price of a good (log value per kg). Values are
# compared only within one currency: data model v1 carries no exchange rates.
PRICE_KEYS: dict[str, tuple[str, ...]] = {
    "hs6": ("hs6", "currency"),
    "hs6_origin": ("hs6", "country_origin", "currency"),
}

N_FOLDS = 5

# A group's count of frauds, as DOUBLE: a plain sum of the 0/1 labels is a
# 128-bit integer in DuckDB, and arithmetic on it (the smoothed rates) made
# up a third of the work of featurising a big batch. Models saved before
# this kept that type; their tables are cast when registered.
FRAUD_SUM = "CAST(sum(_y) AS DOUBLE)"

# The line columns the features read (the hs digits come from hs_code).
INPUTS = {k for keys in (*GROUP_KEYS.values(), *PRICE_KEYS.values()) for k in keys}
INPUTS = (INPUTS - {"hs6", "hs4", "hs2"}) | {
    "hs_code",
    "customs_value",
    "net_mass_kg",
    "tax_rate",
    "country_origin",
    "country_departure",
}

# Columns derived from a declaration line alone.
BASE_SQL = """
SELECT *,
    substr(hs_code, 1, 6) AS hs6,
    substr(hs_code, 1, 4) AS hs4,
    substr(hs_code, 1, 2) AS hs2,
    ln(1 + greatest(customs_value, 0)) AS log_value,
    ln(1 + greatest(net_mass_kg, 0)) AS log_mass,
    ln(1 + greatest(customs_value, 0)) - ln(1 + greatest(net_mass_kg, 0))
        AS log_unit_price,
    CASE WHEN country_origin IS NULL OR country_departure IS NULL THEN NULL
         WHEN country_origin <> country_departure THEN 1 ELSE 0 END
        AS origin_differs
FROM {source}
"""


def folds(lines: pa.Table) -> pa.Array:
    """Out-of-fold groups by declaration: a stable hash, the same on any engine
    (SQL hash functions differ between DuckDB and Spark)."""
    ids = lines.column("declaration_id").to_numpy(zero_copy_only=False)
    h = pd.util.hash_array(np.asarray(ids, dtype=object))
    return pa.array((h % N_FOLDS).astype(np.int32))


@dataclass
class References:
    """The learned state of the feature builder."""

    prior: float
    smoothing: float
    groups: dict[str, pa.Table]  # key columns, n, fraud
    prices: dict[str, pa.Table]  # key columns, price_n, price_median, price_iqr


def _double_fraud(table: pa.Table) -> pa.Table:
    """A group table with its fraud count as float64 (see ``FRAUD_SUM``)."""
    i = table.schema.get_field_index("fraud")
    if table.schema.field(i).type == pa.float64():
        return table
    return table.set_column(i, "fraud", table.column(i).cast(pa.float64()))


def _on(keys: tuple[str, ...], left: str, right: str) -> str:
    # IS NOT DISTINCT FROM: a missing seller is a value of its own.
    return " AND ".join(f"{left}.{k} IS NOT DISTINCT FROM {right}.{k}" for k in keys)


def _rate(n: str, s: str, prior: float, m: float) -> str:
    return f"(COALESCE({s}, 0) + {m} * {prior}) / (COALESCE({n}, 0) + {m})"


class FeatureBuilder:
    """Learns reference tables from labelled lines and turns lines into features.

    Parameters
    ----------
    backend : Backend
        Runs the SQL; must support temporary tables.
    smoothing : float
        Weight of the overall fraud rate in each group's smoothed rate.
    """

    def __init__(self, backend: Backend, smoothing: float = 20.0):
        if not isinstance(backend, SupportsTempTables):
            raise TypeError(f"backend {backend.name} cannot register temp tables")
        self.backend = backend
        self.tmp: SupportsTempTables = backend
        self.smoothing = smoothing
        self._registered: References | None = None

    def _register(self, refs: References) -> None:
        """Make the reference tables queryable (once per references object)."""
        if self._registered is refs:
            return
        for name in GROUP_KEYS:
            self.tmp.register(f"_ref_{name}", _double_fraud(refs.groups[name]))
        for name in PRICE_KEYS:
            self.tmp.register(f"_price_{name}", refs.prices[name])
        self._registered = refs

    def _base(self, name: str, lines: pa.Table) -> str:
        lines = lines.append_column("_pos", pa.array(range(lines.num_rows), pa.int64()))
        self.tmp.register(f"{name}_in", lines)
        self.backend.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS "
            + BASE_SQL.format(source=f"{name}_in")
        )
        self.tmp.unregister(f"{name}_in")
        return name

    def fit_transform(
        self, lines: pa.Table, y: pa.Array
    ) -> tuple[References, pa.Table]:
        """Learn references from ``lines`` (labels ``y``) and featurise them.

        The training rows' history features are out-of-fold: a row's own
        label never feeds its own features, so the model learns how much
        a history of a given size is worth, as it will meet it at scoring.
        """
        lines = lines.append_column("_y", y).append_column("_fold", folds(lines))
        base = self._base("_train", lines)
        prior = float(
            self.backend.sql(f"SELECT avg(_y) FROM {base}").column(0)[0].as_py()
        )
        refs = References(prior, self.smoothing, {}, {})
        for name, keys in GROUP_KEYS.items():
            cols = ", ".join(keys)
            refs.groups[name] = self.backend.sql(
                f"SELECT {cols}, count(*) AS n, {FRAUD_SUM} AS fraud FROM {base} "
                f"GROUP BY {cols}"
            )
        for name, keys in PRICE_KEYS.items():
            refs.prices[name] = self._price_table(base, keys)
        features = self._transform(base, refs, oof=True)
        return refs, features

    def _price_table(self, base: str, keys: tuple[str, ...]) -> pa.Table:
        cols = ", ".join(keys)
        return self.backend.sql(
            f"SELECT {cols}, count(*) AS price_n, "
            "median(log_unit_price) AS price_median, "
            "quantile_cont(log_unit_price, 0.75) - quantile_cont(log_unit_price, 0.25) "
            "AS price_iqr "
            f"FROM {base} WHERE net_mass_kg > 0 AND customs_value > 0 GROUP BY {cols}"
        )

    def transform(
        self, lines: pa.Table, refs: References, *, ordered: bool = True
    ) -> pa.Table:
        """Features of new lines from learned references.

        The lines are read once, so their derived columns are a view over
        the input, of the columns the features use, not a copy of it.
        With ``ordered=False`` the rows come in no set order, each with its
        line's position in ``_pos``: sorting a million rows is a third of
        the work.
        """
        used = lines.select([c for c in lines.column_names if c in INPUTS])
        self.tmp.register(
            "_score_in", used.append_column("_pos", pa.array(np.arange(len(used))))
        )
        try:
            self.backend.execute(
                "CREATE OR REPLACE TEMP VIEW _score AS "
                + BASE_SQL.format(source="_score_in")
            )
            return self._transform("_score", refs, oof=False, ordered=ordered)
        finally:
            self.backend.execute("DROP VIEW IF EXISTS _score")
            self.tmp.unregister("_score_in")

    def _transform(
        self, base: str, refs: References, *, oof: bool, ordered: bool = True
    ) -> pa.Table:
        be, m = self.backend, refs.smoothing
        selects = [
            "b.log_value",
            "b.log_mass",
            "b.log_unit_price",
            "b.tax_rate",
            "b.origin_differs",
        ]
        joins = []
        self._register(refs)
        for name, keys in GROUP_KEYS.items():
            ref = f"_ref_{name}"
            joins.append(f"LEFT JOIN {ref} AS {name} ON {_on(keys, 'b', name)}")
            n, s = f"{name}.n", f"{name}.fraud"
            if oof:
                # Remove the row's own fold from its group's history.
                fold = f"_fold_{name}"
                cols = ", ".join(keys)
                be.execute(
                    f"CREATE OR REPLACE TEMP TABLE {fold} AS SELECT {cols}, _fold, "
                    f"count(*) AS n, {FRAUD_SUM} AS fraud FROM {base} "
                    f"GROUP BY {cols}, _fold"
                )
                joins.append(
                    f"LEFT JOIN {fold} AS {name}_f ON "
                    f"{_on(keys, 'b', name + '_f')} AND {name}_f._fold = b._fold"
                )
                n = f"({name}.n - COALESCE({name}_f.n, 0))"
                s = f"({name}.fraud - COALESCE({name}_f.fraud, 0))"
            selects.append(f"COALESCE({n}, 0) AS {name}_n")
            selects.append(f"COALESCE({s}, 0) AS {name}_fraud")  # for reasons only
            selects.append(f"{_rate(n, s, refs.prior, m)} AS {name}_rate")
        for name, keys in PRICE_KEYS.items():
            ref = f"_price_{name}"
            joins.append(
                f"LEFT JOIN {ref} AS p_{name} ON {_on(keys, 'b', 'p_' + name)}"
            )
            selects.append(
                f"b.log_unit_price - p_{name}.price_median AS price_{name}_logratio"
            )
            selects.append(
                f"(b.log_unit_price - p_{name}.price_median) / "
                f"greatest(p_{name}.price_iqr, 0.1) AS price_{name}_z"
            )
            selects.append(f"COALESCE(p_{name}.price_n, 0) AS price_{name}_n")
        if not ordered:
            selects.insert(0, "b._pos")
        sql = f"SELECT {', '.join(selects)} FROM {base} b {' '.join(joins)}"
        if ordered:
            sql += " ORDER BY b._pos"
        out = be.sql(sql)
        if oof:
            for name in GROUP_KEYS:
                be.execute(f"DROP TABLE IF EXISTS _fold_{name}")
            be.execute(f"DROP TABLE IF EXISTS {base}")
        return out
