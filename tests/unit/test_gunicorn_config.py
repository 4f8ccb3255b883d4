"""The production server's settings (gunicorn.conf.py): a worker freezes what it has loaded,
so the garbage collector's full passes no longer walk the whole app in mid-request."""

import subprocess
import sys
from pathlib import Path

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
