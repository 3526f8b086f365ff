from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Test workers share two cores: LightGBM's OpenMP threads must sleep when idle
# instead of spinning, or parallel workers slow each other down many times
# over (the sarap command sets the same).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
KCS_TRAIN = SHARED / "customs" / "df_syn_train_eng.csv"
KCS_VALID = SHARED / "customs" / "df_syn_valid_eng.csv"

HEADER = [
    "declaration_id",
    "item_no",
    "date",
    "office_id",
    "importer_id",
    "declarant_id",
    "hs_code",
    "description",
    "country_origin",
    "country_departure",
    "net_mass_kg",
    "customs_value",
    "currency",
    "tax_rate",
    "fraud",
]

# A small, readable set of declarations: ten good rows, then one of each kind
# of problem a real export has.
# fmt: off
GOOD = [
    ["D001", "1", "2024-01-05", "50010", "IMP1", "BRK1", "851712", "SMARTPHONE", "CN", "CN", "12.5", "15000", "USD", "0", "0"],  # noqa: E501
    ["D001", "2", "2024-01-05", "50010", "IMP1", "BRK1", "851762", "ROUTER", "CN", "CN", "3", "900", "USD", "0", "0"],  # noqa: E501
    ["D002", "1", "2024-01-06", "50010", "IMP2", "BRK1", "0101 21", "HORSES", "KG", "KG", "1200", "8000", "USD", "0", "1"],  # noqa: E501
    ["D003", "1", "07.01.2024", "50020", "IMP3", "BRK2", "8471.30", "LAPTOP", "VN", "CN", "40", "22000,50", "USD", "0", "0"],  # noqa: E501
    ["D004", "1", "2024-01-08", "50020", "IMP1", "BRK2", "620342", "TROUSERS", "TR", "TR", "300", "4500", "EUR", "12", "1"],  # noqa: E501
    ["D005", "1", "2024-01-09", "50030", "IMP4", "BRK3", "640399", "SHOES", "CN", "KZ", "250", "3000", "USD", "10", "0"],  # noqa: E501
    ["D006", "1", "2024-01-10", "50030", "IMP2", "BRK3", "870323", "CAR", "DE", "DE", "1500", "35000", "EUR", "15", ""],  # noqa: E501
    ["D007", "1", "2024-01-11", "50010", "IMP5", "BRK1", "10121", "HORSE", "RU", "RU", "600", "5000", "RUB", "0", "0"],  # noqa: E501
    ["D008", "1", "2024-01-12", "50010", "IMP5", "BRK1", "940360", "FURNITURE", "CN", "CN", "800", "2000", "USD", "8", "0"],  # noqa: E501
    ["D009", "1", "2024-01-13", "50020", "IMP6", "BRK2", "330499", "COSMETICS", "KR", "KR", "50", "1200", "USD", "6.5", "1"],  # noqa: E501
]
# fmt: on


def _bad(declaration_id: str, **change: str) -> list[str]:
    """A plain valid row with one field spoilt."""
    row = dict(zip(HEADER, GOOD[0], strict=True))
    row.update(
        declaration_id=declaration_id,
        item_no="1",
        date="2024-01-14",
        description="PHONE",
        net_mass_kg="1",
        customs_value="100",
    )
    row.update(change)
    return [row[h] for h in HEADER]


BAD = [
    (_bad("D010", date="2024-13-45"), "bad date"),
    (_bad("D011", importer_id=""), "missing importer_id"),
    (_bad("D012", hs_code="85AB12"), "bad hs_code"),
    (_bad("D013", net_mass_kg="-5"), "net_mass_kg must be >= 0"),
    (_bad("D014", customs_value="abc"), "bad customs_value"),
    (_bad("D001", date="2024-01-05"), "duplicate key within the file"),
    (_bad("D015", country_origin="CHINA"), "bad country_origin"),
    (_bad("D016", fraud="maybe"), "bad fraud"),
]


def write_csv(
    path: Path,
    rows: list[list[str]],
    header: list[str] = HEADER,
    encoding: str = "utf-8",
) -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(autouse=True, scope="session")
def _compiled_trees_cache(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Trees compiled by the tests go to a folder of the test run, not to
    the user's cache (commands the tests start inherit it)."""
    before = os.environ.get("SARAP_CACHE")
    os.environ["SARAP_CACHE"] = str(tmp_path_factory.mktemp("sarap-cache"))
    yield
    if before is None:
        os.environ.pop("SARAP_CACHE", None)
    else:
        os.environ["SARAP_CACHE"] = before


@pytest.fixture
def fixture_csv(tmp_path: Path) -> Path:
    """GOOD rows then BAD rows, one file."""
    return write_csv(tmp_path / "declarations.csv", GOOD + [r for r, _ in BAD])


@pytest.fixture(scope="session")
def sim_lines():  # type: ignore[no-untyped-def]
    """A year of simulated declarations (seed 7), shared by the agent tests."""
    from sarap.simulate import simulate_declarations

    return simulate_declarations(20_000, seed=7, months=12)


def need_kcs() -> None:
    if not KCS_TRAIN.is_file():
        pytest.skip(f"{KCS_TRAIN} not found (../shared/data beside the checkout)")


@contextmanager
def held_open(path: Path) -> Iterator[int]:
    """Another process with the DuckDB file ``path`` open (as ``sarap serve``
    keeps its workspace); yields its PID."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('open', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()
