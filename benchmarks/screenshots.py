"""Screenshots of the analyst web application for the docs.

Builds a small demo workspace (or copies the one given, so the upload and
the recorded outcome shown in the pictures never touch it), serves it on a
loopback port, signs in and saves PNGs of the main pages to
docs/screenshots/. Drives Debian's Chromium (``make browser``) headless.

    .venv/bin/python benchmarks/screenshots.py [--workspace demo/sarap.duckdb]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, expect, sync_playwright

from sarap.demo import build_workspace
from sarap.web import create_app, running_server

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--font-render-hinting=none",
    "--lang=en-GB",
]
UPLOAD_CSV = """\
declaration_id,item_no,date,office_id,importer_id,declarant_id,hs_code,description,country_origin,country_departure,net_mass_kg,customs_value,currency,tax_rate
SHOT-0001,1,2024-12-02,55101,IMPSHOT1,BRK1,851712,SMARTPHONES,CN,CN,12.5,15000,USD,0
SHOT-0002,1,2024-12-03,55101,IMPSHOT2,BRK1,620342,TROUSERS COTTON,TR,TR,300,4500,USD,12
SHOT-0003,1,2024-12-04,55201,IMPSHOT3,BRK2,640399,FOOTWEAR,CN,CN,250,about 3000,USD,10
SHOT-0004,1,2024-12-05,55201,,BRK2,940360,WOODEN FURNITURE,CN,CN,800,2000,USD,8
SHOT-0005,1,2024-13-45,55301,IMPSHOT5,BRK3,330499,COSMETICS,KR,KR,50,1200,USD,6.5
SHOT-0006,1,2024-12-06,55301,IMPSHOT6,BRK3,85AB12,PARTS,CN,CN,5,700,USD,0
"""  # noqa: E501


def by_id(testid: str) -> str:
    return f'[data-testid="{testid}"]'


def ready(page: Page, region: str) -> None:
    page.wait_for_function(
        """(testid) => {
          const el = document.querySelector(`[data-testid="${testid}"]`);
          return Boolean(el) && el.dataset.state === "ready"
            && el.dataset.hash === location.hash;
        }""",
        arg=region,
    )


def sign_in(page: Page, base: str, user: str, password: str) -> None:
    page.goto(base + "/")
    page.locator(by_id("signin-username")).fill(user)
    page.locator(by_id("signin-password")).fill(password)
    page.locator(by_id("signin-submit")).click()
    expect(page.locator(by_id("user-name"))).to_have_text(user)


def settle(page: Page) -> None:
    """Let fonts and the last frames land before a picture."""
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_timeout(300)


def shoot(page: Page, out: Path, name: str, *, full: bool = False) -> None:
    settle(page)
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def pick_declaration(page: Page, base: str) -> str:
    """The riskiest declaration with a goods-code finding, else the riskiest."""
    items = page.request.get(f"{base}/api/queue?page_size=60").json()["items"]
    for item in items:
        path = "/".join(quote(p, safe="") for p in item["declaration_id"].split("/"))
        detail = page.request.get(f"{base}/api/declarations/{path}").json()
        if any(line.get("goods_check") for line in detail["lines"]):
            return str(item["declaration_id"])
    return str(items[0]["declaration_id"])


def pick_taxpayer(page: Page, base: str) -> str:
    """A high-band taxpayer with several findings and a mid-sized graph."""
    items = page.request.get(
        f"{base}/api/taxpayers?band=high&sort=score&page_size=40"
    ).json()["items"]
    best, best_key = items[0]["party_id"], (-1, -1)
    for item in items:
        pid = quote(item["party_id"], safe="")
        graph = page.request.get(f"{base}/api/taxpayers/{pid}/graph?hops=2").json()
        n = len(graph["nodes"])
        key = (len(item["reasons_en"]), -abs(n - 45))
        if 10 <= n <= 120 and key > best_key:
            best, best_key = item["party_id"], key
    return str(best)


def take(base: str, out: Path, upload_file: Path) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        ctx = browser.new_context(
            locale="en-GB", viewport={"width": 1280, "height": 900}
        )
        ctx.set_default_timeout(30_000)
        page = ctx.new_page()

        page.goto(base + "/")
        expect(page.locator(by_id("signin-form"))).to_be_visible()
        shoot(page, out, "signin")

        sign_in(page, base, "admin", "admin-demo-pass")
        page.goto(base + "/#/queue?band=high")
        ready(page, "queue-results")
        shoot(page, out, "queue")

        declaration = pick_declaration(page, base)
        page.goto(f"{base}/#/declarations/{quote(declaration, safe='')}")
        expect(page.locator(by_id("decl-id"))).to_have_text(declaration)
        page.locator(by_id("outcome-fraud-yes")).check()
        page.locator(by_id("outcome-revenue")).fill("18250")
        page.locator(by_id("outcome-save")).click()
        expect(page.locator(by_id("outcome-saved"))).to_be_visible()
        shoot(page, out, "declaration", full=True)

        party = pick_taxpayer(page, base)
        page.goto(f"{base}/#/taxpayers/{quote(party, safe='')}")
        expect(page.locator(by_id("graph-svg"))).to_be_visible()
        shoot(page, out, "taxpayer", full=True)
        page.locator(by_id("graph")).screenshot(path=str(out / "graph.png"))
        print(f"  {out / 'graph.png'}")

        page.set_viewport_size({"width": 1280, "height": 1250})
        page.goto(base + "/#/turnover?by=partner")
        ready(page, "turnover-results")
        shoot(page, out, "turnover")
        page.set_viewport_size({"width": 1280, "height": 900})

        page.goto(base + "/#/upload")
        page.locator(by_id("upload-file")).set_input_files(upload_file)
        page.locator(by_id("upload-submit")).click()
        expect(page.locator(by_id("upload-summary"))).to_be_visible()
        shoot(page, out, "upload", full=True)

        page.goto(base + "/#/admin")
        page.locator(by_id("audit-verify")).click()
        expect(page.locator(by_id("audit-verify-result"))).to_be_visible()
        shoot(page, out, "admin")

        # The same taxpayer in Russian, and the queue.
        page.locator(by_id("lang-ru")).click()
        page.goto(f"{base}/#/taxpayers/{quote(party, safe='')}")
        expect(page.locator(by_id("graph-svg"))).to_be_visible()
        shoot(page, out, "taxpayer-ru", full=True)
        page.goto(base + "/#/queue")
        ready(page, "queue-results")
        shoot(page, out, "queue-ru")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="a workspace to copy")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--taxpayers", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} not found: run `make browser`")
    args.out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="sarap-shots-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        if args.workspace:
            source = args.workspace.resolve()
            workspace = folder / source.name
            for suffix in ("", ".wal"):
                if Path(f"{source}{suffix}").exists():
                    shutil.copy2(f"{source}{suffix}", f"{workspace}{suffix}")
            # The agents' models stay where they are, linked beside the copy.
            models = source.with_suffix(".models")
            if models.is_dir():
                workspace.with_suffix(".models").symlink_to(models)
            print(f"copied {source} in {time.perf_counter() - started:.1f}s")
        else:
            workspace = build_workspace(
                folder / "demo",
                rows=args.rows,
                taxpayers=args.taxpayers,
                seed=args.seed,
            )
            print(
                f"built a demo workspace ({args.rows:,} declaration lines, "
                f"{args.taxpayers:,} taxpayers) in {time.perf_counter() - started:.1f}s"
            )
        upload_file = folder / "declarations_december.csv"
        upload_file.write_text(UPLOAD_CSV, encoding="utf-8")
        with running_server(create_app(workspace)) as base:
            print(f"serving {workspace} at {base}; writing to {args.out}")
            take(base, args.out, upload_file)


if __name__ == "__main__":
    main()
