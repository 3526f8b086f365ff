"""The analyst web application in a real browser, used as a person would.

One small demo workspace is built for the module and served on a loopback
port; Debian's Chromium (``make browser``) is driven headless by Playwright.
Nothing is downloaded: Playwright's own browser builds are never used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.web.conftest import declarations_csv

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORDS = {
    "analyst": "analyst-demo-pass",
    "auditor": "auditor-demo-pass",
    "admin": "admin-demo-pass",
}

# One workspace for the module: with ``--dist loadgroup`` the tests share one
# worker (and one build) under pytest-xdist.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("e2e")]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the end-to-end tests drive Debian's Chromium. "
            "Run `make browser` to install it.",
            pytrace=False,
        )
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    from sarap.demo import build_workspace
    from sarap.web import create_app, running_server

    folder = tmp_path_factory.mktemp("web-e2e")
    workspace = build_workspace(folder, rows=8000, taxpayers=600, seed=1)
    app = create_app(workspace)
    with running_server(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def base_url(served: tuple[str, Any]) -> str:
    return served[0]


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


def by_id(testid: str) -> str:
    return f'[data-testid="{testid}"]'


def sign_in(context: BrowserContext, base_url: str, user: str) -> Page:
    page = context.new_page()
    page.goto(base_url + "/")
    expect(page.locator(by_id("signin-form"))).to_be_visible()
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORDS[user])
    page.locator(by_id("signin-submit")).click()
    expect(page.locator(by_id("user-name"))).to_have_text(user)
    return page


def upload(page: Page, base_url: str, name: str, text: str, loaded: int) -> None:
    """Import ``text`` as the file ``name`` through the API, as the signed-in
    admin of ``page``; ``loaded`` rows must load."""
    csrf = page.request.get(base_url + "/api/me").json()["csrf_token"]
    sent = page.request.post(
        base_url + "/api/uploads",
        headers={"X-CSRF-Token": csrf},
        multipart={
            "file": {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
        },
    )
    assert sent.ok and sent.json()["rows_loaded"] == loaded, sent.text()


def wait_ready(page: Page, region: str, *query: str) -> None:
    """Wait until a results region answers the address now shown, with an API
    query holding each of `query`."""
    page.wait_for_function(
        """([testid, parts]) => {
          const el = document.querySelector(`[data-testid="${testid}"]`);
          return Boolean(el) && el.dataset.state === "ready"
            && el.dataset.hash === location.hash
            && parts.every((p) => (el.dataset.query || "").includes(p));
        }""",
        arg=[region, list(query)],
    )


def column(
    page: Page, row: str, cell: str | None = None, attr: str = "value"
) -> list[str]:
    """A data attribute of each row (or of one cell in each row)."""
    selector = by_id(row) if cell is None else f"{by_id(row)} {by_id(cell)}"
    return page.locator(selector).evaluate_all(f"els => els.map(e => e.dataset.{attr})")


def test_analyst_works_the_queue_and_records_an_outcome(
    context: BrowserContext, base_url: str
) -> None:
    page = sign_in(context, base_url, "analyst")
    expect(page).to_have_url(re.compile(r"#/queue$"))
    wait_ready(page, "queue-results", "sort=risk")
    rows = page.locator(by_id("queue-row"))
    expect(rows.first).to_be_visible()
    risks = [float(v) for v in column(page, "queue-row", "cell-risk")]
    assert risks == sorted(risks, reverse=True), "riskiest first by default"

    # Filter: high band, then the country of the riskiest high declaration.
    page.get_by_label("Risk band").select_option("high")
    expect(page).to_have_url(re.compile(r"band=high"))
    wait_ready(page, "queue-results", "band=high")
    assert set(column(page, "queue-row", attr="band")) == {"high"}
    country = page.locator(by_id("cell-country")).first.inner_text()
    page.get_by_label("Country of origin").select_option(country)
    wait_ready(page, "queue-results", "band=high", f"country={country}")
    assert set(page.locator(by_id("cell-country")).all_inner_texts()) == {country}
    filtered_total = int(page.locator(by_id("pager-total")).get_attribute("data-total"))
    assert 0 < filtered_total < 8000

    # The filters live in the address: a reload keeps them.
    page.reload()
    wait_ready(page, "queue-results", "band=high", f"country={country}")
    expect(page.get_by_label("Risk band")).to_have_value("high")
    expect(page.get_by_label("Country of origin")).to_have_value(country)
    page.locator(by_id("filter-reset")).click()
    wait_ready(page, "queue-results", "sort=risk")
    expect(page).not_to_have_url(re.compile(r"band="))

    # Sort by value: the first click sorts descending, the second ascending.
    page.locator(by_id("sort-value")).click()
    wait_ready(page, "queue-results", "sort=value", "order=desc")
    values = [float(v) for v in column(page, "queue-row", "cell-value")]
    assert values == sorted(values, reverse=True)
    page.locator(by_id("sort-value")).click()
    wait_ready(page, "queue-results", "sort=value", "order=asc")
    values = [float(v) for v in column(page, "queue-row", "cell-value")]
    assert values == sorted(values)
    header = page.locator("th", has=page.locator(by_id("sort-value")))
    expect(header).to_have_attribute("aria-sort", "ascending")

    # Page forward and back.
    info = page.locator(by_id("pager-info"))
    expect(info).to_have_attribute("data-page", "1")
    pages = int(info.get_attribute("data-pages"))
    assert pages > 1
    first_on_page_1 = rows.first.get_attribute("data-id")
    page.locator(by_id("pager-next")).click()
    wait_ready(page, "queue-results", "sort=value", "page=2")
    expect(info).to_have_attribute("data-page", "2")
    expect(info).to_have_text(f"Page 2 of {pages}")
    assert rows.first.get_attribute("data-id") != first_on_page_1
    page.locator(by_id("pager-prev")).click()
    wait_ready(page, "queue-results", "sort=value", "page=1")
    expect(rows.first).to_have_attribute("data-id", first_on_page_1)

    # Open the riskiest declaration and record what the inspection found.
    page.locator(by_id("sort-risk")).click()
    wait_ready(page, "queue-results", "sort=risk", "order=desc")
    declaration = rows.first.get_attribute("data-id")
    rows.first.locator(by_id("declaration-link")).click()
    expect(page).to_have_url(
        re.compile("#/declarations/" + re.escape(quote(declaration, safe="")))
    )
    expect(page.locator(by_id("decl-id"))).to_have_text(declaration)
    expect(page.locator(by_id("decl-band"))).to_contain_text("High")
    expect(page.locator(by_id("decl-reasons")).locator("li").first).to_be_visible()
    expect(page.locator(by_id("decl-line")).first).to_be_visible()
    expect(page.locator(by_id("outcome-none"))).to_be_visible()

    page.get_by_label("Yes, a violation").check()
    page.get_by_label("Additional revenue assessed").fill("1234.5")
    page.locator(by_id("outcome-save")).click()
    expect(page.locator(by_id("outcome-saved"))).to_have_text("Outcome saved.")
    saved = page.locator(by_id("outcome-current"))
    expect(saved).to_have_attribute("data-fraud", "true")
    expect(saved).to_contain_text("Violation found")
    expect(page.locator(by_id("outcome-revenue-value"))).to_have_text("1,234.50")

    # The queue API now carries the outcome...
    answer = page.request.get(f"{base_url}/api/queue?q={quote(declaration)}")
    assert answer.ok
    item = next(i for i in answer.json()["items"] if i["declaration_id"] == declaration)
    assert item["outcome"]["fraud"] is True
    assert item["outcome"]["additional_revenue"] == pytest.approx(1234.5)
    # ...and so does the queue page, back where the analyst left it.
    page.locator(by_id("back-to-queue")).click()
    wait_ready(page, "queue-results", "sort=risk")
    tag = page.locator(f'{by_id("queue-row")}[data-id="{declaration}"] .tag')
    expect(tag).to_have_attribute("data-fraud", "true")

    # A reload of the declaration shows the saved outcome in the form.
    page.goto(f"{base_url}/#/declarations/{quote(declaration, safe='')}")
    expect(page.get_by_label("Yes, a violation")).to_be_checked()
    expect(page.get_by_label("Additional revenue assessed")).to_have_value("1234.5")


def test_auditor_opens_a_taxpayer_with_its_graph_and_history(
    context: BrowserContext, base_url: str
) -> None:
    page = sign_in(context, base_url, "auditor")
    nav = page.locator(by_id("nav"))
    expect(nav.locator(by_id("nav-taxpayers"))).to_be_visible()
    expect(nav.locator(by_id("nav-turnover"))).to_be_visible()
    for hidden in ("nav-queue", "nav-upload", "nav-admin"):
        expect(nav.locator(by_id(hidden))).to_have_count(0)

    expect(page).to_have_url(re.compile(r"#/taxpayers$"))
    page.get_by_label("Risk band").select_option("high")
    wait_ready(page, "tp-results", "band=high")
    assert set(column(page, "tp-row", attr="band")) == {"high"}
    scores = [float(v) for v in column(page, "tp-row", "cell-score")]
    assert scores == sorted(scores, reverse=True)

    first = page.locator(by_id("tp-row")).first
    party = first.get_attribute("data-id")
    first.locator(by_id("tp-link")).click()
    expect(page.locator(by_id("tp-id"))).to_have_text(party)
    expect(page.locator(by_id("tp-band"))).to_contain_text("High")
    expect(page.locator(by_id("tp-reason")).first).to_be_visible()
    expect(page.locator(by_id("tp-reason-text")).first).not_to_be_empty()
    expect(page.locator(by_id("history-chart"))).to_be_visible()
    assert (
        page.locator(f"{by_id('history-chart')} {by_id('history-point')}").count() >= 1
    )

    # The supply-chain graph: nodes, edges, the centre marked.
    svg = page.locator(by_id("graph-svg"))
    expect(svg).to_be_visible()
    nodes = svg.locator(by_id("graph-node"))
    assert nodes.count() >= 2
    assert svg.locator(by_id("graph-edge")).count() >= 1
    expect(svg.locator(f'{by_id("graph-node")}[data-hops="0"]')).to_have_attribute(
        "data-id", party
    )

    # Wheel zooms.
    scene = svg.locator("g.scene")
    before = scene.get_attribute("transform")
    svg.hover()
    page.mouse.wheel(0, -400)
    expect(scene).not_to_have_attribute("transform", before)

    # A neighbour with a profile that is not hidden under another node.
    target = page.evaluate(
        """() => {
        for (const g of document.querySelectorAll('[data-testid=graph-node]')) {
          if (g.dataset.hops === '0' || !g.dataset.band) continue;
          const r = g.querySelector('circle.node-dot').getBoundingClientRect();
          const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
          if (hit && hit.closest('[data-testid=graph-node]') === g) return g.dataset.id;
        }
        return null;
      }"""
    )
    assert target, "no neighbour to click in the graph"
    node = svg.locator(f'{by_id("graph-node")}[data-id="{target}"]')

    # Dragging a node moves it and opens nothing.
    moved_from = node.get_attribute("transform")
    box = node.locator("circle.node-dot").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 30, steps=5)
    page.mouse.up()
    expect(node).not_to_have_attribute("transform", moved_from)
    expect(page.locator(by_id("tp-id"))).to_have_text(party)

    # A click opens that taxpayer.
    node.locator("circle.node-dot").click()
    expect(page).to_have_url(
        re.compile("#/taxpayers/" + re.escape(quote(target, safe="")))
    )
    expect(page.locator(by_id("tp-id"))).to_have_text(target)
    expect(page.locator(by_id("graph-svg"))).to_be_visible()

    # In Russian the findings read in Russian, as the API words them.
    profile = page.request.get(f"{base_url}/api/taxpayers/{quote(target, safe='')}")
    reasons = profile.json()["reasons"]
    if reasons:
        page.locator(by_id("lang-ru")).click()
        first_reason = page.locator(by_id("tp-reason-text")).first
        expect(first_reason).to_have_text(reasons[0]["reason_ru"])
        expect(page.locator(by_id("tp-band"))).to_have_text(
            re.compile("Высокий|Средний|Низкий")
        )


def test_language_switch_changes_labels_and_number_formats(
    context: BrowserContext, base_url: str
) -> None:
    page = sign_in(context, base_url, "analyst")
    wait_ready(page, "queue-results", "sort=risk")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(by_id("nav-queue"))).to_have_text("Inspection queue")
    expect(page.locator(by_id("pager-total"))).to_have_text(
        re.compile(r"^[\d,]+ declarations$")
    )
    value = page.locator(by_id("cell-value")).first
    expect(value).to_have_text(re.compile(r"^\d{1,3}(,\d{3})*\.\d{2}$"))
    date = page.locator(by_id("cell-date")).first
    expect(date).to_have_text(re.compile(r"^\d{2}/\d{2}/\d{4}$"))
    expect(page.locator(f"{by_id('queue-row')} {by_id('band')}").first).to_have_text(
        "High"
    )
    reason = page.locator(by_id("cell-reason")).first
    expect(reason).to_have_text(re.compile(r"^[^А-Яа-яЁё]+$"))

    page.locator(by_id("lang-ru")).click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator(by_id("lang-ru"))).to_have_attribute("aria-pressed", "true")
    wait_ready(page, "queue-results", "sort=risk")
    expect(page.locator(by_id("nav-queue"))).to_have_text("Очередь досмотра")
    expect(page.locator(by_id("page-title"))).to_have_text("Очередь досмотра")
    expect(page.get_by_label("Уровень риска")).to_be_visible()
    expect(page.locator(by_id("pager-total"))).to_have_text(
        re.compile(r"^Деклараций: \d")
    )
    # ru-RU: spaces group thousands, a comma marks decimals; dates use dots.
    expect(value).to_have_text(re.compile(r"^\d{1,3}(\s\d{3})*,\d{2}$"))
    expect(date).to_have_text(re.compile(r"^\d{2}\.\d{2}\.\d{4}$"))
    expect(page.locator(f"{by_id('queue-row')} {by_id('band')}").first).to_have_text(
        "Высокий"
    )
    # The agent's reasons too, in the words of the API's reasons_ru.
    expect(reason).to_have_text(re.compile(r"(досмотр|медиан|ТН ВЭД|стоимость)"))

    # The choice is remembered.
    page.reload()
    wait_ready(page, "queue-results", "sort=risk")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator(by_id("logout"))).to_have_text("Выйти")

    page.locator(by_id("nav-turnover")).click()
    wait_ready(page, "turnover-results", "by=partner")
    expect(page.locator(by_id("page-title"))).to_have_text("Товарооборот")
    expect(page.locator(by_id("turnover-chart"))).to_be_visible()
    assert page.locator(by_id("turnover-bar")).count() >= 1
    total = page.locator(by_id("turnover-total-value"))
    expect(total).to_have_text(re.compile(r"^\d{1,3}(\s\d{3})*\s\$$"))
    page.get_by_label("Группировка").select_option("chapter")
    wait_ready(page, "turnover-results", "by=chapter")
    expect(page.locator("thead th").first).to_have_text("Группа товаров")

    page.locator(by_id("lang-en")).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    wait_ready(page, "turnover-results", "by=chapter")
    expect(page.locator(by_id("page-title"))).to_have_text("Trade turnover")
    expect(total).to_have_text(re.compile(r"^\$[\d,]+$"))


def test_admin_uploads_a_file_and_sees_the_quarantine(
    context: BrowserContext, base_url: str, tmp_path: Path
) -> None:
    header = (
        "declaration_id,item_no,date,office_id,importer_id,declarant_id,hs_code,"
        "description,country_origin,country_departure,net_mass_kg,customs_value,"
        "currency,tax_rate"
    )
    rows = [
        "E2E-0001,1,2024-12-02,55101,IMPE2E1,BRK1,851712,SMARTPHONE,CN,CN,12.5,15000,USD,0",
        "E2E-0002,1,2024-12-03,55101,IMPE2E2,BRK1,620342,TROUSERS,TR,TR,300,4500,USD,12",
        "E2E-0003,1,2024-12-04,55101,IMPE2E3,BRK1,640399,SHOES,CN,CN,250,lots,USD,10",
        "E2E-0004,1,2024-12-05,55101,,BRK1,940360,FURNITURE,CN,CN,800,2000,USD,8",
    ]
    upload = tmp_path / "declarations_e2e.csv"
    upload.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    page = sign_in(context, base_url, "admin")
    nav = page.locator(by_id("nav"))
    for name in ("queue", "taxpayers", "turnover", "upload", "admin"):
        expect(nav.locator(by_id(f"nav-{name}"))).to_be_visible()

    nav.locator(by_id("nav-upload")).click()
    expect(page.locator(by_id("page-title"))).to_have_text("Upload data")
    page.get_by_label("File", exact=True).set_input_files(upload)
    page.get_by_label("Column mapping").select_option("")
    page.locator(by_id("upload-submit")).click()

    summary = page.locator(by_id("upload-summary"))
    expect(summary).to_be_visible()
    expect(page.locator(by_id("upload-file-name"))).to_have_text(upload.name)
    expect(page.locator(by_id("upload-read"))).to_have_attribute("data-value", "4")
    expect(page.locator(by_id("upload-loaded"))).to_have_attribute("data-value", "2")
    expect(page.locator(by_id("upload-quarantined"))).to_have_attribute(
        "data-value", "2"
    )
    quarantined = page.locator(by_id("quarantine-row"))
    expect(quarantined).to_have_count(2)
    reasons = " | ".join(page.locator(by_id("quarantine-reason")).all_inner_texts())
    assert "customs_value" in reasons
    assert "importer_id" in reasons
    expect(quarantined.first).to_contain_text("E2E-0003")
    assert page.locator(by_id("upload-reason")).count() >= 1

    # The same file again: nothing new is loaded.
    page.locator(by_id("upload-submit")).click()
    expect(page.locator(by_id("upload-duplicates"))).to_have_attribute(
        "data-value", "2"
    )
    expect(page.locator(by_id("upload-loaded"))).to_have_attribute("data-value", "0")

    # In Russian the quarantine reasons read in Russian.
    page.locator(by_id("lang-ru")).click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.locator("input[type=file]").set_input_files(upload)
    page.locator(by_id("upload-submit")).click()
    expect(page.locator(by_id("quarantine-row"))).to_have_count(2)
    reasons_ru = " | ".join(page.locator(by_id("quarantine-reason")).all_inner_texts())
    assert "неверное значение customs_value" in reasons_ru, reasons_ru
    assert "нет значения importer_id" in reasons_ru, reasons_ru
    page.locator(by_id("lang-en")).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # Administration: users and a verified audit chain.
    nav.locator(by_id("nav-admin")).click()
    users = page.locator(by_id("user-row"))
    expect(users.first).to_be_visible()
    names = set(users.evaluate_all("els => els.map(e => e.dataset.username)"))
    assert {"analyst", "auditor", "admin"} <= names
    expect(page.locator(by_id("runs-state"))).to_have_attribute("data-state", "idle")
    expect(page.locator(by_id("runs-start"))).to_be_enabled()
    expect(page.locator(by_id("audit-row")).first).to_be_visible()
    page.locator(by_id("audit-verify")).click()
    result = page.locator(by_id("audit-verify-result"))
    expect(result).to_have_attribute("data-ok", "true")
    expect(result).to_contain_text("intact")


def test_analyst_sees_only_their_pages_and_signs_out(
    context: BrowserContext, base_url: str
) -> None:
    page = context.new_page()
    page.goto(base_url + "/#/queue")
    page.get_by_label("User name").fill("analyst")
    page.get_by_label("Password").fill("not-the-password")
    page.locator(by_id("signin-submit")).click()
    expect(page.locator(by_id("signin-error"))).to_contain_text(
        "Wrong user name or password."
    )
    # Guessing on: after five failures for a name, sign-in is refused a while.
    page.get_by_label("User name").fill("intruder")
    for _ in range(5):
        page.get_by_label("Password").fill("guess-guess")
        page.locator(by_id("signin-submit")).click()
        expect(page.locator(by_id("signin-error"))).to_contain_text("Wrong user name")
        page.locator(by_id("signin-error")).evaluate("e => e.textContent = ''")
    page.get_by_label("Password").fill("guess-guess")
    page.locator(by_id("signin-submit")).click()
    expect(page.locator(by_id("signin-error"))).to_contain_text(
        "Too many failed sign-ins"
    )
    page.close()

    page = sign_in(context, base_url, "analyst")
    nav = page.locator(by_id("nav"))
    expect(nav.locator(by_id("nav-queue"))).to_be_visible()
    expect(nav.locator(by_id("nav-turnover"))).to_be_visible()
    for hidden in ("nav-taxpayers", "nav-upload", "nav-admin"):
        expect(nav.locator(by_id(hidden))).to_have_count(0)

    # Typing an address of another role's page shows a refusal, not the page.
    page.goto(base_url + "/#/admin")
    expect(page.locator(by_id("page-title"))).to_have_text("Not allowed")
    expect(page.locator(by_id("users-table"))).to_have_count(0)
    assert page.request.get(base_url + "/api/users").status == 403

    # The session ends elsewhere: the next request brings back the sign-in.
    csrf = page.request.get(base_url + "/api/me").json()["csrf_token"]
    gone = page.request.post(base_url + "/api/logout", headers={"X-CSRF-Token": csrf})
    assert gone.status == 204
    page.locator(by_id("nav-queue")).click()
    expect(page.locator(by_id("signin-form"))).to_be_visible()
    expect(page.locator(by_id("signin-error"))).to_contain_text("session has ended")

    # Sign in again, then out with the button.
    page.get_by_label("User name").fill("analyst")
    page.get_by_label("Password").fill(PASSWORDS["analyst"])
    page.locator(by_id("signin-submit")).click()
    expect(page.locator(by_id("user-name"))).to_have_text("analyst")
    page.locator(by_id("logout")).click()
    expect(page.locator(by_id("signin-form"))).to_be_visible()
    expect(page.locator(by_id("nav"))).to_have_count(0)
    page.goto(base_url + "/#/queue")
    expect(page.locator(by_id("signin-form"))).to_be_visible()
    assert page.request.get(base_url + "/api/me").status == 401


def test_declaration_numbers_with_slashes_and_signs_open(
    context: BrowserContext, base_url: str
) -> None:
    # EAEU numbers (office/date/number) and ids with '+', ':', '#', '?', '%'.
    ids = ["10702020/010124/0001234", "KG+7:1", "N#1/Q?2", "P%2F1 A"]
    page = sign_in(context, base_url, "admin")
    upload(page, base_url, "odd.csv", declarations_csv(ids), len(ids))
    for did in ids:
        # The address the queue's link gives (hashFor).
        page.goto(f"{base_url}/#/declarations/{quote(did, safe='')}")
        expect(page.locator(by_id("decl-id"))).to_have_text(did)
        expect(page.locator(by_id("decl-line"))).to_have_count(1)
        # An importer with no name on file: its id alone, not "(IMPODD)".
        expect(page.locator(by_id("decl-importer"))).to_have_text("IMPODD")
    page.get_by_label("No violation").check()
    page.locator(by_id("outcome-save")).click()
    expect(page.locator(by_id("outcome-saved"))).to_have_text("Outcome saved.")


def test_taxpayer_ids_with_slashes_and_signs_open(
    context: BrowserContext, base_url: str
) -> None:
    ids = ["KG/01-123", "RU 7701+1:2"]
    parties = "party_id,country,name\n" + "".join(f'"{p}",KZ,Firm\n' for p in ids)
    page = sign_in(context, base_url, "admin")
    upload(page, base_url, "p.csv", parties, len(ids))
    for party in ids:
        page.goto(f"{base_url}/#/taxpayers/{quote(party, safe='')}")
        expect(page.locator(by_id("tp-id"))).to_have_text(party)
        expect(page.locator(by_id("error"))).to_have_count(0)


def test_admin_uploads_a_file_in_an_encoding_chosen_on_the_form(
    context: BrowserContext, base_url: str, tmp_path: Path
) -> None:
    upload = tmp_path / "suppliers_de.csv"
    upload.write_bytes(
        "party_id,country,name\nDE9,DE,Röhren Ø 50 mm ± 0.5°\n".encode("cp1252")
    )
    page = sign_in(context, base_url, "admin")
    page.locator(by_id("nav-upload")).click()
    page.get_by_label("File", exact=True).set_input_files(upload)
    page.locator(by_id("upload-submit")).click()
    detail = page.locator(by_id("error-detail"))
    expect(detail).to_contain_text("choose the file's encoding on the form")
    expect(detail).not_to_contain_text("--encoding")

    page.get_by_label("Encoding (CSV, JSON)").select_option(
        label="Windows-1252 (Western European)"
    )
    page.locator(by_id("upload-submit")).click()
    expect(page.locator(by_id("upload-loaded"))).to_have_attribute("data-value", "1")
    name = page.request.get(f"{base_url}/api/taxpayers/DE9").json()["name"]
    assert name == "Röhren Ø 50 mm ± 0.5°"


def test_evidence_of_a_finding_reads_in_the_pages_language(
    context: BrowserContext, served: tuple[str, Any]
) -> None:
    # What the network agent writes for a firm that sells too much for its staff.
    base_url, app = served
    store = app.state.store
    party = store.query("SELECT party_id FROM profiles ORDER BY score DESC LIMIT 1")
    party = party[0]["party_id"]
    evidence = '{"sold": 2979970.11, "staff": 0, "sector": "wholesale", '
    evidence += '"times_sector_per_head": 14.98, "age_days": 41}'
    store.cursor().execute(
        "INSERT INTO findings VALUES ('e2e', 'network', ?, 'size_anomaly', 9.0, "
        "NULL, 'sales 2,979,970 with 0 staff', 'продажи 2,979,970 при 0 "
        "сотрудниках', ?)",
        [party, evidence],
    )
    page = sign_in(context, base_url, "auditor")
    page.locator(by_id("lang-ru")).click()
    page.goto(f"{base_url}/#/taxpayers/{quote(party, safe='')}")
    card = page.locator(by_id("tp-reason")).filter(has_text="сотрудниках")
    expect(card.locator(f"{by_id('evidence')} dt")).to_have_count(5)
    labels = card.locator(f"{by_id('evidence')} dt").all_inner_texts()
    assert not [x for x in labels if re.search("[A-Za-z]", x)], labels
    expect(card.locator('dd[data-key="sector"]')).to_have_text("оптовая торговля")


def test_evidence_links_russian_and_kyrgyz_numbers(
    context: BrowserContext, served: tuple[str, Any]
) -> None:
    # A Russian declaration number (8-digit office), a Russian INN (10
    # digits) and a Kyrgyz one (14) in a finding's evidence open their pages.
    base_url, app = served
    store = app.state.store
    party = store.query("SELECT party_id FROM profiles ORDER BY score LIMIT 1")
    party = party[0]["party_id"]
    evidence = (
        '{"declarations": ["10702020/010124/0001234"], '
        '"path": ["7701234567", "01234567890123"], "hs6": "8517620000"}'
    )
    store.cursor().execute(
        "INSERT INTO findings VALUES ('e2e', 'network', ?, 'carousel', 9.0, "
        "NULL, 'ids from Russia and Kyrgyzstan', 'номера России и Киргизии', ?)",
        [party, evidence],
    )
    page = sign_in(context, base_url, "admin")
    page.goto(f"{base_url}/#/taxpayers/{quote(party, safe='')}")
    card = page.locator(by_id("tp-reason")).filter(has_text="Kyrgyzstan")
    expect(card.locator(by_id("evidence-declaration"))).to_have_attribute(
        "href", "#/declarations/" + quote("10702020/010124/0001234", safe="")
    )
    expect(card.locator(by_id("evidence-taxpayer"))).to_have_count(2)
    expect(card.locator('dd[data-key="hs6"] a')).to_have_count(0)


def test_audit_log_reads_in_russian(context: BrowserContext, base_url: str) -> None:
    page = sign_in(context, base_url, "admin")
    page.locator(by_id("lang-ru")).click()
    page.locator(by_id("nav-admin")).click()
    page.locator(by_id("audit-verify")).click()
    expect(page.locator(by_id("audit-verify-result"))).to_have_attribute(
        "data-ok", "true"
    )
    page.reload()
    first = page.locator(by_id("audit-row")).first
    expect(first.locator(by_id("audit-action"))).to_have_text("проверка цепочки")
    expect(first.locator(by_id("audit-object"))).to_have_text("журнал аудита")
    actions = page.locator(by_id("audit-action")).all_inner_texts()
    assert "вход" in actions
    assert not [a for a in actions if re.search("[A-Za-z]", a)], actions


def test_one_declaration_found_is_counted_in_the_singular(
    context: BrowserContext, base_url: str
) -> None:
    page = sign_in(context, base_url, "analyst")
    wait_ready(page, "queue-results", "sort=risk")
    declaration = page.locator(by_id("queue-row")).first.get_attribute("data-id")
    page.get_by_label("Search").fill(declaration)
    page.get_by_label("Search").press("Enter")
    wait_ready(page, "queue-results", "q=")
    expect(page.locator(by_id("pager-total"))).to_have_text("1 declaration")
    page.locator(by_id("lang-ru")).click()
    expect(page.locator(by_id("pager-total"))).to_have_text("Деклараций: 1")


@pytest.mark.parametrize("locale", ["ru-RU", "kk-KZ", "ky-KG"])
def test_russian_kazakh_and_kyrgyz_browsers_start_in_russian(
    browser: Browser, base_url: str, locale: str
) -> None:
    # The page speaks Russian and English; users in Kazakhstan and
    # Kyrgyzstan read Russian.
    ctx = browser.new_context(locale=locale)
    try:
        page = ctx.new_page()
        page.goto(base_url + "/")
        expect(page.locator(by_id("page-title"))).to_have_text("Вход в систему")
        expect(page.locator("html")).to_have_attribute("lang", "ru")
    finally:
        ctx.close()


def test_a_page_past_the_end_shows_the_last_page(
    context: BrowserContext, base_url: str
) -> None:
    # An address kept from before the queue shrank (inspected declarations
    # leave it at the next run) shows the last page, not "nothing matches".
    page = sign_in(context, base_url, "admin")
    page.goto(f"{base_url}/#/queue?band=high&page=999")
    expect(page).to_have_url(re.compile(r"band=high&page=\d+$"))
    expect(page).not_to_have_url(re.compile(r"page=999"))
    wait_ready(page, "queue-results", "band=high")
    info = page.locator(by_id("pager-info"))
    assert info.get_attribute("data-page") == info.get_attribute("data-pages")
    expect(page.locator(by_id("queue-row")).first).to_be_visible()
    page.goto(f"{base_url}/#/taxpayers?page=999")
    wait_ready(page, "tp-results")
    expect(page.locator(by_id("tp-row")).first).to_be_visible()
    page.goto(f"{base_url}/#/admin?page=999")
    expect(page.locator(by_id("audit-row")).first).to_be_visible()


def test_admin_sets_a_password_and_removes_a_user(
    context: BrowserContext, base_url: str
) -> None:
    import httpx

    page = sign_in(context, base_url, "admin")
    page.locator(by_id("nav-admin")).click()
    form = page.locator(by_id("user-add-form"))
    form.locator(by_id("user-add-username")).fill("ainur")
    form.locator(by_id("user-add-password")).fill("first-long-pass")
    form.locator(by_id("user-add-submit")).click()
    row = page.locator(f'{by_id("user-row")}[data-username="ainur"]')
    expect(row).to_be_visible()
    # One's own row has no button to remove it.
    own = page.locator(f'{by_id("user-row")}[data-username="admin"]')
    expect(own.locator(by_id("user-remove"))).to_have_count(0)

    reset = page.locator(by_id("user-password-form"))
    reset.locator(by_id("user-password-username")).select_option("ainur")
    reset.locator(by_id("user-password-password")).fill("second-long-pass")
    reset.locator(by_id("user-password-submit")).click()
    message = page.locator(by_id("user-message"))
    expect(message).to_contain_text("Password of ainur changed")
    login = {"username": "ainur", "password": "second-long-pass"}
    assert httpx.post(f"{base_url}/api/login", json=login).status_code == 200

    # In Russian; the confirmation is accepted.
    page.locator(by_id("lang-ru")).click()
    remove = row.locator(by_id("user-remove"))
    expect(remove).to_have_text("Удалить")
    page.once("dialog", lambda dialog: dialog.accept())
    remove.click()
    expect(message).to_contain_text("Пользователь ainur удалён")
    expect(row).to_have_count(0)
    assert httpx.post(f"{base_url}/api/login", json=login).status_code == 401
    page.reload()
    expect(page.locator(by_id("audit-row")).first).to_be_visible()
    actions = page.locator(by_id("audit-action")).all_inner_texts()
    assert "удалён пользователь" in actions and "изменён пароль" in actions, actions
