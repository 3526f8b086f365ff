"""What the pages show, as parameterised SQL over the workspace.

Three tables are derived from the agents' output for the web application and
rebuilt whenever the agents have run again: ``web_queue`` (one row per scored
declaration, ranked), ``web_trade`` (monthly trade flows by country pair and
goods chapter, in USD) and ``web_edges`` (who sells to whom, in USD). Pages
then read a few rows of small or pre-sorted tables, which keeps them fast
with a million declarations in the workspace.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from sarap.agents._reasons import in_russian
from sarap.agents._run import OUTPUT_DDL
from sarap.agents._tax import IN_USD, RATE_JOIN
from sarap.web._store import WebStore

REFRESH_SECONDS = 5.0
GRAPH_NODES = 150

_USD_D = IN_USD.format(amount="d.customs_value")
_JOIN_D = RATE_JOIN.format(table="d", day="d.date")
_USD_I = IN_USD.format(amount="i.amount")
_JOIN_I = RATE_JOIN.format(table="i", day="i.issued_on")

QUEUE_SQL = f"""
CREATE OR REPLACE TABLE web_queue AS
WITH lines AS (
    SELECT d.declaration_id,
           min(d.date) AS date,
           any_value(d.office_id) AS office_id,
           any_value(d.importer_id) AS importer_id,
           arg_max(d.country_origin, d.customs_value) AS country_origin,
           arg_max(d.hs_code, d.customs_value) AS hs_code,
           arg_max(d.description, d.customs_value) AS description,
           count(*) AS lines,
           sum({_USD_D}) AS customs_value
    FROM declarations d {_JOIN_D}
    WHERE d.declaration_id IN (SELECT declaration_id FROM scored_declarations)
    GROUP BY d.declaration_id
)
SELECT row_number() OVER (ORDER BY s.risk DESC, l.declaration_id) AS rank,
       l.*, left(l.hs_code, 2) AS chapter, p.name AS importer_name,
       lower(concat_ws(' ', l.declaration_id, l.importer_id, p.name)) AS search,
       s.risk, CASE WHEN s.risk >= $high THEN 'high'
                    WHEN s.risk >= $medium THEN 'medium' ELSE 'low' END AS band,
       s.reasons
FROM scored_declarations s
JOIN lines l USING (declaration_id)
LEFT JOIN parties p ON p.party_id = l.importer_id
ORDER BY rank
"""

TRADE_SQL = f"""
CREATE OR REPLACE TABLE web_trade AS
WITH flows AS (
    SELECT date_trunc('month', d.date) AS month,
           coalesce(d.country_origin, d.country_departure) AS exporter,
           p.country AS importer, left(d.hs_code, 2) AS chapter,
           'customs' AS source, {_USD_D} AS value
    FROM declarations d {_JOIN_D}
    LEFT JOIN parties p ON p.party_id = d.importer_id
    UNION ALL
    SELECT date_trunc('month', i.issued_on), i.seller_country, i.buyer_country,
           left(i.hs_code, 2), 'invoices', {_USD_I}
    FROM invoices i {_JOIN_I}
    WHERE i.reported_by = 'seller' AND i.seller_country <> i.buyer_country
)
SELECT month, exporter, importer, chapter, source, sum(value) AS value
FROM flows
WHERE exporter IS NOT NULL AND importer IS NOT NULL AND exporter <> importer
  AND month IS NOT NULL
GROUP BY ALL
"""

EDGES_SQL = f"""
CREATE OR REPLACE TABLE web_edges AS
WITH e AS (
    SELECT i.seller_id AS source, i.buyer_id AS target, i.invoice_id,
           {_USD_I} AS value
    FROM invoices i {_JOIN_I}
    WHERE i.reported_by = 'seller'
    UNION ALL
    SELECT d.seller_id, d.importer_id, d.declaration_id, {_USD_D}
    FROM declarations d {_JOIN_D}
    WHERE d.seller_id IS NOT NULL AND d.importer_id IS NOT NULL
)
SELECT source, target, count(DISTINCT invoice_id) AS invoices,
       sum(value) AS amount_usd
FROM e GROUP BY source, target
"""

QUEUE_SORTS = {
    "risk": "rank",
    "date": "date",
    "value": "customs_value",
    "declaration_id": "declaration_id",
}
TAXPAYER_SORTS = {"score": "q.score", "party_id": "q.party_id"}


def _split_reasons(text: str | None) -> list[str]:
    return [r for r in (text or "").split("; ") if r]


def _reasons(text: str | None) -> dict[str, list[str]]:
    """A declaration's reasons as the agent wrote them and in Russian."""
    en = _split_reasons(text)
    return {"reasons": en, "reasons_ru": [in_russian(r) for r in en]}


def _day(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


def _read_threshold(models: Path) -> float | None:
    info = models / "declarations" / "model.json"
    try:
        return float(json.loads(info.read_text())["threshold"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class Views:
    """The read side of the web application.

    Parameters
    ----------
    store : WebStore
        Where the cursors come from.
    models : Path
        The agents' model folder; the declarations model's inspection
        cut-off separates the high band from the others.
    """

    def __init__(self, store: WebStore, models: Path):
        self.store = store
        self.models = models
        self._lock = threading.Lock()
        # Two results for one declaration at once conflict in DuckDB.
        self._outcome_lock = threading.Lock()
        self._built: tuple[Any, ...] | None = None
        self._checked = 0.0
        self.build_seconds: float | None = None
        cur = store.cursor()
        # What the agents write; present before their first run.
        cur.execute(OUTPUT_DDL)
        # A declaration's page looks its lines up by id alone, which the
        # (declaration_id, item_no) keys do not serve in DuckDB.
        cur.execute(
            "CREATE INDEX IF NOT EXISTS declarations_id "
            "ON declarations (declaration_id); "
            "CREATE INDEX IF NOT EXISTS goods_checked_id "
            "ON goods_checked (declaration_id)"
        )

    # -- derived tables ------------------------------------------------------
    def _stamp(self) -> tuple[Any, ...]:
        runs = self.store.query(
            "SELECT agent, run_id, finished_at FROM agent_runs ORDER BY agent"
        )
        counts = self.store.query(
            "SELECT (SELECT count(*) FROM scored_declarations) AS s, "
            "(SELECT count(*) FROM declarations) AS d, "
            "(SELECT count(*) FROM invoices) AS i"
        )
        return (tuple(tuple(r.values()) for r in runs), tuple(counts[0].values()))

    def refresh(self, force: bool = False) -> None:
        """Rebuild the derived tables when the agents ran or data arrived.

        A page does not wait for a rebuild another request has started: it
        reads the tables as they were until the new ones are committed.
        """
        if not force and time.monotonic() - self._checked < REFRESH_SECONDS:
            return
        if not self._lock.acquire(blocking=force or self._built is None):
            return
        try:
            if not force and time.monotonic() - self._checked < REFRESH_SECONDS:
                return
            stamp = self._stamp()
            if stamp != self._built:
                started = time.perf_counter()
                high = _read_threshold(self.models)
                if high is None:
                    got = self.store.query(
                        "SELECT quantile_cont(risk, 0.95) AS q FROM scored_declarations"
                    )
                    high = float(got[0]["q"] or 1.0)
                cur = self.store.cursor()
                cur.execute("BEGIN TRANSACTION")
                try:
                    cur.execute(QUEUE_SQL, {"high": high, "medium": high / 2})
                    cur.execute(
                        "CREATE INDEX web_queue_id ON web_queue (declaration_id)"
                    )
                    cur.execute(TRADE_SQL)
                    cur.execute(EDGES_SQL)
                    cur.execute("COMMIT")
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
                self._built = stamp
                self.build_seconds = round(time.perf_counter() - started, 2)
            self._checked = time.monotonic()
        finally:
            self._lock.release()

    # -- customs queue ------------------------------------------------------
    def facets(self) -> dict[str, Any]:
        self.refresh()
        q = self.store.query
        span = q("SELECT min(date) AS lo, max(date) AS hi FROM web_queue")[0]
        return {
            "offices": [
                r["office_id"]
                for r in q(
                    "SELECT DISTINCT office_id FROM web_queue "
                    "WHERE office_id IS NOT NULL ORDER BY 1"
                )
            ],
            "countries": [
                r["country_origin"]
                for r in q(
                    "SELECT DISTINCT country_origin FROM web_queue "
                    "WHERE country_origin IS NOT NULL ORDER BY 1"
                )
            ],
            "chapters": [
                {"code": r["chapter"], "name": ""}
                for r in q(
                    "SELECT DISTINCT chapter FROM web_queue "
                    "WHERE chapter IS NOT NULL ORDER BY 1"
                )
            ],
            "date_min": _day(span["lo"]),
            "date_max": _day(span["hi"]),
            "bands": ["high", "medium", "low"],
        }

    def queue(
        self,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        office: str | None = None,
        country: str | None = None,
        chapter: str | None = None,
        band: str | None = None,
        q: str | None = None,
        sort: str = "risk",
        order: str = "desc",
        page: int = 1,
        page_size: int = 50,
    ) -> dict[str, Any]:
        self.refresh()
        where, params = ["TRUE"], []
        for column, value, op in (
            ("date", date_from, ">="),
            ("date", date_to, "<="),
            ("office_id", office, "="),
            ("country_origin", country, "="),
            ("chapter", chapter, "="),
            ("band", band, "="),
        ):
            if value is not None and value != "":
                where.append(f"{column} {op} ?")
                params.append(value)
        if q:
            where.append("contains(search, lower(?))")
            params.append(q)
        cond = " AND ".join(where)
        total = self.store.query(
            f"SELECT count(*) AS n FROM web_queue WHERE {cond}", params
        )
        # Sorting by risk descending is the queue's own order (rank).
        direction = "ASC" if (order == "asc") != (sort == "risk") else "DESC"
        order_by = f"{QUEUE_SORTS[sort]} {direction}, rank"
        offset = (page - 1) * page_size
        if len(where) == 1 and sort == "risk" and order == "desc":
            # The table is stored in rank order: the page is a range of ranks.
            ranks = "SELECT rank FROM web_queue WHERE rank > ? AND rank <= ?"
            ranks_params: list[Any] = [offset, offset + page_size]
        else:
            # Sort the key and the rank only, then fetch the page's rows.
            ranks = (
                f"SELECT rank FROM web_queue WHERE {cond} "
                f"ORDER BY {order_by} LIMIT ? OFFSET ?"
            )
            ranks_params = [*params, page_size, offset]
        rows = self.store.query(
            f"""
            SELECT w.*, o.fraud AS o_fraud, o.additional_revenue AS o_revenue,
                   o.inspected_on AS o_on
            FROM web_queue w
            LEFT JOIN outcomes o USING (declaration_id)
            WHERE w.rank IN ({ranks})
            ORDER BY {order_by.replace("rank", "w.rank")}
            """,
            ranks_params,
        )
        return {
            "total": total[0]["n"],
            "page": page,
            "page_size": page_size,
            "items": [_queue_item(r) for r in rows],
        }

    def declaration(self, declaration_id: str) -> dict[str, Any] | None:
        self.refresh()
        q = self.store.query
        lines = q(
            "SELECT item_no, hs_code, description, country_origin, net_mass_kg, "
            "quantity, quantity_unit, customs_value, currency, duty, date, "
            "office_id, importer_id FROM declarations WHERE declaration_id = ? "
            "ORDER BY item_no",
            [declaration_id],
        )
        if not lines:
            return None
        checked = {
            g["item_no"]: g
            for g in q(
                "SELECT item_no, score, reason, suggestion FROM goods_checked "
                "WHERE declaration_id = ?",
                [declaration_id],
            )
        }
        head = lines[0]
        ranked = q(
            "SELECT rank, risk, band, reasons FROM web_queue WHERE declaration_id = ?",
            [declaration_id],
        )
        r = ranked[0] if ranked else {}
        party = q(
            "SELECT party_id, name, country FROM parties WHERE party_id = ?",
            [head["importer_id"]],
        )
        return {
            "declaration_id": declaration_id,
            "date": _day(head["date"]),
            "office_id": head["office_id"],
            "importer": party[0]
            if party
            else {"party_id": head["importer_id"], "name": None, "country": None},
            "risk": r.get("risk"),
            "band": r.get("band"),
            "rank": r.get("rank"),
            **_reasons(r.get("reasons")),
            "lines": [
                {
                    "item_no": x["item_no"],
                    "hs_code": x["hs_code"],
                    "description": x["description"],
                    "country_origin": x["country_origin"],
                    "net_mass_kg": x["net_mass_kg"],
                    "quantity": x["quantity"],
                    "quantity_unit": x["quantity_unit"],
                    "customs_value": x["customs_value"],
                    "currency": x["currency"],
                    "duty": x["duty"],
                    "goods_check": None
                    if (g := checked.get(x["item_no"])) is None or g["reason"] is None
                    else {
                        "score": g["score"],
                        "reason": g["reason"],
                        "suggestion": g["suggestion"],
                    },
                }
                for x in lines
            ],
            "outcome": self.outcome(declaration_id),
        }

    def outcome(self, declaration_id: str) -> dict[str, Any] | None:
        got = self.store.query(
            "SELECT fraud, additional_revenue, inspected_on FROM outcomes "
            "WHERE declaration_id = ?",
            [declaration_id],
        )
        if not got:
            return None
        return _outcome(
            got[0]["fraud"], got[0]["additional_revenue"], got[0]["inspected_on"]
        )

    def record_outcome(
        self, declaration_id: str, fraud: bool, revenue: float | None
    ) -> dict[str, Any] | None:
        """Store an inspection's result: the next fit learns from it."""
        if not self.store.query(
            "SELECT 1 FROM declarations WHERE declaration_id = ? LIMIT 1",
            [declaration_id],
        ):
            return None
        today = date.today()
        with self._outcome_lock:
            self.store.cursor().execute(
                "INSERT OR REPLACE INTO outcomes VALUES (?, ?, ?, ?)",
                [declaration_id, int(fraud), revenue, today],
            )
        return {
            "declaration_id": declaration_id,
            **_outcome(int(fraud), revenue, today),
        }

    # -- taxpayers -----------------------------------------------------------
    def taxpayers(
        self,
        *,
        band: str | None = None,
        q: str | None = None,
        sort: str = "score",
        order: str = "desc",
        page: int = 1,
        page_size: int = 50,
    ) -> dict[str, Any]:
        where, params = ["TRUE"], []
        if band:
            where.append("q.band = ?")
            params.append(band)
        if q:
            where.append(
                "(contains(lower(q.party_id), lower(?)) "
                "OR contains(lower(p.name), lower(?)))"
            )
            params += [q, q]
        cond = " AND ".join(where)
        base = f"FROM profiles q LEFT JOIN parties p USING (party_id) WHERE {cond}"
        total = self.store.query(f"SELECT count(*) AS n {base}", params)[0]["n"]
        direction = "ASC" if order == "asc" else "DESC"
        rows = self.store.query(
            f"SELECT q.party_id, p.name, p.country, p.sector, q.score, q.band, "
            f"q.reasons_en, q.reasons_ru {base} "
            f"ORDER BY {TAXPAYER_SORTS[sort]} {direction}, q.party_id LIMIT ? OFFSET ?",
            [*params, page_size, (page - 1) * page_size],
        )
        for r in rows:
            r["reasons_en"] = _split_reasons(r["reasons_en"])
            r["reasons_ru"] = _split_reasons(r["reasons_ru"])
        return {"total": total, "page": page, "page_size": page_size, "items": rows}

    def taxpayer(self, party_id: str) -> dict[str, Any] | None:
        q = self.store.query
        found = q(
            "SELECT p.party_id, p.name, p.country, p.sector, p.size, "
            "p.registration_date, p.employees, q.score, q.band "
            "FROM parties p LEFT JOIN profiles q USING (party_id) WHERE p.party_id = ?",
            [party_id],
        )
        if not found:
            return None
        out = found[0]
        out["registration_date"] = _day(out["registration_date"])
        reasons = q(
            "SELECT kind, agent, score, period, reason_en, reason_ru, evidence "
            "FROM findings WHERE party_id = ? ORDER BY score DESC, kind LIMIT 50",
            [party_id],
        )
        for r in reasons:
            r["period"] = _day(r["period"])
            try:
                r["evidence"] = json.loads(r["evidence"]) if r["evidence"] else None
            except ValueError:
                r["evidence"] = {"text": r["evidence"]}
        out["reasons"] = reasons
        out["history"] = [
            {"period": _day(h["period"]), "score": h["score"], "band": h["band"]}
            for h in q(
                "SELECT period, score, band FROM profile_history "
                "WHERE party_id = ? ORDER BY period",
                [party_id],
            )
        ]
        return out

    def graph(self, party_id: str, hops: int = 2) -> dict[str, Any] | None:
        """Counterparties up to ``hops`` away; the heaviest edges kept."""
        self.refresh()
        q = self.store.query
        if not q("SELECT 1 FROM parties WHERE party_id = ?", [party_id]):
            return None
        edges = q(
            """
            WITH one AS (
                SELECT * FROM web_edges WHERE source = $c OR target = $c
            ), near AS (
                SELECT source AS id FROM one UNION SELECT target FROM one
            ), two AS (
                SELECT * FROM web_edges
                WHERE $hops >= 2
                  AND (source IN (SELECT id FROM near)
                       OR target IN (SELECT id FROM near))
                  AND NOT (source = $c OR target = $c)
            )
            SELECT *, 1 AS hop FROM one
            UNION ALL
            SELECT *, 2 AS hop FROM two
            ORDER BY hop, amount_usd DESC
            """,
            {"c": party_id, "hops": hops},  # type: ignore[arg-type]
        )
        hop = {party_id: 0}
        kept = []
        for e in edges:
            new = [end for end in (e["source"], e["target"]) if end not in hop]
            if len(hop) + len(new) > GRAPH_NODES:
                continue
            for end in new:
                hop[end] = e["hop"]
            kept.append(e)
        ids = list(hop)
        info = {
            r["party_id"]: r
            for r in q(
                "SELECT p.party_id, p.name, p.country, q.score, q.band "
                "FROM parties p LEFT JOIN profiles q USING (party_id) "
                "WHERE p.party_id IN (SELECT unnest(?))",
                [ids],
            )
        }
        nodes = [
            {
                "id": i,
                "name": info.get(i, {}).get("name"),
                "country": info.get(i, {}).get("country"),
                "score": info.get(i, {}).get("score"),
                "band": info.get(i, {}).get("band"),
                "hops": hop[i],
            }
            for i in ids
        ]
        bands = {n["id"]: n["band"] for n in nodes}
        return {
            "center": party_id,
            "nodes": nodes,
            "edges": [
                {
                    "source": e["source"],
                    "target": e["target"],
                    "amount_usd": e["amount_usd"],
                    "invoices": e["invoices"],
                    "risky": "high" in (bands.get(e["source"]), bands.get(e["target"])),
                }
                for e in kept
            ],
        }

    # -- trade turnover ------------------------------------------------------
    def turnover(
        self,
        *,
        by: str = "partner",
        year: int | None = None,
        country: str | None = None,
        partners: list[str] | None = None,
    ) -> dict[str, Any]:
        self.refresh()
        q = self.store.query
        years = [
            r["y"]
            for r in q("SELECT DISTINCT year(month) AS y FROM web_trade ORDER BY 1")
        ]
        if year is None:
            year = years[-1] if years else date.today().year
        # This year so far against the same months of the year before.
        last = (
            q(
                "SELECT max(month(month)) AS m FROM web_trade WHERE year(month) = ?",
                [year],
            )[0]["m"]
            or 12
        )
        if country:
            flows = (
                "SELECT *, CASE WHEN exporter = $country THEN importer "
                "ELSE exporter END AS partner "
                "FROM web_trade WHERE $country IN (exporter, importer)"
            )
        else:
            flows = "SELECT *, exporter AS partner FROM web_trade"
        key = {
            "partner": "partner",
            "pair": "exporter || ' → ' || importer",
            "chapter": "chapter",
            "month": "lpad(CAST(month(month) AS VARCHAR), 2, '0')",
        }[by]
        params: dict[str, Any] = {"year": year, "last": last}
        if country:
            params["country"] = country
        group = ""
        if partners:
            group = "AND partner IN (SELECT unnest($partners))"
            params["partners"] = partners
        rows = q(
            f"""
            WITH f AS ({flows})
            SELECT {key} AS key,
                   sum(value) FILTER (WHERE year(month) = $year) AS value,
                   sum(value) FILTER (WHERE year(month) = $year - 1) AS previous
            FROM f
            WHERE year(month) IN ($year, $year - 1) AND month(month) <= $last {group}
            GROUP BY 1 ORDER BY value DESC NULLS LAST, key
            """,
            params,  # type: ignore[arg-type]
        )
        out_rows = []
        total_v = total_p = 0.0
        for r in rows:
            v, p = float(r["value"] or 0.0), float(r["previous"] or 0.0)
            total_v, total_p = total_v + v, total_p + p
            out_rows.append(
                {
                    "key": r["key"],
                    "label": r["key"],
                    "value": v,
                    "previous": p,
                    "change": _change(v, p),
                }
            )
        if by == "month":
            out_rows.sort(key=lambda r: str(r["key"]))
        return {
            "year": year,
            "previous_year": year - 1,
            "months": last,
            "by": by,
            "rows": out_rows,
            "total": {
                "value": total_v,
                "previous": total_p,
                "change": _change(total_v, total_p),
            },
            "years": years,
        }


def _change(value: float, previous: float) -> float | None:
    return value / previous - 1.0 if previous else None


def _outcome(fraud: Any, revenue: Any, on: Any) -> dict[str, Any]:
    return {
        "fraud": bool(fraud),
        "additional_revenue": None if revenue is None else float(revenue),
        "inspected_on": _day(on),
    }


def _queue_item(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "declaration_id": r["declaration_id"],
        "date": _day(r["date"]),
        "office_id": r["office_id"],
        "importer_id": r["importer_id"],
        "importer_name": r["importer_name"],
        "country_origin": r["country_origin"],
        "hs_code": r["hs_code"],
        "chapter": r["chapter"],
        "description": r["description"],
        "lines": r["lines"],
        "customs_value": r["customs_value"],
        "risk": r["risk"],
        "band": r["band"],
        "rank": r["rank"],
        **_reasons(r["reasons"]),
        "outcome": None
        if r["o_fraud"] is None
        else _outcome(r["o_fraud"], r["o_revenue"], r["o_on"]),
    }
