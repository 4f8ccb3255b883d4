"""A 12 MP photo sent from the receipt form over a slow 3G connection, as the phone sent it
before (the camera's file) and as it sends it now (scaled down on the phone to 2,000 px, JPEG
at 0.85: static/js/receipts.js).

Debian's Chromium at a phone's size, driven by Playwright, against the portal with its demo
data served on loopback (a werkzeug thread, as the browser tests); Chromium's own network
emulation (DevTools `Network.emulateNetworkConditions`) holds the page to 400 kbit/s each way
with 400 ms of round trip. "Before" is the same page in a browser without
`createImageBitmap`, where the script sends the file as it is. Each figure is from the tap on
"Enregistrer" to the receipt's page ("Dépense enregistrée."), the server's re-encoding of the
photo included. `make bench` calls `run()`."""

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KBIT = 1000 / 8  # bytes per second in one kbit/s
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * KBIT,
    "uploadThroughput": 400 * KBIT,
}
RUNS = {"before": 2, "after": 3}


def _portal(folder: Path):
    from portal import create_app
    from portal.cli import upgrade_database
    from portal.db import db
    from portal.demo import seed_demo_data

    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade_database(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "PUBLIC_URL": "http://127.0.0.1",
            "SECRET_KEY": "bench",
            "SMTP_HOST": None,
            "DATA_DIR": str(folder / "data"),
        }
    )
    with app.app_context():
        list(seed_demo_data(db.session))
        db.session.commit()
    return app


def _send(browser, base: str, photo: Path, scaled_down: bool) -> tuple[float, int]:
    """Seconds from the tap to the receipt's page, and the bytes of the form sent."""
    from playwright.sync_api import expect

    from tests.e2e.conftest import PHONE
    from tests.e2e.test_login_journey import log_in

    context = browser.new_context(
        base_url=base, viewport=PHONE, is_mobile=True, locale="fr-FR", service_workers="block"
    )
    if not scaled_down:
        context.add_init_script("delete window.createImageBitmap")
    page = context.new_page()
    try:
        log_in(page, "camille@demo.coop")
        expect(page.get_by_role("heading", name="Bonjour Camille")).to_be_visible()
        page.goto("/receipts/new")
        page.locator("input[type=file]").set_input_files(str(photo))
        expect(page.locator(".file-chosen")).to_have_text(photo.name, timeout=30_000)
        page.get_by_label("Montant TTC (€)").fill("48,20")
        page.get_by_label("Fournisseur").fill("Station Total")
        page.get_by_label("Catégorie").select_option(label="Carburant (voiture particulière)")
        network = context.new_cdp_session(page)
        network.send("Network.enable")
        network.send("Network.emulateNetworkConditions", SLOW_3G)
        with page.expect_request(lambda r: r.method == "POST") as sent:
            started = time.monotonic()
            page.get_by_role("button", name="Enregistrer").click()
            expect(page.get_by_text("Dépense enregistrée.")).to_be_visible(timeout=300_000)
        elapsed = time.monotonic() - started
        return elapsed, int(sent.value.all_headers()["content-length"])
    finally:
        context.close()


def run() -> str:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM
    from tests.helpers import camera_photo
    from tests.servers import serve

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        photo = folder / "photo.jpg"
        photo.write_bytes(camera_photo())
        size = photo.stat().st_size
        app = _portal(folder)
        with serve(app) as port, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            for label, scaled_down in (("before", False), ("after", True)):
                runs = [
                    _send(browser, f"http://127.0.0.1:{port}", photo, scaled_down)
                    for _ in range(RUNS[label])
                ]
                seconds = [elapsed for elapsed, _size in runs]
                what = "scaled down on the phone" if scaled_down else "the camera file"
                rows.append(
                    f"| {label}: {what} "
                    f"| {runs[0][1] / 1e6:.2f} MB | {len(runs)} "
                    f"| {statistics.median(seconds):.1f} s | {max(seconds):.1f} s |"
                )
            browser.close()
    return "\n".join(
        [
            "## Receipt photo over slow 3G (issue 19)",
            "",
            f"A 12 MP JPEG from a phone's camera ({size / 1e6:.1f} MB, 4,000 × 3,000 px) sent"
            " from the receipt form by Chromium at 390 px, network emulated at 400 kbit/s up"
            " and down, 400 ms round trip (DevTools' `Network.emulateNetworkConditions`);"
            " from the tap to the receipt's page, the server's re-encoding included. Before:"
            " the file as the camera made it; after: scaled down on the phone to 2,000 px,"
            " JPEG 0.85 (`static/js/receipts.js`).",
            "",
            "| upload | bytes sent | runs | median | worst |",
            "|---|---:|---:|---:|---:|",
            *rows,
        ]
    )
