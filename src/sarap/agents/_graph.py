"""Features of every party in a graph of transfers, as SQL.

The input is any list of transfers (``src, dst, amount, t``; ``t`` in days):
e-invoices (seller to buyer), bank transfers (payer to payee). Out of it, per
party: what a raw ledger shows (counts, sums, counterparties), how much passes
through, bursts of many payers or payees with similar amounts in a few days
(fan-in, fan-out) and whether they repeat like a payroll, and money cycles:
chains of transfers that come back to where they started, hop after hop in
time order, each hop a little smaller. Then the same one hop out (the risk of
a party's counterparties) and, when some parties are known offenders, how
close each party stands to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from sarap.backends import Backend, SupportsTempTables


@dataclass(frozen=True)
class GraphSettings:
    window_days: float = 7.0
    """Width of the window in which a burst of payers or payees counts."""
    similar: float = 0.3
    """A burst's amounts are similar when their coefficient of variation is
    below this; a share is like the burst's when within this of its median."""
    repeats: int = 2
    """A payer and payee that meet in more windows than this are a routine
    pair, left out of the search for bursts; a burst that comes back in more
    windows than this is a routine too."""
    wide: float = 4.0
    """A second, looser look: windows this many times wider, amounts allowed
    twice the spread (slow fan-ins of uneven shares)."""
    cycle_max_length: int = 8
    cycle_gap_days: float = 15.0
    """Longest wait between one hop of a cycle and the next."""
    cycle_min_ratio: float = 0.5
    """A hop may keep as little as this share of the previous hop's amount..."""
    cycle_max_ratio: float = 1.1
    """... and carry at most this much more (fees go the other way, but
    amounts are rounded and topped up)."""


def scales(s: GraphSettings) -> list[tuple[str, float, float]]:
    """(feature-name suffix, window days, similarity) of each look at bursts."""
    return [
        ("", s.window_days, s.similar),
        ("_wide", s.window_days * s.wide, min(1.0, s.similar * 2)),
    ]


AGG_SQL = """
CREATE OR REPLACE TEMP TABLE _g_parties AS
WITH o AS (
    SELECT src AS party, count(*) AS out_n, sum(amount) AS out_sum,
           avg(amount) AS out_mean, stddev_pop(amount) AS out_std,
           max(amount) AS out_max, count(DISTINCT dst) AS out_parties,
           min(t) AS out_first, max(t) AS out_last
    FROM _g_edges GROUP BY src
), i AS (
    SELECT dst AS party, count(*) AS in_n, sum(amount) AS in_sum,
           avg(amount) AS in_mean, stddev_pop(amount) AS in_std,
           max(amount) AS in_max, count(DISTINCT src) AS in_parties,
           min(t) AS in_first, max(t) AS in_last
    FROM _g_edges GROUP BY dst
), p AS (SELECT src AS party FROM _g_edges UNION SELECT dst FROM _g_edges)
SELECT p.party,
       COALESCE(out_n, 0) AS out_n, COALESCE(out_sum, 0) AS out_sum,
       out_mean, out_std / NULLIF(out_mean, 0) AS out_cv, out_max,
       COALESCE(out_parties, 0) AS out_parties,
       COALESCE(in_n, 0) AS in_n, COALESCE(in_sum, 0) AS in_sum,
       in_mean, in_std / NULLIF(in_mean, 0) AS in_cv, in_max,
       COALESCE(in_parties, 0) AS in_parties,
       least(COALESCE(in_sum, 0), COALESCE(out_sum, 0))
         / NULLIF(greatest(COALESCE(in_sum, 0), COALESCE(out_sum, 0)), 0)
         AS pass_through,
       greatest(COALESCE(out_last, in_last), COALESCE(in_last, out_last))
         - least(COALESCE(out_first, in_first), COALESCE(in_first, out_first))
         AS active_days,
       CASE WHEN in_first IS NOT NULL AND out_first IS NOT NULL
            THEN out_first - in_first END AS first_out_after_in
FROM p LEFT JOIN o USING (party) LEFT JOIN i USING (party)
"""

# Routine relationships: a payer and payee that meet in more windows than
# ``repeats`` (a standing order, a payroll, a club's dues, a regular
# supplier). Bursts are looked for among the other transfers only, so that a
# group that pays one account again and again is never a one-off burst, even
# in the window where its amounts happen to look alike.
ONCE_SQL = """
CREATE OR REPLACE TEMP TABLE _g_routine{sfx} AS
SELECT src, dst FROM _g_edges GROUP BY src, dst
HAVING count(DISTINCT floor(t / {width})) > {repeats};
CREATE OR REPLACE TEMP TABLE _g_edges{sfx}_once AS
SELECT e.* FROM _g_edges e
LEFT JOIN _g_routine{sfx} r ON r.src = e.src AND r.dst = e.dst
WHERE r.src IS NULL
"""

# Bursts: per party and window (two grids half a window apart, so that a
# burst is never cut in two), distinct counterparties and amount spread.
BURST_SQL = """
CREATE OR REPLACE TEMP TABLE _g_{side}{sfx}_windows AS
SELECT {hub} AS hub, w.phase, floor((t + w.phase) / {width}) AS win,
       count(DISTINCT {other}) AS parties,
       stddev_pop(amount) / NULLIF(avg(amount), 0) AS cv,
       median(amount) AS med
FROM _g_edges{sfx}_once, (VALUES (0.0), ({width} / 2)) AS w(phase)
GROUP BY hub, w.phase, win
"""

BURST_FEATURES_SQL = """
CREATE OR REPLACE TEMP TABLE _g_{side}{sfx} AS
WITH hub AS (
    SELECT hub AS party,
           max(parties) FILTER (WHERE cv < {similar}) AS {side}{sfx}_burst,
           count(DISTINCT win) FILTER (WHERE parties >= 5 AND cv < {similar}
                                        AND phase = 0) AS {side}{sfx}_burst_windows
    FROM _g_{side}{sfx}_windows GROUP BY hub
), pair AS (
    -- Each counterparty and hub: the biggest burst of the hub its share
    -- looks like, and in how many windows the two meet in such bursts.
    SELECT e.{other} AS party, e.{hub} AS hub, max(w.parties) AS parties,
           count(DISTINCT w.win) FILTER (WHERE w.phase = 0) AS windows
    FROM _g_edges{sfx}_once e JOIN _g_{side}{sfx}_windows w
      ON w.hub = e.{hub} AND w.win = floor((e.t + w.phase) / {width})
    WHERE w.cv < {similar} AND w.parties >= 3
      AND abs(e.amount / NULLIF(w.med, 0) - 1) < {tolerance}
    GROUP BY e.{other}, e.{hub}
), member AS (
    -- Memberships are one-off: routine pairs are not in the bursts at all.
    SELECT party, max(parties) AS {side}{sfx}_member_of,
           max(windows) AS {side}{sfx}_member_windows
    FROM pair GROUP BY party
), routine AS (
    SELECT {other} AS party, count(*) AS {side}{sfx}_routine_pairs
    FROM _g_routine{sfx} GROUP BY {other}
)
SELECT p.party, COALESCE({side}{sfx}_burst, 0) AS {side}{sfx}_burst,
       COALESCE({side}{sfx}_burst_windows, 0) AS {side}{sfx}_burst_windows,
       COALESCE({side}{sfx}_member_of, 0) AS {side}{sfx}_member_of,
       COALESCE({side}{sfx}_routine_pairs, 0) AS {side}{sfx}_routine_pairs,
       COALESCE({side}{sfx}_member_windows, 0) AS {side}{sfx}_member_windows
FROM _g_parties p LEFT JOIN hub USING (party) LEFT JOIN member USING (party)
LEFT JOIN routine USING (party)
"""

CYCLE_START_SQL = """
CREATE OR REPLACE TEMP TABLE _g_paths AS
SELECT src AS origin, dst AS cur, t AS t_last, amount AS a_last, t AS t_first,
       amount AS a_first, [src] AS path
FROM _g_edges
"""

CYCLE_STEP_SQL = """
CREATE OR REPLACE TEMP TABLE _g_next AS
SELECT p.origin, e.dst AS cur, e.t AS t_last, e.amount AS a_last, p.t_first,
       p.a_first, list_append(p.path, e.src) AS path
FROM _g_paths p JOIN _g_edges e
  ON e.src = p.cur AND e.t >= p.t_last AND e.t <= p.t_last + {gap}
 AND e.amount <= p.a_last * {upper} AND e.amount >= p.a_last * {ratio}
WHERE e.dst = p.origin OR NOT list_contains(p.path, e.dst)
"""

CYCLE_FEATURES_SQL = """
CREATE OR REPLACE TEMP TABLE _g_cycle AS
WITH m AS (
    SELECT unnest(path) AS party, len(path) AS length,
           days, 1 - a_last / a_first AS kept_back
    FROM _g_cycles
)
SELECT p.party, COALESCE(count(m.length), 0) AS cycles,
       min(m.length) AS cycle_length, min(m.days) AS cycle_days,
       min(m.kept_back) AS cycle_fee
FROM _g_parties p LEFT JOIN m USING (party)
GROUP BY p.party
"""

# One hop out: the strongest pattern signal among a party's counterparties.
NEIGHBOUR_SQL = """
CREATE OR REPLACE TEMP TABLE _g_hop AS
WITH pairs AS (
    SELECT src AS party, dst AS other FROM _g_edges
    UNION SELECT dst, src FROM _g_edges
)
SELECT pairs.party,
       max(c.cycles) AS nb_cycles_max,
       max(f.in_burst) AS nb_in_burst_max,
       max(o.out_burst) AS nb_out_burst_max,
       max(a.pass_through) AS nb_pass_through_max,
       avg(a.pass_through) AS nb_pass_through_mean,
       count(*) AS nb_parties
FROM pairs
JOIN _g_cycle c ON c.party = pairs.other
JOIN _g_in f ON f.party = pairs.other
JOIN _g_out o ON o.party = pairs.other
JOIN _g_parties a ON a.party = pairs.other
GROUP BY pairs.party
"""

# How close a party stands to known offenders: its counterparties, and the
# other payers of the parties it pays (co-members of a fan-in) and the other
# payees of the parties that pay it (co-members of a fan-out).
KNOWN_SQL = """
CREATE OR REPLACE TEMP TABLE _g_known AS
WITH pairs AS (
    SELECT src AS party, dst AS other, amount FROM _g_edges
    UNION ALL SELECT dst, src, amount FROM _g_edges
), hop AS (
    SELECT pairs.party, count(DISTINCT pairs.other) FILTER (WHERE k.label = 1)
             AS known_bad,
           count(DISTINCT pairs.other) FILTER (WHERE k.label IS NOT NULL)
             AS known,
           sum(pairs.amount) FILTER (WHERE k.label = 1)
             / NULLIF(sum(pairs.amount), 0) AS known_bad_amount_share
    FROM pairs LEFT JOIN _g_labels k ON k.party = pairs.other
    GROUP BY pairs.party
), co_in AS (
    SELECT a.src AS party, count(DISTINCT b.src) AS co_payers_bad
    FROM _g_edges a JOIN _g_edges b ON a.dst = b.dst AND b.src <> a.src
    JOIN _g_labels k ON k.party = b.src AND k.label = 1
    WHERE abs(b.t - a.t) <= {width}
    GROUP BY a.src
), co_out AS (
    SELECT a.dst AS party, count(DISTINCT b.dst) AS co_payees_bad
    FROM _g_edges a JOIN _g_edges b ON a.src = b.src AND b.dst <> a.dst
    JOIN _g_labels k ON k.party = b.dst AND k.label = 1
    WHERE abs(b.t - a.t) <= {width}
    GROUP BY a.dst
)
SELECT p.party, COALESCE(known_bad, 0) AS known_bad,
       known_bad / NULLIF(known, 0) AS known_bad_share,
       COALESCE(known_bad_amount_share, 0) AS known_bad_amount_share,
       COALESCE(co_payers_bad, 0) AS co_payers_bad,
       COALESCE(co_payees_bad, 0) AS co_payees_bad
FROM _g_parties p LEFT JOIN hop USING (party) LEFT JOIN co_in USING (party)
LEFT JOIN co_out USING (party)
"""


def graph_features(
    backend: Backend,
    edges: pa.Table,
    settings: GraphSettings,
    known: pa.Table | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Per-party features and the cycles found.

    ``edges`` has ``src, dst, amount, t`` (days); ``known`` (optional) has
    ``party, label`` for parties whose outcome is known. Returns the feature
    table (one row per party, ``party`` first) and the cycles (``path``,
    ``days``, first and last ``amount``).
    """
    if not isinstance(backend, SupportsTempTables):
        raise TypeError(f"backend {backend.name} cannot register temp tables")
    be = backend
    be.register("_g_in_edges", edges)
    be.execute(
        "CREATE OR REPLACE TEMP TABLE _g_edges AS SELECT src, dst, amount, t "
        "FROM _g_in_edges WHERE src <> dst"
    )
    be.unregister("_g_in_edges")
    be.execute(AGG_SQL)
    width = settings.window_days
    for sfx, days, similar in scales(settings):
        be.execute(ONCE_SQL.format(sfx=sfx, width=days, repeats=settings.repeats))
        for side, hub, other in (("in", "dst", "src"), ("out", "src", "dst")):
            args = dict(
                side=side,
                hub=hub,
                other=other,
                width=days,
                similar=similar,
                sfx=sfx,
                repeats=settings.repeats,
                # A share is like the burst's when within this of its median
                # (the wide look: up to 80 % off it).
                tolerance=similar if sfx == "" else 0.8,
            )
            be.execute(BURST_SQL.format(**args))
            be.execute(BURST_FEATURES_SQL.format(**args))
    cycles = _cycles(be, settings)
    be.register("_g_cycles", cycles)
    be.execute(CYCLE_FEATURES_SQL)
    be.unregister("_g_cycles")
    be.execute(NEIGHBOUR_SQL)
    select = [
        "p.*",
        "f.* EXCLUDE (party)",
        "o.* EXCLUDE (party)",
        "c.* EXCLUDE (party)",
        "h.* EXCLUDE (party)",
    ]
    joins = [
        "JOIN _g_in f USING (party)",
        "JOIN _g_out o USING (party)",
        "JOIN _g_cycle c USING (party)",
        "LEFT JOIN _g_hop h USING (party)",
    ]
    for sfx, _, _ in scales(settings)[1:]:
        for side in ("in", "out"):
            select.append(f"{side}{sfx}.* EXCLUDE (party)")
            joins.append(f"JOIN _g_{side}{sfx} {side}{sfx} USING (party)")
    if known is not None:
        be.register("_g_labels", known)
        be.execute(KNOWN_SQL.format(width=width))
        be.unregister("_g_labels")
        select.append("k.* EXCLUDE (party)")
        joins.append("JOIN _g_known k USING (party)")
    feats = be.sql(
        f"SELECT {', '.join(select)} FROM _g_parties p {' '.join(joins)} "
        "ORDER BY p.party"
    )
    for t in ("parties", "cycle", "hop"):
        be.execute(f"DROP TABLE IF EXISTS _g_{t}")
    for sfx, _, _ in scales(settings):
        for side in ("in", "out"):
            be.execute(f"DROP TABLE IF EXISTS _g_{side}{sfx}_windows")
            be.execute(f"DROP TABLE IF EXISTS _g_{side}{sfx}")
        be.execute(f"DROP TABLE IF EXISTS _g_routine{sfx}")
        be.execute(f"DROP TABLE IF EXISTS _g_edges{sfx}_once")
    be.execute("DROP TABLE IF EXISTS _g_known; DROP TABLE IF EXISTS _g_edges")
    return feats, cycles


def _cycles(be: Backend, s: GraphSettings) -> pa.Table:
    """Closed chains of 3 or more hops, in time order, amounts shrinking."""
    be.execute(CYCLE_START_SQL)
    found = []
    for hop in range(2, s.cycle_max_length + 1):
        be.execute(
            CYCLE_STEP_SQL.format(
                gap=s.cycle_gap_days, ratio=s.cycle_min_ratio, upper=s.cycle_max_ratio
            )
        )
        if hop >= 3:
            found.append(
                be.sql(
                    "SELECT path, t_last - t_first AS days, a_first, a_last "
                    "FROM _g_next WHERE cur = origin"
                )
            )
        be.execute(
            "CREATE OR REPLACE TEMP TABLE _g_paths AS "
            "SELECT * FROM _g_next WHERE cur <> origin"
        )
        left = be.sql("SELECT count(*) AS n FROM _g_paths").column("n")[0].as_py()
        if not left:
            break
    be.execute("DROP TABLE IF EXISTS _g_paths; DROP TABLE IF EXISTS _g_next")
    if not found:
        return pa.table(
            {
                "path": pa.array([], pa.list_(pa.string())),
                "days": pa.array([], pa.float64()),
                "a_first": pa.array([], pa.float64()),
                "a_last": pa.array([], pa.float64()),
            }
        )
    return pa.concat_tables(found)
