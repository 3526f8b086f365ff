"""Benchmarks of the analyst web app on a large workspace.

1. A workspace of 1,000,000 scored declarations (about 1.85 million goods
   lines from our simulator, eleven months inspected, the twelfth new) plus a
   2,000-taxpayer e-invoice economy, built once into ``--workdir`` by the real
   pipeline: ``ingest`` of Parquet files, then ``run_all`` (network,
   declarations, taxpayer profiles). ``run_all`` ranks the declarations not
   yet inspected; the inspected ones are then scored with the same saved
   model, so the queue holds every declaration. Later runs reuse it.
2. ``sarap serve`` in its own process on loopback: time to the first answer,
   then p50 / p99 over at least 200 requests each of the queue (first page,
   filtered, sorted by value on a deep page), a declaration, a taxpayer's
   profile and graph, turnover by partner and the UI page.
3. A load run: ``--users`` analysts, each signed in with its own session,
   loop for ``--seconds`` over a realistic mix (queue pages with varied
   filters and pages, a declaration, turnover); requests, errors (any non-2xx
   or exception), throughput and latency under load.
4. The server's memory (RSS) after start, after the latency runs and after
   the load.

The client runs on the same machine as the server (asyncio, one process), so
the figures include its share of the CPU.

Prints one JSON object per figure, a markdown table and the command that
reproduces it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from bench_declarations import machine  # the same machine line as the others

ROOT = Path(__file__).resolve().parents[1]
SARAP = Path(sys.executable).with_name("sarap")
# Bump when the way the workspace is built changes, so a stale cache is rebuilt.
BUILD_VERSION = 1
# simulate_declarations: 1,000,000 lines hold about 536,000 declarations.
LINES_PER_DECLARATION = 1.866


def report(name: str, **figures: object) -> dict[str, object]:
    row = {"benchmark": name, **figures}
    print(json.dumps(row), flush=True)
    return row


def log(msg: str) -> None:
    print(f"# {msg}", file=sys.stderr, flush=True)


# -- 1. the workspace ---------------------------------------------------------


def build_workspace(folder: Path, declarations: int, taxpayers: int) -> dict[str, Any]:
    """Build (or reuse) the benchmark workspace; returns what build.json says."""
    stamp = folder / "build.json"
    want = {
        "version": BUILD_VERSION,
        "declarations": declarations,
        "taxpayers": taxpayers,
    }
    if stamp.is_file():
        info: dict[str, Any] = json.loads(stamp.read_text())
        if (
            all(info.get(k) == v for k, v in want.items())
            and (folder / "sarap.duckdb").is_file()
        ):
            info["reused"] = True
            return info
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("sarap.*"):
        if stale.is_file():
            stale.unlink()
        else:
            shutil.rmtree(stale)
    stamp.unlink(missing_ok=True)
    info = {**want, **_build(folder, declarations, taxpayers), "reused": False}
    stamp.write_text(json.dumps(info, indent=1))
    return info


def _months_split(table: Any, last_month: Any) -> tuple[Any, Any]:
    """Inspected lines (before ``last_month``) with outcomes, new ones without."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dates = table.column("date").cast(pa.date32())
    new = pc.greater_equal(dates, pa.scalar(last_month, pa.date32()))
    old = table.filter(pc.invert(new)).drop_columns(["scheme"])
    recent = table.filter(new).drop_columns(["fraud", "additional_revenue", "scheme"])
    return old, recent


def _build(folder: Path, declarations: int, taxpayers: int) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    from sarap.agents._queue import load_model, rank_declarations
    from sarap.agents._run import _models_folder, run_all
    from sarap.backends import SupportsTempTables
    from sarap.pipeline import ingest
    from sarap.simulate import (
        USD_PER_UNIT,
        simulate_declarations,
        simulate_economy,
        simulate_parties,
        write_table,
    )
    from sarap.store import Workspace

    steps: dict[str, float] = {}
    t0 = t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        steps[name] = round(now - t, 1)
        log(f"{name}: {now - t:.1f} s")
        t = now

    files = folder / "files"
    files.mkdir(exist_ok=True)
    econ = simulate_economy(taxpayers, months=12, seed=0)
    e_decl = econ.declarations
    e_count = pc.count_distinct(e_decl.column("declaration_id")).as_py()
    # The rest are the simulator's declarations: a little more than needed,
    # then whole declarations dropped at random down to the exact number.
    need = declarations - e_count
    lines = simulate_declarations(
        int(need * LINES_PER_DECLARATION * 1.02) + 100, seed=0, months=12
    )
    ids = lines.column("declaration_id")
    unique = pc.unique(ids)
    # The economy numbers its declarations the same way: keep the ids apart.
    unique = unique.filter(pc.invert(pc.is_in(unique, e_decl.column("declaration_id"))))
    if len(unique) < need:
        raise SystemExit(f"simulated {len(unique):,} declarations, need {need:,}")
    rng = np.random.default_rng(0)
    keep = unique.take(pa.array(np.sort(rng.choice(len(unique), need, replace=False))))
    lines = lines.filter(pc.is_in(ids, keep))
    last_month = pc.max(lines.column("date")).as_py().replace(day=1)
    old, recent = _months_split(lines, last_month)
    e_old, e_recent = _months_split(e_decl, last_month)
    rates = econ.exchange_rates
    have = set(rates.column("currency").to_pylist())
    extra = [c for c in USD_PER_UNIT if c not in have]
    rates = pa.concat_tables(
        [
            rates,
            pa.table(
                {
                    "currency": pa.array(extra),
                    "valid_from": pa.array(
                        [rates.column("valid_from")[0].as_py()] * len(extra),
                        rates.column("valid_from").type,
                    ),
                    "usd_per_unit": pa.array([USD_PER_UNIT[c] for c in extra]),
                }
            ),
        ]
    )
    tables = {
        "declarations_inspected": old,
        "declarations_new": recent,
        "parties": simulate_parties(lines),
        "economy_parties": econ.parties,
        "economy_invoices": econ.invoices,
        "economy_vat_returns": econ.vat_returns,
        "economy_declarations_inspected": e_old,
        "economy_declarations_new": e_recent,
        "exchange_rates": rates,
    }
    n_lines = lines.num_rows + e_decl.num_rows
    for name, table in tables.items():
        write_table(table, files / f"{name}.parquet")
    del lines, old, recent, tables, ids, unique, keep
    lap("simulate and write files")

    ws_path = folder / "sarap.duckdb"
    with Workspace(ws_path) as ws:
        for name in (
            "parties",
            "economy_parties",
            "exchange_rates",
            "economy_invoices",
            "economy_vat_returns",
            "declarations_inspected",
            "economy_declarations_inspected",
            "declarations_new",
            "economy_declarations_new",
        ):
            got = ingest(ws, files / f"{name}.parquet")
            if got.quarantined:
                log(f"{name}: {got.quarantined:,} rows quarantined: {got.reasons}")
        lap("ingest")
        ran = run_all(ws, progress=lambda s: log(f"run_all: {s}"))
        log(f"run_all: {ran.ran}")
        lap("run_all (network, declarations, taxpayers)")
        # run_all ranks the declarations not yet inspected; score the
        # inspected ones with the model it saved, as its _declarations does.
        model = load_model(_models_folder(ws, None) / "declarations")
        rest = ws.sql(
            "SELECT l.* FROM declaration_lines l WHERE NOT EXISTS "
            "(SELECT 1 FROM scored_declarations s "
            "WHERE s.declaration_id = l.declaration_id) "
            "ORDER BY l.date, l.declaration_id, l.item_no"
        )
        queue = rank_declarations(model, rest, explain=None)
        del rest
        be = ws.backend
        assert isinstance(be, SupportsTempTables)
        be.register("_queue", queue.select(["declaration_id", "risk", "reasons"]))
        be.execute(
            "INSERT OR REPLACE INTO scored_declarations "
            "SELECT declaration_id, risk, reasons, ? FROM _queue",
            [ran.run_id],
        )
        be.unregister("_queue")
        del queue
        lap("score the inspected declarations too")
        counts = {
            t: int(ws.sql(f"SELECT count(*) FROM {t}").column(0)[0].as_py())
            for t in (
                "declarations",
                "scored_declarations",
                "outcomes",
                "parties",
                "profiles",
                "invoices",
            )
        }
        counts["declarations"] = int(
            ws.sql("SELECT count(DISTINCT declaration_id) FROM declarations")
            .column(0)[0]
            .as_py()
        )
        be.execute("CHECKPOINT")
    counts["lines"] = n_lines
    return {
        "build_seconds": round(time.perf_counter() - t0, 1),
        "steps": steps,
        "counts": counts,
        "size_mb": round(ws_path.stat().st_size / 2**20),
        "peak_gib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2
        ),
    }


# -- 2. the server ------------------------------------------------------------

ANALYST_ROLE = "analyst"
PASSWORD = "bench-web-password"  # the bench users of a throwaway workspace


def add_users(ws_path: Path, users: int) -> dict[str, str]:
    """Bench users (``bench-analyst-NN`` and one auditor), created once, with
    the same function as the users page: name -> role."""
    from sarap.store import Workspace
    from sarap.web import WebStore

    wanted = {f"bench-analyst-{i:02d}": ANALYST_ROLE for i in range(1, users + 1)}
    wanted["bench-auditor"] = "auditor"
    with Workspace(ws_path) as ws:
        store = WebStore(ws)
        have = {u["username"] for u in store.users()}
        for name, role in wanted.items():
            if name not in have:
                store.add_user(name, PASSWORD, role)
    return wanted


def samples(ws_path: Path, seed: int = 1) -> dict[str, Any]:
    """What the clients ask for: ids and filter values drawn from the data."""
    from sarap.store import Workspace

    def col(ws: Any, sql: str) -> list[Any]:
        return ws.sql(sql).column(0).to_pylist()

    with Workspace(ws_path) as ws:
        found = {
            "declarations": col(
                ws,
                "SELECT declaration_id FROM scored_declarations "
                f"USING SAMPLE reservoir(2000 ROWS) REPEATABLE ({seed})",
            ),
            "filters": ws.sql(
                "SELECT country_origin AS country, left(hs_code, 2) AS chapter, "
                "office_id AS office, date FROM declarations "
                f"USING SAMPLE reservoir(2000 ROWS) REPEATABLE ({seed})"
            ).to_pylist(),
            # Taxpayers with e-invoices (the economy's), so graphs have edges.
            "taxpayers": col(
                ws,
                "SELECT party_id FROM (SELECT DISTINCT seller_id AS party_id "
                "FROM invoices) JOIN profiles USING (party_id) "
                f"USING SAMPLE reservoir(500 ROWS) REPEATABLE ({seed})",
            ),
            "countries": col(
                ws, "SELECT DISTINCT seller_country FROM invoices ORDER BY 1"
            ),
            "importers": col(
                ws,
                "SELECT name FROM parties WHERE name IS NOT NULL "
                f"USING SAMPLE reservoir(500 ROWS) REPEATABLE ({seed})",
            ),
            "year": ws.sql("SELECT max(year(date)) FROM declarations")
            .column(0)[0]
            .as_py(),
            "total": ws.sql("SELECT count(*) FROM scored_declarations")
            .column(0)[0]
            .as_py(),
        }
    for f in found["filters"]:
        f["date"] = f["date"].isoformat()
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(ws_path: Path, log_file: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``sarap serve`` in its own process; returns it and its base URL."""
    port = free_port()
    cmd = [str(SARAP), "serve", "--workspace", str(ws_path)]
    cmd += ["--host", "127.0.0.1", "--port", str(port)]
    with log_file.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


def wait_up(proc: subprocess.Popen[bytes], url: str, log_file: Path) -> float:
    started = time.perf_counter()
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"sarap serve exited:\n{log_file.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=1.0).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        if time.perf_counter() - started > 600:
            raise SystemExit("sarap serve did not answer within 10 minutes")
        time.sleep(0.05)


def memory(pid: int) -> dict[str, float]:
    """Resident and peak resident memory of a process, in MiB."""
    got = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            got[key] = round(int(value.split()[0]) / 1024)
    return {"rss_mib": got["VmRSS"], "peak_rss_mib": got["VmHWM"]}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all processes)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ticks = [int(x) for x in fields]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def sign_in(client: httpx.Client, username: str) -> None:
    r = client.post("/api/login", json={"username": username, "password": PASSWORD})
    r.raise_for_status()


def percentiles(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {
        "p50_ms": round(float(np.percentile(a, 50)), 1),
        "p99_ms": round(float(np.percentile(a, 99)), 1),
    }


# -- 3. the requests ----------------------------------------------------------

Request = tuple[str, dict[str, Any]]


def latency_requests(
    s: dict[str, Any], n: int, seed: int = 2
) -> dict[str, list[Request]]:
    """``n`` requests per endpoint, varied where the endpoint takes input."""
    rng = np.random.default_rng(seed)
    pick = lambda xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    pages = max(1, -(-s["total"] // 50))
    deep = min(5000, pages)
    tax = s["taxpayers"] or [None]
    return {
        "queue, first page (risk)": [("/api/queue", {})] * n,
        "queue, band + country + chapter": [
            (
                "/api/queue",
                {
                    "band": pick(["high", "medium", "low"]),
                    "country": (f := pick(s["filters"]))["country"],
                    "chapter": f["chapter"],
                },
            )
            for _ in range(n)
        ],
        f"queue, by value, page ~{deep:,}": [
            (
                "/api/queue",
                {
                    "sort": "value",
                    "page": int(rng.integers(max(1, deep - 100), deep + 1)),
                },
            )
            for _ in range(n)
        ],
        "queue, importer name search": [
            ("/api/queue", {"q": pick(s["importers"]).split()[0]}) for _ in range(n)
        ],
        "declaration": [
            (f"/api/declarations/{pick(s['declarations'])}", {}) for _ in range(n)
        ],
        "taxpayer profile": [(f"/api/taxpayers/{pick(tax)}", {}) for _ in range(n)],
        "taxpayer graph (2 hops)": [
            (f"/api/taxpayers/{pick(tax)}/graph", {"hops": 2}) for _ in range(n)
        ],
        "turnover by partner": [
            (
                "/api/turnover",
                {"by": "partner", "year": s["year"]}
                | ({"country": c} if (c := pick([None, *s["countries"]])) else {}),
            )
            for _ in range(n)
        ],
        "UI page /": [("/", {})] * n,
    }


def load_request(s: dict[str, Any], rng: np.random.Generator) -> tuple[str, Request]:
    """One step of an analyst's session: mostly the queue, then a declaration."""
    pick = lambda xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    u = rng.random()
    if u < 0.30:
        return "queue", ("/api/queue", {"page": int(rng.integers(1, 11))})
    if u < 0.60:
        f = pick(s["filters"])
        params: dict[str, Any] = {}
        for key in ("band", "country", "chapter", "office", "date"):
            if rng.random() < 0.35:
                if key == "band":
                    params["band"] = pick(["high", "medium", "low"])
                elif key == "date":
                    params["date_from"] = params["date_to"] = f["date"]
                else:
                    params[key] = f[key]
        params["sort"] = pick(["risk", "risk", "date", "value"])
        params["order"] = pick(["desc", "desc", "asc"])
        params["page"] = int(rng.integers(1, 6)) if params else 1
        return "queue, filtered", ("/api/queue", params)
    if u < 0.90:
        return "declaration", (f"/api/declarations/{pick(s['declarations'])}", {})
    return "turnover", (
        "/api/turnover",
        {"by": pick(["partner", "partner", "chapter", "month"]), "year": s["year"]},
    )


def measure_latency(url: str, s: dict[str, Any], n: int) -> list[dict[str, object]]:
    out = []
    with (
        httpx.Client(base_url=url, timeout=120) as analyst,
        httpx.Client(base_url=url, timeout=120) as auditor,
    ):
        sign_in(analyst, "bench-analyst-01")
        sign_in(auditor, "bench-auditor")
        for name, reqs in latency_requests(s, n).items():
            client = auditor if name.startswith("taxpayer") else analyst
            t = time.perf_counter()
            first = client.get(reqs[0][0], params=reqs[0][1])
            cold = (time.perf_counter() - t) * 1000
            ms, errors = [], 0
            for path, params in reqs:
                t = time.perf_counter()
                r = client.get(path, params=params)
                ms.append((time.perf_counter() - t) * 1000)
                errors += not r.is_success
            extra: dict[str, object] = {}
            if path == "/api/queue":
                extra["total_of_last"] = first.json().get("total")
            out.append(
                report(
                    f"GET {name}",
                    requests=len(ms),
                    **percentiles(ms),
                    first_ms=round(cold, 1),
                    errors=errors,
                    **extra,
                )
            )
    return out


async def _signed_in(url: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, timeout=60)
    r = await client.post(
        "/api/login", json={"username": username, "password": PASSWORD}
    )
    r.raise_for_status()
    return client


async def _user(
    client: httpx.AsyncClient,
    s: dict[str, Any],
    seed: int,
    deadline: float,
    got: dict[str, list[float]],
    errors: Counter[str],
) -> None:
    rng = np.random.default_rng(seed)
    while time.perf_counter() < deadline:
        kind, (path, params) = load_request(s, rng)
        t = time.perf_counter()
        try:
            r = await client.get(path, params=params)
            if not r.is_success:
                errors[f"{kind}: HTTP {r.status_code}"] += 1
        except httpx.HTTPError as exc:
            errors[f"{kind}: {type(exc).__name__}"] += 1
        got.setdefault(kind, []).append((time.perf_counter() - t) * 1000)


def load_run(
    url: str, s: dict[str, Any], users: int, seconds: float, pid: int
) -> dict[str, object]:
    got: dict[str, list[float]] = {}
    errors: Counter[str] = Counter()
    clock: dict[str, float] = {}

    async def run() -> None:
        # Everyone signs in first (scrypt, about 50 ms each), then the clock runs.
        t = time.perf_counter()
        clients = await asyncio.gather(
            *(_signed_in(url, f"bench-analyst-{i:02d}") for i in range(1, users + 1))
        )
        clock["sign_in"] = time.perf_counter() - t
        clock["cpu0"], clock["own0"] = cpu_seconds(pid), time.process_time()
        clock["all0"] = busy_seconds()
        clock["t0"] = time.perf_counter()
        deadline = clock["t0"] + seconds
        await asyncio.gather(
            *(
                _user(c, s, 100 + i, deadline, got, errors)
                for i, c in enumerate(clients)
            )
        )
        clock["wall"] = time.perf_counter() - clock["t0"]
        clock["cpu1"], clock["own1"] = cpu_seconds(pid), time.process_time()
        clock["all1"] = busy_seconds()
        for c in clients:
            await c.aclose()

    asyncio.run(run())
    wall = clock["wall"]
    server = clock["cpu1"] - clock["cpu0"]
    # Everything else on the machine meanwhile (other people's work).
    other = clock["all1"] - clock["all0"] - server - (clock["own1"] - clock["own0"])
    every = [x for xs in got.values() for x in xs]
    n = len(every)
    return report(
        f"load: {users} signed-in analysts, {seconds:g} s",
        requests=n,
        errors=sum(errors.values()),
        error_kinds=dict(errors),
        requests_per_second=round(n / wall, 1),
        **percentiles(every or [0.0]),
        by_kind={k: {"requests": len(v), **percentiles(v)} for k, v in got.items()},
        seconds=round(wall, 1),
        server_cpu_cores=round(server / wall, 2),
        server_cpu_ms_per_request=round(1000 * server / max(n, 1), 1),
        client_cpu_cores=round((clock["own1"] - clock["own0"]) / wall, 2),
        other_cpu_cores=round(max(0.0, other) / wall, 2),
        sign_in_seconds=round(clock["sign_in"], 1),
    )


# -- the summary --------------------------------------------------------------


def _ms(row: dict[str, Any]) -> str:
    return f"p50 {row['p50_ms']:.0f} ms, p99 {row['p99_ms']:.0f} ms"


def summary_table(
    info: dict[str, Any],
    start: dict[str, Any],
    latency: list[dict[str, Any]],
    load: dict[str, Any],
    mem: dict[str, Any],
    n: int,
) -> str:
    c = info["counts"]
    steps = ", ".join(f"{k} {v:.0f} s" for k, v in info["steps"].items())
    rows = [
        (
            f"workspace: {c['declarations']:,} scored declarations "
            f"({c['lines']:,} goods lines), {c['parties']:,} parties, "
            f"{c['invoices']:,} invoice records; built once, then reused",
            f"{info['build_seconds'] / 60:.1f} min ({steps}), peak "
            f"{info.get('peak_gib', '?')} GiB; DuckDB file {info['size_mb']:,} MB",
        ),
        (
            "`sarap serve` start until it answers (it builds the derived tables first) "
            "/ the first queue page after",
            f"{start['health_seconds']:.1f} s / {start['first_queue_seconds']:.1f} s",
        ),
    ]
    for r in latency:
        rows.append((f"{r['benchmark']} ({n} requests)", _ms(r)))
    rows.append(
        (
            f"{load['benchmark']} (each its own session; queue pages with varied "
            "filters, declarations, turnover; no think time)",
            f"{load['requests']:,} requests, **{load['requests_per_second']:.0f} "
            f"req/s**, {_ms(load)}, {load['errors']} errors; server "
            f"{load['server_cpu_cores']:.1f} cores, client "
            f"{load['client_cpu_cores']:.1f}, other processes "
            f"{load['other_cpu_cores']:.1f} ({load['server_cpu_ms_per_request']:.0f} "
            "ms of server CPU a request)",
        )
    )
    rows.append(
        (
            "server memory (RSS): after start / after the latency runs / after load "
            "(peak)",
            f"{mem['after_start']:,} / {mem['after_latency']:,} / "
            f"{mem['after_load']:,} MiB ({mem['peak']:,} MiB)",
        )
    )
    lines = ["| benchmark | figure |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(lines)


def main() -> None:
    # As the sarap command does: idle OpenMP threads sleep rather than spin.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--declarations", type=int, default=1_000_000)
    ap.add_argument("--taxpayers", type=int, default=2_000)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--requests", type=int, default=200, help="per endpoint")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 20,000 declarations, 5 users for 5 s, 50 requests each",
    )
    ap.add_argument("--build-only", action="store_true")
    args = ap.parse_args()
    command = " ".join(["python benchmarks/bench_web.py", *sys.argv[1:]])
    if args.quick:
        args.declarations, args.users, args.seconds = 20_000, 5, 5.0
        args.requests = 50
    if args.workdir is None:
        name = "bench-web-quick" if args.quick else "bench-web"
        args.workdir = ROOT / "build" / name
    print(json.dumps({"machine": machine()}), flush=True)
    info = build_workspace(args.workdir, args.declarations, args.taxpayers)
    report(
        f"workspace of {info['counts']['declarations']:,} declarations",
        **{k: v for k, v in info.items() if k != "version"},
    )
    if args.build_only:
        return
    ws_path = args.workdir / "sarap.duckdb"
    add_users(ws_path, args.users)
    s = samples(ws_path)
    log_file = args.workdir / "serve.log"
    proc, url = start_server(ws_path, log_file)
    try:
        up = wait_up(proc, url, log_file)
        mem = {"after_start": memory(proc.pid)["rss_mib"]}
        with httpx.Client(base_url=url, timeout=600) as client:
            sign_in(client, "bench-analyst-01")
            t = time.perf_counter()
            client.get("/api/queue").raise_for_status()
            first = time.perf_counter() - t
        start = report(
            "sarap serve start",
            health_seconds=round(up, 2),
            first_queue_seconds=round(first, 2),
            rss_mib=mem["after_start"],
        )
        before = round(os.getloadavg()[0], 1)
        marks = (busy_seconds(), cpu_seconds(proc.pid), time.process_time())
        t = time.perf_counter()
        latency = measure_latency(url, s, args.requests)
        wall = time.perf_counter() - t
        others = (
            busy_seconds()
            - marks[0]
            - (cpu_seconds(proc.pid) - marks[1])
            - (time.process_time() - marks[2])
        )
        quiet = round(max(0.0, others) / wall, 2)
        mem["after_latency"] = memory(proc.pid)["rss_mib"]
        load = load_run(url, s, args.users, args.seconds, proc.pid)
        after = memory(proc.pid)
        mem["after_load"], mem["peak"] = after["rss_mib"], after["peak_rss_mib"]
        report("server memory", **{f"{k}_mib": v for k, v in mem.items()})
        load["load_average"] = [round(x, 1) for x in os.getloadavg()]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    print()
    print(summary_table(info, start, latency, load, mem, args.requests))
    print()
    print(
        f"Machine: {machine()}; client and server on the same machine. Other "
        f"processes used {quiet:.1f} cores during the latency runs and "
        f"{load['other_cpu_cores']:.1f} during the load run (load average "
        f"{before} before, {load['load_average'][0]} after)."
    )
    print(f"Reproduce: `.venv/bin/{command}`")
    print(
        json.dumps(
            {
                "summary": {
                    "workspace": info,
                    "start": start,
                    "latency": latency,
                    "load": load,
                    "memory_mib": mem,
                    "other_cpu_cores_during_latency": quiet,
                    "command": command,
                }
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
