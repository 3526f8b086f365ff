"""The REST API over a real server on loopback and a real workspace file."""

from __future__ import annotations

import re

import duckdb
import httpx
import pytest

from sarap.web import create_app, running_server
from tests.web.conftest import declarations_csv, sign_in

pytestmark = pytest.mark.slow

# Every route but the public ones, with the roles that may use it.
ROUTES = [
    ("GET", "/api/me", {"analyst", "auditor", "admin"}),
    ("POST", "/api/logout", {"analyst", "auditor", "admin"}),
    ("GET", "/api/queue", {"analyst", "admin"}),
    ("GET", "/api/queue/facets", {"analyst", "admin"}),
    ("GET", "/api/declarations/X1", {"analyst", "admin"}),
    ("POST", "/api/outcomes", {"analyst", "admin"}),
    ("GET", "/api/taxpayers", {"auditor", "admin"}),
    ("GET", "/api/taxpayers/X1", {"auditor", "admin"}),
    ("GET", "/api/taxpayers/X1/graph", {"auditor", "admin"}),
    ("GET", "/api/turnover", {"analyst", "auditor", "admin"}),
    ("POST", "/api/uploads", {"admin"}),
    ("GET", "/api/users", {"admin"}),
    ("POST", "/api/users", {"admin"}),
    ("POST", "/api/users/X1/password", {"admin"}),
    ("DELETE", "/api/users/X1", {"admin"}),
    ("GET", "/api/audit", {"admin"}),
    ("GET", "/api/audit/verify", {"admin"}),
    ("GET", "/api/runs", {"admin"}),
    ("POST", "/api/runs", {"admin"}),
]


def test_every_route_is_listed_here(server, auditor):
    url, _ = server
    assert httpx.get(f"{url}/api/openapi.json").status_code == 401
    paths = auditor.get("/api/openapi.json").json()["paths"]
    listed = {(m, p.replace("X1", "{party_id}")) for m, p, _ in ROUTES}
    listed |= {(m, p.replace("X1", "{declaration_id}")) for m, p, _ in ROUTES}
    listed |= {(m, p.replace("X1", "{username}")) for m, p, _ in ROUTES}
    public = {("GET", "/api/health"), ("POST", "/api/login")}
    for path, ops in paths.items():
        for method in ops:
            assert (method.upper(), path) in listed | public, (method, path)


def test_signed_out_gets_401_everywhere(server):
    url, _ = server
    for method, path, _ in ROUTES:
        got = httpx.request(method, f"{url}{path}", params={"page": "zero"})
        assert got.status_code == 401, (method, path, got.text)
        assert got.json() == {"detail": "sign in first"}
    assert httpx.get(f"{url}/api/health").json()["status"] == "ok"


def test_wrong_role_gets_403_everywhere(server, analyst, auditor, admin):
    clients = {"analyst": analyst, "auditor": auditor, "admin": admin}
    for method, path, allowed in ROUTES:
        for role in set(clients) - allowed:
            got = clients[role].request(method, path, params={"page": "zero"})
            assert got.status_code == 403, (role, method, path, got.text)
            assert "role may not" in got.json()["detail"]


def test_posts_need_the_csrf_token(server):
    url, _ = server
    client = sign_in(url, "analyst")
    item = client.get("/api/queue", params={"page_size": 1}).json()["items"][0]
    body = {"declaration_id": item["declaration_id"], "fraud": False}
    token = client.headers.pop("X-CSRF-Token")
    assert client.post("/api/outcomes", json=body).status_code == 403
    client.headers["X-CSRF-Token"] = token + "x"
    assert client.post("/api/outcomes", json=body).status_code == 403
    client.headers["X-CSRF-Token"] = token
    assert client.post("/api/outcomes", json=body).status_code == 200


def test_session_cookie_is_httponly_and_strict(server):
    url, _ = server
    got = httpx.post(
        f"{url}/api/login",
        json={"username": "auditor", "password": "auditor-demo-pass"},
    )
    cookie = got.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert got.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in got.headers["content-security-policy"]


def test_logout_ends_the_session(server):
    url, _ = server
    client = sign_in(url, "auditor")
    assert client.get("/api/me").status_code == 200
    assert client.post("/api/logout").status_code == 204
    client.cookies.clear()
    assert client.get("/api/me").status_code == 401


def test_passwords_are_stored_as_slow_salted_hashes(server):
    _, app = server
    rows = app.state.store.query("SELECT username, password_hash FROM web_users")
    hashes = [r["password_hash"] for r in rows]
    assert all(h.startswith("scrypt$16384$8$1$") for h in hashes)
    assert not any("demo-pass" in h for h in hashes)
    assert len(set(h.split("$")[4] for h in hashes)) == len(hashes)  # own salts


def test_sessions_expire(web_workspace):
    app = create_app(web_workspace, session_minutes=0)
    with running_server(app) as url:
        client = httpx.Client(base_url=url)
        got = client.post(
            "/api/login", json={"username": "admin", "password": "admin-demo-pass"}
        )
        assert got.status_code == 200
        assert client.get("/api/me").status_code == 401


def test_sign_in_is_rate_limited(web_workspace):
    app = create_app(web_workspace)
    with running_server(app) as url:
        wrong = {"username": "admin", "password": "not-the-password"}
        codes = [
            httpx.post(f"{url}/api/login", json=wrong).status_code for _ in range(6)
        ]
        assert codes == [401] * 5 + [429]
        # Blocked even with the right password, and it says for how long.
        right = {"username": "admin", "password": "admin-demo-pass"}
        got = httpx.post(f"{url}/api/login", json=right)
        assert got.status_code == 429 and int(got.headers["retry-after"]) > 0
        # Another user is not blocked by the admin's failures.
        ok = {"username": "analyst", "password": "analyst-demo-pass"}
        assert httpx.post(f"{url}/api/login", json=ok).status_code == 200


def test_queue_ranks_filters_sorts_and_pages(analyst):
    first = analyst.get("/api/queue", params={"page_size": 20}).json()
    assert first["total"] > 100
    risks = [i["risk"] for i in first["items"]]
    assert risks == sorted(risks, reverse=True)
    assert [i["rank"] for i in first["items"]] == list(range(1, 21))
    second = analyst.get("/api/queue", params={"page_size": 20, "page": 2}).json()
    assert second["items"][0]["rank"] == 21
    assert all(i["reasons"] for i in first["items"])
    # Every reason of the page has its Russian wording (no English left over).
    for i in first["items"]:
        assert len(i["reasons_ru"]) == len(i["reasons"])
        for en, ru in zip(i["reasons"], i["reasons_ru"], strict=True):
            assert ru != en and not re.search(r"\b(inspected|price|from)\b", ru)

    high = analyst.get("/api/queue", params={"band": "high", "page_size": 200}).json()
    assert 0 < high["total"] < first["total"]
    assert {i["band"] for i in high["items"]} == {"high"}
    country = first["items"][0]["country_origin"]
    both = analyst.get(
        "/api/queue", params={"band": "high", "country": country, "page_size": 200}
    ).json()
    assert all(i["country_origin"] == country for i in both["items"])
    assert both["total"] <= high["total"]

    by_value = analyst.get(
        "/api/queue", params={"sort": "value", "order": "asc", "page_size": 50}
    ).json()
    values = [i["customs_value"] for i in by_value["items"]]
    assert values == sorted(values)
    last = -(-first["total"] // 50)
    tail = analyst.get("/api/queue", params={"page": last, "page_size": 50}).json()
    assert tail["items"] and tail["items"][-1]["rank"] == first["total"]
    beyond = analyst.get("/api/queue", params={"page": last + 1, "page_size": 50})
    assert beyond.json()["items"] == []


def test_queue_facets_match_the_queue(analyst):
    facets = analyst.get("/api/queue/facets").json()
    assert facets["date_min"] <= facets["date_max"]
    office = facets["offices"][0]
    at = analyst.get("/api/queue", params={"office": office, "page_size": 200})
    assert 0 < at.json()["total"] and {i["office_id"] for i in at.json()["items"]} == {
        office
    }
    chapter = facets["chapters"][0]["code"]
    got = analyst.get("/api/queue", params={"chapter": chapter, "page_size": 200})
    assert got.json()["total"] > 0
    assert all(i["chapter"] == chapter for i in got.json()["items"])
    dated = analyst.get(
        "/api/queue", params={"date_from": facets["date_max"], "page_size": 200}
    ).json()
    assert all(i["date"] >= facets["date_max"] for i in dated["items"])


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"page_size": 500},
        {"sort": "importer_id; DROP TABLE declarations"},
        {"date_from": "yesterday"},
        {"band": "red"},
    ],
)
def test_bad_queue_parameters_get_a_clear_422(analyst, params):
    got = analyst.get("/api/queue", params=params)
    assert got.status_code == 422
    detail = got.json()["detail"]
    assert isinstance(detail, str) and detail.startswith("query.")


def test_search_text_is_a_parameter_not_sql(analyst):
    for text in ("' OR 1=1 --", "x'; DROP TABLE declarations; --", "%"):
        got = analyst.get("/api/queue", params={"q": text})
        assert got.status_code == 200 and got.json()["total"] == 0
    assert analyst.get("/api/queue").json()["total"] > 0


def test_declaration_page_and_its_audit_entry(analyst, admin):
    item = analyst.get("/api/queue", params={"page_size": 1}).json()["items"][0]
    did = item["declaration_id"]
    got = analyst.get(f"/api/declarations/{did}").json()
    assert got["declaration_id"] == did and got["rank"] == 1
    assert got["reasons"] == item["reasons"]
    assert len(got["lines"]) == item["lines"]
    assert got["importer"]["party_id"] == item["importer_id"]
    log = admin.get("/api/audit", params={"page_size": 200}).json()["items"]
    assert any(
        e["username"] == "analyst" and e["action"] == "view" and e["object_id"] == did
        for e in log
    )
    missing = analyst.get("/api/declarations/NO/SUCH/1")
    assert missing.status_code == 404 and "NO/SUCH/1" in missing.json()["detail"]


def test_declaration_shows_the_goods_agents_check(server, analyst):
    # What the goods agent of `sarap run` writes for a line whose declared
    # code does not fit its text (the demo has no goods model).
    _, app = server
    item = analyst.get("/api/queue", params={"page": 2, "page_size": 1}).json()
    did = item["items"][0]["declaration_id"]
    app.state.store.cursor().execute(
        "INSERT OR REPLACE INTO goods_checked VALUES (?, 1, 0.93, ?, ?)",
        [did, "declared 640610 unlikely for the text", "640399 (0.71)"],
    )
    lines = analyst.get(f"/api/declarations/{did}").json()["lines"]
    assert lines[0]["goods_check"] == {
        "score": 0.93,
        "reason": "declared 640610 unlikely for the text",
        "suggestion": "640399 (0.71)",
    }
    assert all(line["goods_check"] is None for line in lines[1:])


def test_recorded_outcome_becomes_a_label(server, analyst):
    _, app = server
    items = analyst.get("/api/queue", params={"page": 3, "page_size": 1}).json()
    did = items["items"][0]["declaration_id"]
    body = {"declaration_id": did, "fraud": True, "additional_revenue": 1500.5}
    saved = analyst.post("/api/outcomes", json=body)
    assert saved.status_code == 200
    assert saved.json()["fraud"] is True
    row = analyst.get("/api/queue", params={"page": 3, "page_size": 1}).json()
    assert row["items"][0]["outcome"]["additional_revenue"] == 1500.5
    labelled = app.state.store.query(
        "SELECT DISTINCT fraud FROM declaration_lines WHERE declaration_id = ?", [did]
    )
    assert labelled == [{"fraud": 1}]
    bad = analyst.post("/api/outcomes", json={**body, "additional_revenue": -1})
    assert bad.status_code == 422
    unknown = analyst.post("/api/outcomes", json={**body, "declaration_id": "NOPE"})
    assert unknown.status_code == 404


def test_taxpayer_profile_history_and_graph(auditor):
    listed = auditor.get("/api/taxpayers", params={"page_size": 50}).json()
    scores = [t["score"] for t in listed["items"]]
    assert scores == sorted(scores, reverse=True) and scores[0] >= 70
    top = listed["items"][0]
    assert top["band"] == "high" and top["reasons_en"] and top["reasons_ru"]
    profile = auditor.get(f"/api/taxpayers/{top['party_id']}").json()
    assert profile["score"] == top["score"]
    assert profile["reasons"] and profile["history"]
    assert all(r["reason_ru"] for r in profile["reasons"])
    assert any(isinstance(r["evidence"], dict) for r in profile["reasons"])

    graph = auditor.get(f"/api/taxpayers/{top['party_id']}/graph").json()
    ids = {n["id"] for n in graph["nodes"]}
    assert graph["center"] == top["party_id"] and top["party_id"] in ids
    assert 1 < len(ids) <= 150
    assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])
    bands = {n["id"]: n["band"] for n in graph["nodes"]}
    for e in graph["edges"]:
        assert e["risky"] == ("high" in (bands[e["source"]], bands[e["target"]]))
    near = auditor.get(
        f"/api/taxpayers/{top['party_id']}/graph", params={"hops": 1}
    ).json()
    assert {n["hops"] for n in near["nodes"]} <= {0, 1}
    assert len(near["nodes"]) <= len(graph["nodes"])
    assert auditor.get("/api/taxpayers/NOPE").status_code == 404


def test_turnover_adds_up_to_the_raw_tables(server, auditor, web_workspace):
    got = auditor.get("/api/turnover", params={"by": "pair"}).json()
    year = got["year"]
    assert got["previous_year"] == year - 1 and year - 1 in got["years"]
    assert got["total"]["value"] == pytest.approx(sum(r["value"] for r in got["rows"]))
    # The same total straight from declarations and seller-side invoices.
    _, app = server
    direct = app.state.store.query(
        """
        SELECT sum(v) AS v FROM (
            SELECT d.customs_value * coalesce(r.usd_per_unit, 1) AS v
            FROM declarations d ASOF LEFT JOIN exchange_rates r
              ON d.currency = r.currency AND d.date >= r.valid_from
            LEFT JOIN parties p ON p.party_id = d.importer_id
            WHERE year(d.date) = ? AND p.country IS NOT NULL
              AND coalesce(d.country_origin, d.country_departure) <> p.country
            UNION ALL
            SELECT i.amount * coalesce(r.usd_per_unit, 1)
            FROM invoices i ASOF LEFT JOIN exchange_rates r
              ON i.currency = r.currency AND i.issued_on >= r.valid_from
            WHERE year(i.issued_on) = ? AND i.reported_by = 'seller'
              AND i.seller_country <> i.buyer_country
        )
        """,
        [year, year],
    )
    assert got["total"]["value"] == pytest.approx(direct[0]["v"], rel=1e-9)
    for r in got["rows"]:
        if r["previous"]:
            assert r["change"] == pytest.approx(r["value"] / r["previous"] - 1)

    group = auditor.get(
        "/api/turnover", params={"by": "partner", "country": "KZ", "partners": "KG,RU"}
    ).json()
    assert {r["key"] for r in group["rows"]} <= {"KG", "RU"}
    months = auditor.get("/api/turnover", params={"by": "month"}).json()
    keys = [r["key"] for r in months["rows"]]
    assert keys == sorted(keys)
    assert auditor.get("/api/turnover", params={"country": "kz1"}).status_code == 422


def test_upload_quarantines_bad_rows(admin):
    csv = (
        "party_id,country,name,registration_date\n"
        "UPL001,KZ,ТОО Первый,2020-01-02\n"
        ",KZ,No id,2020-01-02\n"
        "UPL003,KZ,Bad date,2020-13-45\n"
    )
    got = admin.post("/api/uploads", files={"file": ("firms.csv", csv.encode())})
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["rows_read"], body["rows_loaded"], body["rows_quarantined"]) == (
        3,
        1,
        2,
    )
    assert [q["row_number"] for q in body["quarantine"]] == [2, 3]
    assert all(q["reason"] for q in body["quarantine"])
    assert body["quarantine"][0]["reason_ru"].startswith("нет значения party_id")
    assert sum(body["reasons_ru"].values()) == 2
    again = admin.post("/api/uploads", files={"file": ("firms.csv", csv.encode())})
    assert again.json()["rows_loaded"] == 0 and again.json()["rows_duplicate"] == 1


def test_upload_limits_type_and_size(admin):
    exe = admin.post("/api/uploads", files={"file": ("tool.exe", b"MZ")})
    assert exe.status_code == 415
    big = admin.post(
        "/api/uploads", files={"file": ("big.csv", b"a,b\n" + b"1,2\n" * 300_000)}
    )
    assert big.status_code == 413 and "1 MB" in big.json()["detail"]
    broken = admin.post("/api/uploads", files={"file": ("x.parquet", b"not parquet")})
    assert broken.status_code == 400
    assert "x.parquet" in broken.json()["detail"]
    assert "\n" not in broken.json()["detail"]
    headless = admin.post(
        "/api/uploads", files={"file": ("firms.csv", b"colour,size\nred,1\n")}
    )
    assert headless.status_code == 400
    detail = headless.json()["detail"]
    assert detail.startswith("firms.csv: ") and "sarap-upload" not in detail


def test_admin_adds_users_with_checked_passwords(admin, server):
    url, _ = server
    weak = admin.post(
        "/api/users", json={"username": "kate", "password": "short", "role": "auditor"}
    )
    assert weak.status_code == 422
    made = admin.post(
        "/api/users",
        json={"username": "kate", "password": "long-enough-pass", "role": "auditor"},
    )
    assert made.status_code == 201
    again = admin.post(
        "/api/users",
        json={"username": "kate", "password": "long-enough-pass", "role": "auditor"},
    )
    assert again.status_code == 400 and "exists" in again.json()["detail"]
    assert "kate" in {u["username"] for u in admin.get("/api/users").json()}
    kate = httpx.post(
        f"{url}/api/login", json={"username": "kate", "password": "long-enough-pass"}
    )
    assert kate.json()["role"] == "auditor"


def test_admin_resets_passwords_and_removes_users(admin, server):
    from urllib.parse import quote

    url, app = server
    for name in ("olzhas", "temir/2"):
        body = {"username": name, "password": "first-long-pass", "role": "analyst"}
        assert admin.post("/api/users", json=body).status_code == 201
    signed = {}
    for name in ("olzhas", "temir/2"):
        signed[name] = httpx.Client(base_url=url)
        login = {"username": name, "password": "first-long-pass"}
        assert signed[name].post("/api/login", json=login).status_code == 200

    short = admin.post("/api/users/olzhas/password", json={"password": "short"})
    assert short.status_code == 422
    reset = admin.post("/api/users/olzhas/password", json={"password": "new-long-pass"})
    assert reset.status_code == 200, reset.text
    assert signed["olzhas"].get("/api/me").status_code == 401  # the session ended
    old = {"username": "olzhas", "password": "first-long-pass"}
    assert httpx.post(f"{url}/api/login", json=old).status_code == 401
    new = {"username": "olzhas", "password": "new-long-pass"}
    assert httpx.post(f"{url}/api/login", json=new).status_code == 200

    path = f"/api/users/{quote('temir/2', safe='/')}"
    token = admin.headers.pop("X-CSRF-Token")
    try:
        assert admin.delete(path).status_code == 403  # a cross-site request
        assert admin.post(f"{path}/password", json=new).status_code == 403
    finally:
        admin.headers["X-CSRF-Token"] = token
    gone = admin.delete(path)
    assert gone.status_code == 204, gone.text
    assert signed["temir/2"].get("/api/me").status_code == 401
    names = {u["username"] for u in admin.get("/api/users").json()}
    assert "temir/2" not in names and "olzhas" in names
    nobody = admin.delete("/api/users/nobody")
    assert nobody.status_code == 400 and nobody.json()["detail"] == "no user 'nobody'"
    nobody = admin.post("/api/users/nobody/password", json={"password": "long-pass-1"})
    assert nobody.status_code == 400 and "no user" in nobody.json()["detail"]
    myself = admin.delete("/api/users/admin")
    assert myself.status_code == 400 and "yourself" in myself.json()["detail"]

    logged = app.state.store.query(
        "SELECT username, action, object_id FROM audit_log "
        "WHERE action IN ('set_password', 'remove_user') ORDER BY seq"
    )
    assert {"username": "admin", "action": "set_password", "object_id": "olzhas"} in (
        logged
    )
    assert {"username": "admin", "action": "remove_user", "object_id": "temir/2"} in (
        logged
    )
    assert "new-long-pass" not in str(app.state.store.query("FROM audit_log"))
    assert admin.get("/api/audit/verify").json()["ok"] is True


def test_audit_log_is_a_hash_chain_that_shows_tampering(server, admin, analyst):
    _, app = server
    item = analyst.get("/api/queue", params={"page_size": 1}).json()["items"][0]
    analyst.get(f"/api/declarations/{item['declaration_id']}")
    ok = admin.get("/api/audit/verify").json()
    assert ok["ok"] is True and ok["entries"] >= 2
    store = app.state.store
    seq, who = store.con.execute(
        "SELECT seq, username FROM audit_log WHERE action = 'view' ORDER BY seq LIMIT 1"
    ).fetchone()
    con: duckdb.DuckDBPyConnection = store.con.cursor()
    con.execute("UPDATE audit_log SET username = 'someone' WHERE seq = ?", [seq])
    try:
        bad = admin.get("/api/audit/verify").json()
        assert bad == {"ok": False, "entries": seq, "first_bad": seq}
    finally:
        con.execute("UPDATE audit_log SET username = ? WHERE seq = ?", [who, seq])
    assert admin.get("/api/audit/verify").json()["ok"] is True


def test_errors_are_json_never_a_traceback(server, analyst):
    url, _ = server
    for got in (
        httpx.get(f"{url}/api/nothing-here"),
        analyst.get("/api/taxpayers"),
        analyst.post(
            "/api/outcomes",
            content=b"{not json",
            headers={"content-type": "application/json"},
        ),
    ):
        assert got.status_code in (403, 404, 422)
        assert set(got.json()) <= {"detail", "errors"}
        assert "Traceback" not in got.text


def test_admin_runs_the_agents_and_outcomes_become_labels(server, admin, analyst):
    import time

    item = analyst.get("/api/queue", params={"page": 5, "page_size": 1}).json()
    did = item["items"][0]["declaration_id"]
    analyst.post("/api/outcomes", json={"declaration_id": did, "fraud": False})
    started = admin.post("/api/runs")
    assert started.status_code == 202 and started.json()["state"] == "running"
    assert admin.post("/api/runs").status_code in (202, 409)
    deadline = time.monotonic() + 300
    while (state := admin.get("/api/runs").json())["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert state["state"] == "done", state
    assert "new declaration lines scored" in state["ran"]["declarations"]
    # The inspected declaration left the queue: it is a label now.
    after = analyst.get("/api/queue", params={"q": did}).json()
    assert after["total"] == 0


def test_upload_with_a_long_file_name(admin):
    # 150 Cyrillic letters are 300 bytes in UTF-8, over the 255 a file system
    # takes for a name; Windows allows 255 characters.
    name = "Ф" * 150 + ".csv"
    csv = "party_id,country,name\nLONGNAME1,KZ,Long name\n"
    got = admin.post("/api/uploads", files={"file": (name, csv.encode())})
    assert got.status_code == 200, got.text
    assert got.json()["file"] == name and got.json()["rows_read"] == 1


def test_upload_is_recorded_under_the_name_sent(server, admin):
    _, app = server
    csv = "party_id,country,name,registration_date\nREC001,KZ,Bad,2020-13-45\n"
    got = admin.post("/api/uploads", files={"file": ("recorded.csv", csv.encode())})
    assert got.status_code == 200, got.text
    store = app.state.store
    batch = store.query(
        "SELECT batch_id, file FROM ingest_batches ORDER BY started_at DESC LIMIT 1"
    )[0]
    assert batch["file"] == "recorded.csv"
    held = store.query(
        "SELECT DISTINCT file FROM quarantine WHERE batch_id = ?", [batch["batch_id"]]
    )
    assert held == [{"file": "recorded.csv"}]


def test_upload_summary_reasons_in_russian(admin):
    csv = (
        "party_id,country,name,registration_date,employees\n"
        "RU0001,KZ,Bad date,2020-13-45,1\n"
        "RU0002,KZ,Negative staff,2020-01-02,-3\n"
        'RU0003,KZ,Unclosed,"2020-01-02,1\n'
    )
    got = admin.post("/api/uploads", files={"file": ("ru.csv", csv.encode())})
    assert got.status_code == 200, got.text
    body = got.json()
    assert len(body["reasons"]) >= 2
    assert len(body["reasons_ru"]) == len(body["reasons"])
    for en, ru in zip(body["reasons"], body["reasons_ru"], strict=True):
        assert re.search("[а-я]", ru) and not re.search(r"\b(bad|must)\b", ru), (
            en,
            ru,
        )


@pytest.mark.parametrize("username", ["   ", "analyst ", " admin", "\u00a0analyst"])
def test_user_names_blank_or_padded_are_refused(admin, username):
    # "analyst " would sign in and sign the audit log as another "analyst".
    got = admin.post(
        "/api/users",
        json={"username": username, "password": "long-enough-pass", "role": "admin"},
    )
    assert got.status_code == 400, got.text
    assert "space" in got.json()["detail"]
    assert username not in {u["username"] for u in admin.get("/api/users").json()}


@pytest.mark.parametrize(
    ("first", "second"), [("Нурлан", "нурлан"), ("Ainur", "AINUR"), ("Әлия", "әЛИЯ")]
)
def test_user_names_differing_only_in_case_are_refused(admin, first, second):
    # Both signed the audit log as if two people, and looked like one.
    body = {"username": first, "password": "long-enough-pass", "role": "analyst"}
    assert admin.post("/api/users", json=body).status_code == 201
    got = admin.post("/api/users", json=body | {"username": second})
    assert got.status_code == 400, got.text
    assert got.json()["detail"] == (
        f"user {first!r} exists already; {second!r} differs from it only in case: "
        "choose another name"
    )
    assert second not in {u["username"] for u in admin.get("/api/users").json()}


def test_same_user_added_twice_at_once(admin):
    from concurrent.futures import ThreadPoolExecutor

    body = {"username": "twin", "password": "long-enough-pass", "role": "auditor"}
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: admin.post("/api/users", json=body), range(4)))
    codes = sorted(g.status_code for g in got)
    assert codes == [201, 400, 400, 400], [g.text for g in got]
    assert all("exists" in g.json()["detail"] for g in got if g.status_code == 400)


def test_same_outcome_recorded_at_once(server, analyst):
    from concurrent.futures import ThreadPoolExecutor

    _, app = server
    items = analyst.get("/api/queue", params={"page": 4, "page_size": 1}).json()
    did = items["items"][0]["declaration_id"]

    def record(i: int) -> httpx.Response:
        body = {"declaration_id": did, "fraud": True, "additional_revenue": i}
        return analyst.post("/api/outcomes", json=body)

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(record, range(24)))
    assert [g.status_code for g in got] == [200] * 24, [g.text for g in got]
    kept = app.state.store.query(
        "SELECT count(*) AS n FROM outcomes WHERE declaration_id = ?", [did]
    )
    assert kept == [{"n": 1}]


@pytest.mark.parametrize("value", [b"NaN", b"Infinity", b"-Infinity"])
def test_outcome_revenue_not_a_number_is_told_so(analyst, value):
    body = b'{"declaration_id": "X1", "fraud": true, "additional_revenue": %s}' % value
    got = analyst.post(
        "/api/outcomes", content=body, headers={"content-type": "application/json"}
    )
    assert got.status_code == 422
    assert got.json()["detail"] == (
        "body.additional_revenue: Input should be a finite number"
    )


# Declaration numbers as authorities write them (EAEU: office/date/number) and
# ids other systems give: every one opens, as the page builds its address.
# An import takes ids of any length: the long ones once loaded but did not open.
ODD_IDS = [
    "10702020/010124/0001234",
    "KG+1:2",
    "N#1",
    "Q?1",
    "P%1",
    "S 1",
    "P%2F1",
    "10702020/011224/" + "0" * 60 + "1",
    "ДТ-" + "Ж" * 300,
]


def test_declaration_ids_with_any_characters(admin, analyst):
    from urllib.parse import quote

    got = admin.post(
        "/api/uploads", files={"file": ("odd.csv", declarations_csv(ODD_IDS))}
    )
    assert got.status_code == 200 and got.json()["rows_loaded"] == len(ODD_IDS)
    for did in ODD_IDS:
        # core.js declarationPath: each part between slashes percent-encoded.
        path = "/".join(quote(part, safe="") for part in did.split("/"))
        got = analyst.get(f"/api/declarations/{path}")
        assert got.status_code == 200, (did, got.text)
        assert got.json()["declaration_id"] == did
        saved = analyst.post("/api/outcomes", json={"declaration_id": did, "fraud": 0})
        assert saved.status_code == 200, (did, saved.text)
    control = analyst.get("/api/declarations/N%011")
    assert control.status_code == 404 and "control" in control.json()["detail"]


def test_taxpayer_ids_with_slashes_and_signs(server, admin, auditor):
    from urllib.parse import quote

    ids = ["KG/01-123", "RU 7701+1", "UZ:9#1", "A%2FB?", "KZ/" + "БИН 1234567890" * 8]
    parties = "party_id,country,name\n" + "".join(f'"{p}",KZ,Firm\n' for p in ids)
    got = admin.post("/api/uploads", files={"file": ("odd_parties.csv", parties)})
    assert got.status_code == 200 and got.json()["rows_loaded"] == len(ids)
    invoice = (
        "invoice_id,line_no,reported_by,issued_on,seller_id,buyer_id,seller_country,"
        "buyer_country,hs_code,amount,vat_rate,vat,currency\n"
        f'ODD1,1,seller,2024-12-02,"{ids[0]}","{ids[1]}",KZ,KZ,300490,1000,12,120,KZT\n'
    )
    got = admin.post("/api/uploads", files={"file": ("odd_invoices.csv", invoice)})
    assert got.status_code == 200 and got.json()["rows_loaded"] == 1
    server[1].state.views.refresh(force=True)  # not the 5 s the pages wait
    for party in ids:
        # pages-taxpayers.js: encodeURIComponent(id), slashes too.
        path = f"/api/taxpayers/{quote(party, safe='')}"
        profile = auditor.get(path)
        assert profile.status_code == 200, (party, profile.text)
        assert profile.json()["party_id"] == party
        graph = auditor.get(f"{path}/graph")
        assert graph.status_code == 200, (party, graph.text)
        assert graph.json()["center"] == party
    graph = auditor.get(f"/api/taxpayers/{quote(ids[0], safe='')}/graph").json()
    assert {n["id"] for n in graph["nodes"]} == {ids[0], ids[1]}


def test_upload_in_an_encoding_chosen_on_the_form(admin):
    # A Western European partner's file: not UTF-8, not a Cyrillic code page.
    csv = "party_id,country,name\nDE7,DE,Röhren Ø 50 mm ± 0.5°\n".encode("cp1252")
    got = admin.post("/api/uploads", files={"file": ("pipes.csv", csv)})
    assert got.status_code == 400
    detail = got.json()["detail"]
    assert detail.startswith("pipes.csv: ") and "--encoding" not in detail
    assert "choose the file's encoding on the form" in detail
    got = admin.post(
        "/api/uploads",
        files={"file": ("pipes.csv", csv)},
        data={"encoding": "cp1252"},
    )
    assert got.status_code == 200, got.text
    assert got.json()["rows_loaded"] == 1
    assert admin.get("/api/taxpayers/DE7").json()["name"] == "Röhren Ø 50 mm ± 0.5°"
    # Bytes that Windows-1254 leaves undefined.
    wrong = admin.post(
        "/api/uploads",
        files={"file": ("pipes.csv", b"party_id,country,name\nDE8,DE,\x81\x8d\n")},
        data={"encoding": "cp1254"},
    )
    assert wrong.json()["detail"] == (
        "pipes.csv: cannot decode as cp1254 at byte 29; "
        "choose another encoding on the form"
    )
    unknown = admin.post(
        "/api/uploads", files={"file": ("pipes.csv", csv)}, data={"encoding": "x"}
    )
    assert unknown.status_code == 422


def test_taxpayer_search_ignores_case_of_the_id(auditor):
    # As the queue's search does: "kg1004" finds KG1004..., as "тоо" finds ТОО.
    top = auditor.get("/api/taxpayers", params={"page_size": 1}).json()["items"][0]
    party = top["party_id"]
    assert party != party.lower()
    for q in (party, party.lower(), party[:6].lower()):
        found = auditor.get("/api/taxpayers", params={"q": q}).json()["items"]
        assert party in {t["party_id"] for t in found}, q


def test_search_by_a_full_legal_name(admin, auditor, analyst):
    # Names in documents are written out in full, often past 64 characters.
    name = (
        "Товарищество с ограниченной ответственностью "
        "«Казахстанская торгово-промышленная компания»"
    )
    assert len(name) > 64
    got = admin.post(
        "/api/uploads",
        files={"file": ("long_name.csv", f'party_id,country,name\nLN1,KZ,"{name}"\n')},
    )
    assert got.status_code == 200 and got.json()["rows_loaded"] == 1
    found = auditor.get("/api/taxpayers", params={"q": name})
    assert found.status_code == 200, found.text
    queue = analyst.get("/api/queue", params={"q": name})
    assert queue.status_code == 200, queue.text
