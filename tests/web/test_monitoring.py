"""What an operator watches: a JSON line per request with its id (also sent to the client),
/healthz and /readyz, Prometheus metrics for the operator only; and the worker."""

import json

from portal import create_app
from portal.outbox.services import MAX_ATTEMPTS, queue_email

OUTSIDE = {"REMOTE_ADDR": "203.0.113.5"}


def _request_lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith('{"time"')]


def test_each_request_writes_one_json_line_with_its_id_and_the_member_as_an_id(
    logged_in, entrepreneur, capsys
):
    capsys.readouterr()
    response = logged_in.get(f"/workshops/{2**31 - 1}")
    lines = _request_lines(capsys.readouterr().err)
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["route"] == "/workshops/<int:workshop_id>"  # the rule, not the URL
    assert line["method"] == "GET"
    assert line["status"] == 404
    assert line["duration_ms"] > 0
    assert line["member"] == entrepreneur.id
    assert entrepreneur.email not in json.dumps(line)


def test_a_request_id_comes_from_the_proxy_only_when_one_is_trusted(app, client):
    given = {"X-Request-ID": "chosen-by-the-client"}
    assert client.get("/healthz", headers=given).headers["X-Request-ID"] != given["X-Request-ID"]
    app.config["PROXY_COUNT"] = 1
    try:
        answered = client.get("/healthz", headers=given).headers["X-Request-ID"]
    finally:
        app.config["PROXY_COUNT"] = 0
    assert answered == given["X-Request-ID"]


def test_readiness_says_the_database_and_the_queue_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "database": "ok", "queue": "ok"}


def test_readiness_fails_cleanly_without_the_outbox_table_or_the_database(tmp_path):
    unmigrated = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
            "PUBLIC_URL": "http://localhost",
        }
    )
    response = unmigrated.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "ok"
    assert response.json["queue"] == "OperationalError"
    unreachable = create_app(
        {
            "DATABASE_URL": "postgresql://portal:portal@127.0.0.1:1/portal",
            "PUBLIC_URL": "http://localhost",
        }
    )
    response = unreachable.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["database"] == "OperationalError"
    # Alive all the same: the load balancer must not restart it for the database's outage.
    assert unreachable.test_client().get("/healthz").status_code == 200
    for each in (unmigrated, unreachable):
        each.extensions["database"].engine.dispose()


def test_metrics_answer_the_operator_only(app, client, logged_in):
    logged_in.get("/")
    response = client.get("/metrics")  # from loopback, this machine
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = response.text
    assert 'portal_requests_total{method="GET",route="/",status="200"}' in text
    assert 'portal_request_duration_seconds_bucket{le="0.005",route="/"}' in text
    for gauge in ("outbox_waiting", "outbox_retrying", "outbox_failed", "db_connections_in_use"):
        assert f"\nportal_{gauge} " in text
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
    # Through a proxy on this machine, from outside: the client's address decides.
    proxied = create_app({**app.config, "PROXY_COUNT": 1})
    forwarded = {"X-Forwarded-For": "203.0.113.5"}
    assert proxied.test_client().get("/metrics", headers=forwarded).status_code == 404
    assert proxied.test_client().get("/metrics").status_code == 200
    proxied.extensions["database"].engine.dispose()
    app.config["METRICS_TOKEN"] = "scraper-token"
    try:
        bearer = {"Authorization": "Bearer scraper-token"}
        assert client.get("/metrics", headers=bearer, environ_base=OUTSIDE).status_code == 200
        wrong = {"Authorization": "Bearer guessed"}
        assert client.get("/metrics", headers=wrong, environ_base=OUTSIDE).status_code == 404
    finally:
        app.config["METRICS_TOKEN"] = None


def test_metrics_count_the_outbox(client, db_session):
    queue_email(db_session, "a@example.org", "Waiting", "body")
    failing = queue_email(db_session, "b@example.org", "Retrying", "body")
    failing.attempts, failing.last_error = 1, "refused"
    dead = queue_email(db_session, "c@example.org", "Given up", "body")
    dead.attempts, dead.last_error = MAX_ATTEMPTS, "refused"
    db_session.commit()
    text = client.get("/metrics").text
    assert "\nportal_outbox_waiting 2.0" in text
    assert "\nportal_outbox_retrying 1.0" in text
    assert "\nportal_outbox_failed 1.0" in text


def test_the_worker_refuses_to_start_without_its_database():
    app = create_app(
        {
            "DATABASE_URL": "postgresql://portal:secret-password@127.0.0.1:1/portal",
            "PUBLIC_URL": "http://localhost",
        }
    )
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code == 2
    assert "The worker cannot start: the database at" in result.output
    assert "127.0.0.1:1/portal is not reachable" in result.output
    assert "secret-password" not in result.output
    app.extensions["database"].engine.dispose()
