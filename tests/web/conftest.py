from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sarap.demo import DEMO_USERS, build_workspace
from sarap.web import create_app, running_server

PASSWORDS = {role: password for _, password, role in DEMO_USERS}


def declarations_csv(ids: list[str]) -> str:
    """A declarations CSV of one phone line per id (of importer IMPODD, who
    has no name on file), the ids quoted."""
    header = (
        "declaration_id,item_no,date,office_id,importer_id,declarant_id,hs_code,"
        "description,country_origin,country_departure,net_mass_kg,customs_value,"
        "currency,tax_rate\n"
    )
    return header + "".join(
        f'"{did}",1,2024-12-02,55101,IMPODD,BRK1,851712,PHONE,CN,CN,12.5,1500,USD,0\n'
        for did in ids
    )


@pytest.fixture(scope="session")
def web_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo workspace: scored declarations, profiles, e-invoices."""
    return build_workspace(
        tmp_path_factory.mktemp("web"), rows=6_000, taxpayers=400, seed=3
    )


@pytest.fixture(scope="session")
def server(web_workspace: Path) -> Iterator[tuple[str, object]]:
    app = create_app(web_workspace, max_upload_mb=1)
    with running_server(app) as url:
        yield url, app


def sign_in(url: str, role: str) -> httpx.Client:
    """A client signed in as the demo user of ``role``, sending its CSRF token."""
    client = httpx.Client(base_url=url, timeout=60)
    got = client.post(
        "/api/login", json={"username": role, "password": PASSWORDS[role]}
    )
    assert got.status_code == 200, got.text
    client.headers["X-CSRF-Token"] = got.json()["csrf_token"]
    return client


@pytest.fixture(scope="session")
def analyst(server: tuple[str, object]) -> httpx.Client:
    return sign_in(server[0], "analyst")


@pytest.fixture(scope="session")
def auditor(server: tuple[str, object]) -> httpx.Client:
    return sign_in(server[0], "auditor")


@pytest.fixture(scope="session")
def admin(server: tuple[str, object]) -> httpx.Client:
    return sign_in(server[0], "admin")
