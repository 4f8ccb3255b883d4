"""Screenshots of the portal's pages, to prove a change of stylesheet or templates changes
nothing a user sees: shoot before, shoot after, compare pixel by pixel.

    python -m tests.e2e.screenshots shoot DIR     # run in a copy of the code to shoot
    python -m tests.e2e.screenshots compare BEFORE AFTER

Crawled from the home page as an entrepreneur, the support team and an admin, at a phone's
width (390 px) and a desktop's (1280 px), full pages, in Chromium from the system."""

import re
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import text

from portal import create_app
from portal.cli import upgrade_database
from portal.db import db
from portal.demo import DEMO_PASSWORD, seed_demo_data
from tests.crawl import crawl, shape
from tests.e2e.conftest import CHROMIUM
from tests.e2e.test_phone_layout import NOT_SHOWN
from tests.servers import serve

PEOPLE = ("camille@demo.coop", "equipe@demo.coop", "admin@demo.coop")
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def shoot(folder: Path) -> None:
    data = Path(tempfile.mkdtemp())
    url = f"sqlite:///{data / 'shots.sqlite3'}"
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "shots", "SMTP_HOST": None,
                      "PUBLIC_URL": "http://127.0.0.1",
                      "DATA_DIR": str(data / "files")})  # fmt: skip
    with app.app_context():
        list(seed_demo_data(db.session))
        # Meetings' references are random: numbered instead, two seeds show the same pages.
        db.session.execute(text("UPDATE meetings SET ref = 'm' || id"))
        db.session.commit()
    with serve(app) as port, sync_playwright() as p:
        base = f"http://127.0.0.1:{port}"
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for email in PEOPLE:
            for size, viewport in WIDTHS.items():
                context = browser.new_context(viewport=viewport, locale="fr-FR")
                shoot_pages(context.new_page(), base, email, folder / email.split("@")[0] / size)
                context.close()
        browser.close()


def shoot_pages(page: Page, base: str, email: str, folder: Path) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"{base}/")
    folder.mkdir(parents=True, exist_ok=True)
    shots: list[str] = []

    def visit(path: str) -> list[str]:
        response = page.goto(base + path)
        if "text/html" not in response.headers.get("content-type", ""):
            return []
        kind = re.sub(r"[^a-z0-9_]+", "-", shape(path)).strip("-") or "home"
        image = folder / f"{kind}-{shots.count(kind)}.png"
        shots.append(kind)
        page.screenshot(path=image, full_page=True, animations="disabled", caret="hide")
        return page.eval_on_selector_all("a[href^='/']", "els => els.map(a => a.pathname)")

    crawl(visit, per_shape=2, skip=NOT_SHOWN)


def compare(before: Path, after: Path) -> int:
    """Prints each screenshot that differs (size, or the box of changed pixels); returns how
    many differ or are missing on one side."""
    names = {p.relative_to(before) for p in before.rglob("*.png")}
    names |= {p.relative_to(after) for p in after.rglob("*.png")}
    different = 0
    for name in sorted(names):
        if not (before / name).exists() or not (after / name).exists():
            print(f"{name}: only {'after' if (after / name).exists() else 'before'}")
            different += 1
            continue
        a = Image.open(before / name).convert("RGB")
        b = Image.open(after / name).convert("RGB")
        if a.size != b.size:
            print(f"{name}: {a.size} -> {b.size}")
            different += 1
        elif box := ImageChops.difference(a, b).getbbox():
            print(f"{name}: pixels differ in {box}")
            different += 1
    print(f"{len(names)} screenshots, {different} different")
    return different


if __name__ == "__main__":
    if sys.argv[1] == "shoot":
        shoot(Path(sys.argv[2]))
    else:
        sys.exit(1 if compare(Path(sys.argv[2]), Path(sys.argv[3])) else 0)
