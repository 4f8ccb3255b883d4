"""deploy/ stays true to the portal: the environment file explains every setting, and nginx
enforces the app's upload limit and trusts exactly the hop the app trusts."""

import re
from pathlib import Path

from portal.config import DefaultConfig, MiB

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# Flask's and its extensions' own settings, fixed by the portal: not for operators.
FRAMEWORK = {
    "BABEL_DEFAULT_LOCALE",
    "BABEL_DEFAULT_TIMEZONE",
    "LANGUAGES",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "WTF_CSRF_TIME_LIMIT",
}


def test_the_environment_file_explains_every_setting():
    text = (DEPLOY / "portal.env").read_text()
    settings = {name for name in vars(DefaultConfig) if name.isupper()} - FRAMEWORK
    missing = [
        name for name in sorted(settings | {"TRUSTED_HOSTS"}) if f"PORTAL_{name}=" not in text
    ]
    assert missing == []


def test_nginx_takes_the_apps_upload_limit_and_one_trusted_hop():
    site = (DEPLOY / "nginx" / "portal.conf").read_text()
    limit = re.search(r"client_max_body_size (\d+)m;", site)
    assert limit and int(limit.group(1)) * MiB == DefaultConfig.MAX_CONTENT_LENGTH
    # Replaced, not appended to: the app (PROXY_COUNT=1) reads the one address nginx saw.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert "PORTAL_PROXY_COUNT=1\n" in (DEPLOY / "portal.env").read_text()


def test_make_stack_stop_finds_what_make_stack_started(tmp_path):
    from deploy.stack import Ports, Stack

    started = Stack(
        tmp_path / "stack", Ports(apps=(9001, 9002)), {"PORTAL_X": "1"}, {"nginx": 42},
        tmp_path / "pg", tmp_path / "stack.json", demo=False,
    )  # fmt: skip
    started.save()
    assert Stack.saved(tmp_path / "stack.json") == started
