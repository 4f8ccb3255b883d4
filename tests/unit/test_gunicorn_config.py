"""The production server's settings (gunicorn.conf.py): a worker freezes what it has loaded,
so the garbage collector's full passes no longer walk the whole app in mid-request; a server
whose settings are incomplete or whose database does not answer refuses to start."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"

# In a fresh interpreter: freezing is for the whole process, not for the test run's.
PROBE = """
import gc, runpy, sys
from portal import create_app
create_app({"DATABASE_URL": "sqlite://", "PUBLIC_URL": "http://localhost", "SECRET_KEY": "x"})
loaded = len(gc.get_objects())
hooks = runpy.run_path(sys.argv[1])
hooks["post_worker_init"](None)
print(loaded, gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_a_worker_keeps_the_loaded_app_out_of_the_collectors_passes():
    output = subprocess.run(
        [sys.executable, "-c", PROBE, str(CONFIG)], capture_output=True, text=True, check=True
    ).stdout
    loaded, frozen, still_tracked = map(int, output.split())
    assert frozen >= loaded > 100_000  # the app's objects, now in the permanent generation
    assert still_tracked < loaded / 100  # what a full pass still walks


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"PORTAL_DATABASE_URL": "postgresql://portal:secret-password@127.0.0.1:1/portal"},
            "the database at postgresql+psycopg://portal:***@127.0.0.1:1/portal is not reachable",
        ),
        ({"PORTAL_PUBLIC_URL": ""}, "PORTAL_PUBLIC_URL is not set"),
        (
            {"PORTAL_PUBLIC_URL": "https://portal.coop.example", "PORTAL_SECRET_KEY": ""},
            "PORTAL_SECRET_KEY is not set",
        ),
    ],
)
def test_the_server_refuses_to_start_with_one_clear_message(settings, message, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {name: value for name, value in os.environ.items() if not name.startswith("PORTAL_")}
    env.update(
        {
            "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
            "PORTAL_PUBLIC_URL": "http://127.0.0.1",
            "PORTAL_SECRET_KEY": "x",
            **settings,
        }
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "--config", str(CONFIG), "--bind", f"127.0.0.1:{port}"]
    result = subprocess.run(
        [*command, "portal:create_app()"],
        cwd=CONFIG.parent, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert f"The portal cannot start: {message}" in result.stderr
    assert "Booting worker" not in result.stderr  # stopped before any worker
    assert "secret-password" not in result.stderr
