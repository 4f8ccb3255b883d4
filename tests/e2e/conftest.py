"""Browser tests: the real app served on loopback, driven through Debian's Chromium at a
phone's size. Only Chromium from the system is used; no browser is ever downloaded."""

import shutil

import pytest

from portal import create_app
from portal.cli import upgrade_database
from portal.db import db
from portal.demo import seed_demo_data
from tests.servers import serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "e2e" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The portal with demo data on its own SQLite file (its queue: the run's own file)."""
    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'live.sqlite3'}"
    upgrade_database(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "PUBLIC_URL": "http://127.0.0.1",
            "SECRET_KEY": "live test",
            "SMTP_HOST": None,
            "DATA_DIR": str(folder / "data"),
        }
    )
    with app.app_context():
        list(seed_demo_data(db.session))
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    """The demo portal served by a thread."""
    with serve(live_app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": PHONE,
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 3,
        "locale": "fr-FR",
    }
