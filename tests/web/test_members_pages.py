"""The support team manages members on pages: the list with search and paging, invitations
by email, the dated status history, contract, activities, requests to become an associate,
deactivation and reactivation; admins only for admins' accounts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.accounts.services import deactivate_member, invite_member
from portal.audit.models import AuditEvent
from portal.auth.models import LoginSession, PasswordResetToken
from portal.db import utcnow
from portal.errors import DomainError
from portal.members.models import (
    AssociateDecision,
    AssociateRequest,
    Member,
    MemberStatus,
    Role,
    StatusChange,
)
from portal.members.services import (
    ask_to_become_associate,
    decide_associate_request,
    update_contract,
)
from portal.outbox.models import OutboxMessage
from tests.helpers import PASSWORD, count_queries, login


@pytest.fixture
def staff_client(app, staff):
    client = app.test_client()
    assert login(client, staff.email).status_code == 303
    return client


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    assert login(client, admin.email).status_code == 303
    return client


def audit(db_session, event: str) -> list[AuditEvent]:
    db_session.expire_all()
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.event == event)))


def mails(db_session) -> list[OutboxMessage]:
    return list(db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- access and navigation ---------------------------------------------------------------------


def test_members_pages_are_for_the_support_team_only(client, logged_in, entrepreneur):
    assert logged_in.get("/staff/members").status_code == 403
    assert logged_in.get(f"/staff/members/{entrepreneur.id}").status_code == 403
    assert logged_in.post(f"/staff/members/{entrepreneur.id}/deactivate").status_code == 403
    logged_in.post("/logout")
    assert client.get("/staff/members").status_code == 302


def test_the_staff_navigation_leads_to_the_members_and_the_entrepreneurs_does_not(
    staff_client, logged_in
):
    assert 'href="/staff/members"' in staff_client.get("/").text
    assert 'href="/staff/members"' not in logged_in.get("/").text


# --- the list ------------------------------------------------------------------------------------


def test_the_list_finds_members_by_name_or_email(staff_client, make_member):
    make_member(full_name="Zoé Lambert", email="zoe@example.org")
    make_member(full_name="Paul Martin", email="paul@lambert.fr")
    make_member(full_name="Inès Roy", email="ines@example.org")
    page = staff_client.get("/staff/members?q=lambert").text
    assert "Zoé Lambert" in page and "paul@lambert.fr" in page
    assert "Inès Roy" not in page


def test_the_list_hides_deactivated_members_unless_asked(staff_client, make_member, db_session):
    gone = make_member(full_name="Ancien Membre")
    gone.active = False
    db_session.commit()
    assert "Ancien Membre" not in staff_client.get("/staff/members").text
    assert "Ancien Membre" in staff_client.get("/staff/members?which=deactivated").text


def test_the_list_pages_by_fifty(staff_client, make_member):
    for number in range(55):
        make_member(full_name=f"Membre {number:02d}")
    first = staff_client.get("/staff/members").text
    second = staff_client.get("/staff/members?page=2").text
    assert "Membre 00" in first and "Membre 49" not in second and "Membre 54" in second
    assert "Page 2 sur 2" in second or "Page 2 of 2" in second


def test_the_list_runs_the_same_queries_for_few_and_many_members(
    app, staff_client, make_member, entrepreneur, db_session
):
    ask_to_become_associate(db_session, entrepreneur, "", utcnow())
    db_session.commit()
    engine = app.extensions["database"].engine
    with count_queries(engine) as few:
        staff_client.get("/staff/members?which=all")
    for _ in range(60):
        make_member()
    with count_queries(engine) as many:
        staff_client.get("/staff/members?which=all&page=2")
    assert many() == few()


# --- invitations ---------------------------------------------------------------------------------


def test_an_invited_member_chooses_a_password_once_with_the_mailed_link(
    client, staff_client, db_session, staff
):
    response = staff_client.post(
        "/staff/members/invite",
        data={
            "email": "New.Member@Example.org",
            "full_name": "Nouvelle Membre",
            "role": "entrepreneur",
            "status": "accompagne",
            "locale": "fr",
        },
    )
    assert response.status_code == 303
    member = db_session.scalar(select(Member).where(Member.email == "new.member@example.org"))
    assert member.password_hash is None and member.status is MemberStatus.SUPPORTED
    (mail,) = mails(db_session)
    assert mail.recipient == member.email and "Nadia Benali vous invite" in mail.body
    link = next(word for word in mail.body.split() if "/password/reset/" in word)
    path = link.split("localhost", 1)[1]
    assert "Bienvenue" in client.get(path).text
    assert login(client, member.email, "").status_code == 200  # no password yet: no login
    chosen = "my very own passphrase"
    assert client.post(path, data={"password": chosen, "confirm": chosen}).status_code == 303
    assert login(client, member.email, chosen).status_code == 303
    client.post("/logout")
    again = client.post(path, data={"password": "another passphrase", "confirm": "x"})
    assert again.status_code == 302 and again.location.endswith("/password/forgot")
    (invited,) = audit(db_session, "member_invited")
    assert invited.actor_id == staff.id and invited.subject_id == member.id


def test_an_invitation_link_expires_after_the_invitation_days(
    app, client, staff_client, db_session
):
    staff_client.post(
        "/staff/members/invite",
        data={"email": "late@example.org", "full_name": "Late", "role": "entrepreneur",
              "status": "accompagne", "locale": "en"},
    )  # fmt: skip
    token = db_session.scalar(select(PasswordResetToken))
    lifetime = token.expires_at - token.created_at
    assert lifetime == timedelta(days=app.config["INVITATION_DAYS"])
    (mail,) = mails(db_session)
    assert "invites you" in mail.body  # in the language chosen for the member
    assert "invites you" in mail.html  # rendered from templates/emails/, as every mail
    token.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()
    path = next(w for w in mail.body.split() if "/password/reset/" in w).split("localhost", 1)[1]
    assert "invalide ou a expiré" in client.get(path, follow_redirects=True).text


def test_inviting_an_existing_email_changes_nothing(staff_client, db_session, entrepreneur):
    count = db_session.scalar(select(func.count()).select_from(Member))
    response = staff_client.post(
        "/staff/members/invite",
        data={"email": entrepreneur.email.upper(), "full_name": "Double", "role": "entrepreneur",
              "status": "accompagne", "locale": "fr"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Un membre utilise déjà cette adresse e-mail." in response.text
    assert db_session.scalar(select(func.count()).select_from(Member)) == count
    assert mails(db_session) == []


def test_only_admins_invite_the_support_team(staff_client, admin_client, db_session):
    data = {"email": "team@example.org", "full_name": "Team", "role": "staff",
            "status": "accompagne", "locale": "fr"}  # fmt: skip
    assert staff_client.post("/staff/members/invite", data=data).status_code == 200
    assert db_session.scalar(select(Member).where(Member.email == "team@example.org")) is None
    assert admin_client.post("/staff/members/invite", data=data).status_code == 303
    invited = db_session.scalar(select(Member).where(Member.email == "team@example.org"))
    assert invited.role is Role.STAFF and invited.status is None


def test_a_new_invitation_voids_the_earlier_link(client, staff_client, db_session):
    staff_client.post(
        "/staff/members/invite",
        data={"email": "slow@example.org", "full_name": "Slow", "role": "entrepreneur",
              "status": "accompagne", "locale": "fr"},
    )  # fmt: skip
    member = db_session.scalar(select(Member).where(Member.email == "slow@example.org"))
    assert staff_client.post(f"/staff/members/{member.id}/invitation").status_code == 303
    first, second = (
        next(w for w in mail.body.split() if "/password/reset/" in w).split("localhost", 1)[1]
        for mail in mails(db_session)
    )
    assert client.get(first).status_code == 302
    assert client.get(second).status_code == 200


# --- status, contract, activities ----------------------------------------------------------------


def test_a_status_change_is_dated_in_the_history_and_the_audit_trail(
    staff_client, db_session, make_member, staff
):
    member = make_member(status=MemberStatus.SUPPORTED)
    response = staff_client.post(
        f"/staff/members/{member.id}/status",
        data={"status": "salarie", "effective_on": "2026-09-01", "note": "CAPE signé"},
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert member.status is MemberStatus.EMPLOYEE
    steps = db_session.scalars(
        select(StatusChange).where(StatusChange.member_id == member.id).order_by(StatusChange.id)
    ).all()
    assert [(s.from_status, s.to_status) for s in steps] == [
        (None, MemberStatus.SUPPORTED),
        (MemberStatus.SUPPORTED, MemberStatus.EMPLOYEE),
    ]
    assert steps[-1].effective_on == date(2026, 9, 1) and steps[-1].recorded_by_id == staff.id
    page = staff_client.get(f"/staff/members/{member.id}").text
    assert "1 septembre 2026" in page and "CAPE signé" in page
    (event,) = audit(db_session, "status_changed")
    assert event.actor_id == staff.id and event.detail == "accompagne → salarie"


def test_the_contract_is_saved_within_its_limits(staff_client, db_session, make_member):
    member = make_member()
    response = staff_client.post(
        f"/staff/members/{member.id}/contract",
        data={"hours_per_week": "30", "hourly_rate": "16,50", "monthly_gross": "",
              "contribution_percent": "8"},
    )  # fmt: skip
    assert response.status_code == 303
    db_session.expire_all()
    assert member.contract_hours_per_week == Decimal(30)
    assert member.hourly_gross_rate_cents == 1650
    assert member.contribution_rate == Decimal("0.08")
    refused = staff_client.post(
        f"/staff/members/{member.id}/contract",
        data={"hours_per_week": "60", "hourly_rate": "16,50"},
    )
    assert refused.status_code == 200
    assert "entre 0 et 48" in refused.text
    db_session.expire_all()
    assert member.contract_hours_per_week == Decimal(30)
    assert len(audit(db_session, "contract_changed")) == 1


def test_activities_are_replaced_one_per_line(staff_client, db_session, entrepreneur):
    response = staff_client.post(
        f"/staff/members/{entrepreneur.id}/activities",
        data={"activities": "Traduction\n\nInterprétariat\n"},
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert [a.name for a in entrepreneur.activities] == ["Interprétariat", "Traduction"]


def test_a_staff_member_cannot_change_an_admins_account(
    staff_client, db_session, admin, make_member
):
    other_admin = make_member(role=Role.ADMIN, full_name="Autre Admin")
    for path, data in (
        ("deactivate", {}),
        ("status", {"status": "salarie", "effective_on": "2026-09-01"}),
        ("contract", {"hours_per_week": "10", "hourly_rate": "10"}),
    ):
        response = staff_client.post(
            f"/staff/members/{other_admin.id}/{path}", data=data, follow_redirects=True
        )
        assert response.status_code == 200
        assert "Seul un administrateur peut modifier le compte d'un administrateur." in (
            response.text
        )
    db_session.expire_all()
    assert other_admin.active and other_admin.status is None
    assert audit(db_session, "member_deactivated") == []


# --- deactivation --------------------------------------------------------------------------------


def test_a_deactivated_member_is_signed_out_and_cannot_log_in_but_keeps_their_data(
    app, staff_client, db_session, entrepreneur, staff
):
    device = app.test_client()
    login(device, entrepreneur.email)
    assert device.get("/").status_code == 200
    response = staff_client.post(f"/staff/members/{entrepreneur.id}/deactivate")
    assert response.status_code == 303
    assert device.get("/").status_code == 302  # signed out at once
    assert db_session.scalar(select(func.count()).select_from(LoginSession).where(
        LoginSession.member_id == entrepreneur.id)) == 0  # fmt: skip
    assert login(app.test_client(), entrepreneur.email).status_code == 200
    db_session.expire_all()
    assert db_session.get(Member, entrepreneur.id).activities  # data kept
    (event,) = audit(db_session, "member_deactivated")
    assert event.actor_id == staff.id

    assert staff_client.post(f"/staff/members/{entrepreneur.id}/reactivate").status_code == 303
    assert login(app.test_client(), entrepreneur.email, PASSWORD).status_code == 303
    assert len(audit(db_session, "member_reactivated")) == 1


def test_nobody_deactivates_their_own_account(admin_client, db_session, admin):
    response = admin_client.post(f"/staff/members/{admin.id}/deactivate", follow_redirects=True)
    assert "Vous ne pouvez pas désactiver votre propre compte." in response.text
    db_session.expire_all()
    assert admin.active


def test_the_last_admin_is_never_deactivated(db_session, admin, make_member):
    # Two admins deactivating each other at once: the second finds only one admin left.
    other = make_member(role=Role.ADMIN)
    deactivate_member(db_session, other, admin)
    with pytest.raises(DomainError, match="last admin"):
        deactivate_member(db_session, admin, other)
    assert admin.active


# --- requests to become an associate -------------------------------------------------------------


def test_the_team_accepts_a_request_to_become_associate_from_a_date(
    logged_in, staff_client, db_session, entrepreneur, staff
):
    assert (
        logged_in.post("/profile/associate", data={"message": "Je suis prête"}).status_code == 303
    )
    page = staff_client.get(f"/staff/members/{entrepreneur.id}").text
    assert "Je suis prête" in page
    request_id = db_session.scalar(select(AssociateRequest.id))
    response = staff_client.post(
        f"/staff/members/{entrepreneur.id}/associate-requests/{request_id}",
        data={"decision": "accepted", "decided_on": "2026-06-20"},
    )
    assert response.status_code == 303
    db_session.expire_all()
    decided = db_session.get(AssociateRequest, request_id)
    assert decided.decided_on == date(2026, 6, 20) and decided.decided_by_id == staff.id
    assert entrepreneur.status is MemberStatus.ASSOCIATE
    last_step = db_session.scalar(select(StatusChange).order_by(StatusChange.id.desc()))
    assert last_step.effective_on == date(2026, 6, 20)
    assert "acceptée le 20 juin 2026" in logged_in.get("/profile").text
    assert len(audit(db_session, "associate_decided")) == 1


def test_a_refused_request_keeps_the_status_and_can_be_asked_again_later(
    logged_in, staff_client, db_session, entrepreneur
):
    logged_in.post("/profile/associate", data={"message": ""})
    again = logged_in.post("/profile/associate", data={"message": ""}, follow_redirects=True)
    assert "Votre demande attend déjà la décision" in again.text
    request_id = db_session.scalar(select(AssociateRequest.id))
    staff_client.post(
        f"/staff/members/{entrepreneur.id}/associate-requests/{request_id}",
        data={"decision": "refused", "decided_on": "2026-06-20"},
    )
    db_session.expire_all()
    assert entrepreneur.status is MemberStatus.EMPLOYEE
    assert "refusée le 20 juin 2026" in logged_in.get("/profile").text
    twice = staff_client.post(
        f"/staff/members/{entrepreneur.id}/associate-requests/{request_id}",
        data={"decision": "accepted", "decided_on": "2026-06-21"},
        follow_redirects=True,
    )
    assert "Cette demande a déjà reçu une décision." in twice.text
    db_session.expire_all()
    assert entrepreneur.status is MemberStatus.EMPLOYEE
    assert logged_in.post("/profile/associate", data={"message": ""}).status_code == 303


def test_an_acceptance_whose_status_change_is_refused_leaves_the_request_undecided(
    db_session, entrepreneur, staff
):
    request = ask_to_become_associate(db_session, entrepreneur, "", utcnow())
    entrepreneur.role = Role.STAFF  # no status to change: the acceptance must be refused whole
    with pytest.raises(DomainError, match="Only entrepreneurs"):
        decide_associate_request(
            db_session, request, AssociateDecision.ACCEPTED, date(2026, 6, 20), staff
        )
    assert request.pending and request.decided_by_id is None
    assert audit(db_session, "associate_decided") == []


def test_the_contract_service_keeps_its_limits_for_every_caller(db_session, entrepreneur, staff):
    with pytest.raises(DomainError, match="between 0 and 48"):  # the limits' table
        update_contract(
            db_session,
            entrepreneur,
            staff,
            hours_per_week=Decimal(49),
            hourly_gross_rate_cents=1500,
            monthly_gross_cents=None,
            contribution_rate=None,
        )
    assert entrepreneur.contract_hours_per_week == Decimal(24)


def test_the_invitation_service_refuses_a_staff_member_inviting_the_team(
    app_context, db_session, staff
):
    with pytest.raises(DomainError, match="Seul un administrateur"):
        invite_member(
            db_session,
            staff,
            email="team@example.org",
            full_name="Team",
            role=Role.ADMIN,
            status=None,
            locale="fr",
            now=utcnow(),
            lifetime=timedelta(days=7),
            link_for=lambda token: f"http://localhost/{token}",
        )
    assert db_session.scalar(select(Member).where(Member.email == "team@example.org")) is None
