"""examples/sync_client.py against a live server: a full sync, then an incremental one that
gets just the change written in between, resuming from the cursor kept in its file."""

import importlib.util
import io
import json
import urllib.request
import uuid
from pathlib import Path

import pytest

from portal import create_app
from portal.api.services import create_client
from portal.db import db
from tests.servers import serve

EXAMPLE = Path(__file__).parents[2] / "examples" / "sync_client.py"


def load_example():
    spec = importlib.util.spec_from_file_location("sync_client", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def live_api(committed_database, tmp_path):
    app = create_app(
        {
            "DATABASE_URL": committed_database("sqlite"),
            "PUBLIC_URL": "http://127.0.0.1",
            "SECRET_KEY": "live api",
            "DATA_DIR": str(tmp_path / "data"),
            "SMTP_HOST": None,
        }
    )
    with app.app_context():
        api_client, secret = create_client(db.session, "Compta", "sync:read sync:write")
        db.session.commit()
        credentials = (api_client.client_id, secret)
        db.session.remove()
    with serve(app) as port:
        yield f"http://127.0.0.1:{port}", credentials


def put_workshop(base_url: str, token: str, ref: str, body: dict) -> None:
    request = urllib.request.Request(  # noqa: S310 (a loopback http URL)
        f"{base_url}/api/v1/workshops/{ref}",
        data=json.dumps(body).encode(),
        method="PUT",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status in (200, 201)


def run(client, base_url, credentials, cursor_file) -> list[dict]:
    out = io.StringIO()
    client.sync(base_url, *credentials, cursor_file, out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_example_client_does_a_full_then_an_incremental_sync(live_api, tmp_path):
    base_url, credentials = live_api
    client = load_example()
    cursor_file = tmp_path / "sync.cursor"
    token = client.get_token(base_url, *credentials)
    for number in range(3):
        put_workshop(
            base_url,
            token,
            f"BO-{number}",
            {
                "title": f"Atelier {number}",
                "starts_at": "2027-03-04T09:00:00+01:00",
                "ends_at": "2027-03-04T12:00:00+01:00",
                "seats": 10,
            },
        )

    full = run(client, base_url, credentials, cursor_file)
    workshops = [c for c in full if c["entity"] == "workshop"]
    assert [c["data"]["ref"] for c in workshops] == ["BO-0", "BO-1", "BO-2"]
    assert cursor_file.read_text() == client.get_page(base_url, token, None)["next"]

    assert run(client, base_url, credentials, cursor_file) == []

    put_workshop(base_url, token, "BO-1", {"seats": 25})
    incremental = run(client, base_url, credentials, cursor_file)
    assert [(c["entity"], c["data"]["ref"], c["data"]["seats"]) for c in incremental] == [
        ("workshop", "BO-1", 25)
    ]


def test_example_client_pushes_payslips_and_balances_once_however_often_it_runs(live_api, tmp_path):
    base_url, credentials = live_api
    client = load_example()
    token = client.get_token(base_url, *credentials)
    client.write(
        base_url, token, "PUT", "/members/camille@example.org", {"name": "Camille"}, "member-1"
    )
    push_file = tmp_path / "payroll.jsonl"
    payslip = {
        "member": "camille@example.org",
        "period": "2026-10",
        "gross": "1508.00",
        "net": "1176.24",
        "employer_cost": "1850.00",
    }
    balance = {"member": "camille@example.org", "date": "2026-10-31", "amount": "9820.00"}
    push_file.write_text(
        json.dumps({"payslip": payslip}) + "\n\n" + json.dumps({"balance": balance}) + "\n"
    )
    assert client.push_file(base_url, *credentials, push_file) == 2
    assert client.push_file(base_url, *credentials, push_file) == 2  # a re-run: replayed

    changes = run(client, base_url, credentials, tmp_path / "sync.cursor")
    assert [change["entity"] for change in changes] == ["member", "payslip", "balance"]
    assert changes[1]["data"]["paid_on"] == "2026-10-31"
    assert changes[2]["data"]["amount"] == "9820.00"
