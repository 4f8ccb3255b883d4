"""A member's email changed by the back office is told to both addresses."""

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.outbox.models import OutboxMessage
from tests.helpers import write_headers


def test_an_email_change_is_told_to_the_old_and_the_new_address(
    client, bearer, entrepreneur, db_session
):
    response = client.put(
        f"/api/v1/members/{entrepreneur.id}",
        json={"email": "camille.durand@example.org"},
        headers=write_headers(bearer),
    )
    assert response.status_code == 200, response.json
    mails = db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert sorted(mail.recipient for mail in mails) == [
        "camille.durand@example.org",
        "camille@example.org",
    ]
    for mail in mails:
        assert "camille@example.org" in mail.body
        assert "camille.durand@example.org" in mail.body
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.event == "email_changed"))
    assert event.subject_id == entrepreneur.id
    assert event.actor_label.startswith("API cae_")


def test_an_unchanged_email_sends_nothing(client, bearer, entrepreneur, db_session):
    response = client.put(
        f"/api/v1/members/{entrepreneur.id}",
        json={"email": "CAMILLE@example.org", "hours_per_week": "20"},
        headers=write_headers(bearer),
    )
    assert response.status_code == 200
    assert db_session.scalars(select(OutboxMessage)).all() == []
