"""Monthly meetings: invitations, answers, reminders, notes, attendance, search, calendar."""

import io
import re
from datetime import UTC, datetime, time, timedelta
from html import unescape

import pytest
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.dates import paris_to_utc
from portal.errors import DomainError
from portal.meetings import services
from portal.meetings.models import Meeting, MeetingAttachment, MeetingRsvp
from portal.members.models import MemberStatus, Role
from portal.outbox.models import OutboxMessage
from portal.sync.models import Change
from tests.helpers import delivered, login


def schedule(db_session, days_from_now=7, now=None, **fields):
    """A meeting at 18:30 Paris time, `days_from_now` days away (negative: in the past)."""
    today = services.paris_time(datetime.now(UTC)).date()
    day = today + timedelta(days=days_from_now)
    fields.setdefault("title", "Réunion mensuelle")
    fields.setdefault("location", "Salle commune")
    details = services.MeetingDetails(day=day, start=time(18, 30), end=time(20, 30), **fields)
    starts = paris_to_utc(day, time(18, 30))
    meeting = services.schedule_meeting(db_session, details, now or starts - timedelta(days=30))
    db_session.commit()
    return meeting


def publish(
    db_session, meeting, notes="## Budget\n\nOn a parlé de trésorerie.", uploads=(), at=None
):
    at = at or meeting.starts_at + timedelta(hours=3)
    services.publish_notes(db_session, meeting, notes, list(uploads), at)
    db_session.commit()


def rsvp_count(db_session, meeting):
    return db_session.scalar(
        select(func.count()).select_from(MeetingRsvp).where(MeetingRsvp.meeting_id == meeting.id)
    )


def staff_client(client, staff):
    assert login(client, staff.email).status_code == 303
    return client


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = pdf_bytes()


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart body built in memory: the test client would spool a large one to a
    temporary file that it never closes."""
    boundary = "----meetings-test-boundary"
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, filename, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- scheduling and invitations -----------------------------------------------------------


def test_every_active_entrepreneur_is_invited_but_not_staff_or_inactive(
    db_session, entrepreneur, staff, make_member
):
    gone = make_member()
    gone.active = False
    db_session.commit()
    supported = make_member(status=MemberStatus.SUPPORTED)
    meeting = schedule(db_session)
    invited = {invitation.member_id for invitation in meeting.invitations}
    assert invited == {entrepreneur.id, supported.id}


def test_only_the_chosen_statuses_are_invited(db_session, entrepreneur, make_member):
    associate = make_member(status=MemberStatus.ASSOCIATE)
    meeting = schedule(db_session, statuses=(MemberStatus.ASSOCIATE,))
    assert {i.member_id for i in meeting.invitations} == {associate.id}


def test_general_assembly_invites_only_associates_and_says_so(
    client, db_session, entrepreneur, make_member
):
    associate = make_member(email="sam@example.org", status=MemberStatus.ASSOCIATE)
    meeting = schedule(db_session, general_assembly=True, statuses=tuple(MemberStatus))
    assert {i.member_id for i in meeting.invitations} == {associate.id}
    login(client, associate.email)
    page = client.get(f"/meetings/{meeting.ref}").text
    assert "seuls les entrepreneurs associés sont invités" in page
    client.post("/logout")
    login(client, entrepreneur.email)
    assert client.get(f"/meetings/{meeting.ref}").status_code == 404


def test_staff_schedules_a_meeting_at_paris_time(client, db_session, staff, entrepreneur):
    staff_client(client, staff)
    response = client.post(
        "/meetings/new",
        data={
            "title": "Réunion de juillet",
            "day": "2099-07-07",
            "start": "18:30",
            "end": "20:00",
            "location": "Salle commune",
            "agenda": "1. Tour de table",
            "statuses": ["accompagne", "salarie", "associe"],
        },
    )
    assert response.status_code == 303
    meeting = db_session.scalar(select(Meeting).where(Meeting.title == "Réunion de juillet"))
    # 18:30 in Paris in summer is 16:30 UTC.
    assert meeting.starts_at == datetime(2099, 7, 7, 16, 30, tzinfo=UTC)
    assert response.location == f"/meetings/{meeting.ref}"
    assert re.fullmatch(r"[a-z2-9]{8}", meeting.ref)
    assert [i.member_id for i in meeting.invitations] == [entrepreneur.id]
    assert db_session.scalar(
        select(Change).where(Change.entity == "meeting", Change.entity_id == str(meeting.id))
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"day": "2001-01-01"}, "La réunion doit commencer dans le futur."),
        ({"location": ""}, "Indiquez un lieu ou un lien de visio"),
        ({"video_url": "javascript://example.org/%0aalert(1)"}, "https://"),
        ({"end": "17:00"}, "La réunion doit finir après son début."),
        ({"day": "2099-03-29", "start": "02:30", "end": "04:00"}, "(changement d&#39;heure)"),
        ({"statuses": []}, "Choisissez au moins un statut"),
    ],
)
def test_bad_schedule_is_refused_with_a_clear_message(client, db_session, staff, fields, message):
    staff_client(client, staff)
    data = {
        "title": "Réunion",
        "day": "2099-07-07",
        "start": "18:30",
        "end": "20:00",
        "location": "Salle",
        "statuses": ["salarie"],
        **fields,
    }
    response = client.post("/meetings/new", data=data)
    assert response.status_code == 200
    assert message in response.text
    assert db_session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_entrepreneurs_cannot_schedule(logged_in):
    assert logged_in.get("/meetings/new").status_code == 403


def test_newcomers_are_invited_on_request_and_nobody_is_uninvited(
    client, db_session, staff, entrepreneur, make_member
):
    meeting = schedule(db_session)
    newcomer = make_member()
    assert services.invitation_for(db_session, meeting, newcomer) is None
    entrepreneur.status = MemberStatus.ASSOCIATE  # no longer in a narrower audience: kept
    db_session.commit()
    staff_client(client, staff)
    assert client.post(f"/meetings/{meeting.ref}/invite").status_code == 303
    db_session.expire_all()
    assert {i.member_id for i in meeting.invitations} == {entrepreneur.id, newcomer.id}


# --- answers ------------------------------------------------------------------------------


def test_one_tap_answer_with_htmx_replaces_the_control_in_place(logged_in, db_session):
    meeting = schedule(db_session)
    response = logged_in.post(
        f"/meetings/{meeting.ref}/rsvp",
        data={"answer": "yes", "comment": "J'arriverai en retard"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.text and response.text.lstrip().startswith("<form")
    assert re.search(r'value="yes"\s+class="rsvp-yes"\s+aria-pressed="true"', response.text)
    assert "J&#39;arriverai en retard" in response.text
    assert "HX-Request" in response.headers["Vary"]
    # Changed later: still one answer.
    logged_in.post(
        f"/meetings/{meeting.ref}/rsvp", data={"answer": "no"}, headers={"HX-Request": "true"}
    )
    rsvp = db_session.scalar(select(MeetingRsvp).where(MeetingRsvp.meeting_id == meeting.id))
    db_session.refresh(rsvp)
    assert rsvp.answer.value == "no" and rsvp.comment == ""
    assert rsvp_count(db_session, meeting) == 1
    assert db_session.scalar(
        select(Change).where(Change.entity == "rsvp", Change.entity_id == str(rsvp.id))
    )


def test_answer_without_javascript_is_a_form_that_redirects_back(logged_in, db_session):
    meeting = schedule(db_session)
    response = logged_in.post(
        f"/meetings/{meeting.ref}/rsvp", data={"answer": "maybe", "next": "/"}
    )
    assert response.status_code == 303 and response.location == "/"
    assert rsvp_count(db_session, meeting) == 1


def test_home_page_shows_the_next_meeting_with_one_tap_answers(logged_in, db_session):
    later = schedule(db_session, days_from_now=40, title="Plus tard")
    sooner = schedule(db_session, days_from_now=5, title="Bientôt")
    page = logged_in.get("/").text
    assert "Prochaine réunion" in page and "Bientôt" in page and "Plus tard" not in page
    assert f'hx-post="/meetings/{sooner.ref}/rsvp"' in page
    assert f'action="/meetings/{sooner.ref}/rsvp"' in page  # works without JS
    assert later.ref not in page


def test_answer_refused_once_the_meeting_has_started(logged_in, db_session, entrepreneur):
    meeting = schedule(db_session, days_from_now=-1)
    response = logged_in.post(
        f"/meetings/{meeting.ref}/rsvp", data={"answer": "yes"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Cette réunion a commencé\xa0: les réponses sont closes." in response.text
    assert rsvp_count(db_session, meeting) == 0
    # Without JS too: the page with the message, nothing stored.
    response = logged_in.post(f"/meetings/{meeting.ref}/rsvp", data={"answer": "yes"})
    assert response.status_code == 200 and "les réponses sont closes" in response.text
    assert rsvp_count(db_session, meeting) == 0


def test_a_bad_answer_value_is_refused(logged_in, db_session):
    meeting = schedule(db_session)
    response = logged_in.post(
        f"/meetings/{meeting.ref}/rsvp", data={"answer": "peut-être"}, headers={"HX-Request": "1"}
    )
    assert "Répondez oui, non ou peut-être." in response.text
    assert rsvp_count(db_session, meeting) == 0


def test_answer_to_a_meeting_one_was_not_invited_to(logged_in, db_session, entrepreneur):
    meeting = schedule(db_session, statuses=(MemberStatus.SUPPORTED,))
    assert logged_in.get(f"/meetings/{meeting.ref}").status_code == 404
    assert (
        logged_in.post(f"/meetings/{meeting.ref}/rsvp", data={"answer": "yes"}).status_code == 404
    )
    with pytest.raises(DomainError, match="not invited"):
        services.answer_invitation(db_session, meeting, entrepreneur, "yes", "", meeting.created_at)
    assert rsvp_count(db_session, meeting) == 0


def test_database_refuses_a_second_answer_and_an_uninvited_one(
    db_session, entrepreneur, make_member
):
    meeting = schedule(db_session)
    outsider = make_member(role=Role.STAFF)
    db_session.add(MeetingRsvp(meeting_id=meeting.id, member_id=entrepreneur.id, answer="yes"))
    db_session.flush()
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(MeetingRsvp(meeting_id=meeting.id, member_id=entrepreneur.id, answer="no"))
        db_session.flush()
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(MeetingRsvp(meeting_id=meeting.id, member_id=outsider.id, answer="no"))
        db_session.flush()


def test_staff_see_answers_with_comments_and_who_has_not_answered(
    client, db_session, staff, entrepreneur, make_member
):
    silent = make_member(full_name="Zoé Silence")
    meeting = schedule(db_session)
    services.answer_invitation(
        db_session, meeting, entrepreneur, "maybe", "Je serai en retard", meeting.created_at
    )
    db_session.commit()
    staff_client(client, staff)
    fragment = client.get(f"/meetings/{meeting.ref}/answers", headers={"HX-Request": "true"}).text
    assert "<html" not in fragment and 'hx-trigger="every 15s"' in fragment
    assert "0 oui, 1 peut-être, 0 non, 1 sans réponse (sur 2 invités)" in fragment
    assert "Camille Durand — <em>Je serai en retard</em>" in fragment
    assert re.search(r"Sans réponse</h3>\s*<ul[^>]*>\s*<li>Zoé Silence", fragment)
    assert silent.full_name in client.get(f"/meetings/{meeting.ref}").text


def test_entrepreneur_cannot_see_the_answers(logged_in, db_session):
    meeting = schedule(db_session)
    assert logged_in.get(f"/meetings/{meeting.ref}/answers").status_code == 403


def test_reminder_goes_only_to_those_who_have_not_answered(
    client, db_session, staff, entrepreneur, make_member
):
    silent = make_member(email="silent@example.org")
    meeting = schedule(db_session)
    services.answer_invitation(db_session, meeting, entrepreneur, "yes", "", meeting.created_at)
    db_session.commit()
    staff_client(client, staff)
    invitations = db_session.scalar(select(func.max(OutboxMessage.id)))
    assert client.post(f"/meetings/{meeting.ref}/remind").status_code == 303
    delivered(db_session)
    mail = db_session.scalars(select(OutboxMessage).where(OutboxMessage.id > invitations)).all()
    assert [m.recipient for m in mail] == [silent.email]
    assert f"/meetings/{meeting.ref}" in mail[0].body and "Rappel" in mail[0].subject


def test_no_reminder_once_started(client, db_session, staff, entrepreneur):
    meeting = schedule(db_session, days_from_now=-1)
    staff_client(client, staff)
    invitations = db_session.scalar(select(func.count()).select_from(OutboxMessage))
    page = client.post(f"/meetings/{meeting.ref}/remind", follow_redirects=True).text
    assert "plus de rappel" in page
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == invitations


# --- notes, attachments, attendance -------------------------------------------------------


def test_html_and_script_in_markdown_are_rendered_harmless(logged_in, db_session):
    meeting = schedule(
        db_session, days_from_now=-1, agenda='<script>alert("agenda")</script>\n\n**ordre**'
    )
    publish(
        db_session,
        meeting,
        '<img src=x onerror="alert(1)">\n\n[clic](javascript:alert(2))\n\n<script>x()</script>',
    )
    page = logged_in.get(f"/meetings/{meeting.ref}").text
    assert "<script>alert" not in page and "<script>x()" not in page
    assert "<img src=x" not in page and 'href="javascript:' not in page
    assert "&lt;img src=x onerror" in page
    assert "&lt;script&gt;" in page and "<strong>ordre</strong>" in page


def test_notes_with_a_pdf_and_a_whiteboard_photo(client, db_session, staff, entrepreneur, app):
    meeting = schedule(db_session, days_from_now=-1)
    staff_client(client, staff)
    response = client.post(
        f"/meetings/{meeting.ref}/notes",
        data={
            "notes": "## Décisions\n\nAtelier devis en mars.",
            "attachments": [
                (io.BytesIO(PDF), "compte-rendu.pdf"),
                (io.BytesIO(png_bytes()), "tableau.png"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    db_session.expire_all()
    files = db_session.scalars(select(MeetingAttachment).order_by(MeetingAttachment.id)).all()
    assert [(f.filename, f.kind) for f in files] == [
        ("compte-rendu.pdf", "pdf"),
        ("tableau.jpg", "image"),
    ]
    assert meeting.notes_published_at is not None
    client.post("/logout")
    login(client, entrepreneur.email)
    page = client.get(f"/meetings/{meeting.ref}").text
    assert "<h2>Décisions</h2>" in page and "compte-rendu.pdf" in page
    download = client.get(f"/meetings/{meeting.ref}/attachments/{files[0].id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"


def test_attachments_are_404_for_members_not_invited(client, db_session, make_member, app_context):
    invited = make_member(status=MemberStatus.ASSOCIATE)
    other = make_member(status=MemberStatus.EMPLOYEE)
    meeting = schedule(db_session, days_from_now=-1, general_assembly=True)
    publish(db_session, meeting, uploads=[services.Upload("pv.pdf", PDF)])
    file = meeting.attachments[0]
    url = f"/meetings/{meeting.ref}/attachments/{file.id}"
    login(client, other.email)
    assert client.get(url).status_code == 404
    client.post("/logout")
    login(client, invited.email)
    assert client.get(url).status_code == 200
    # Another meeting's ref with this attachment's id: 404 too.
    elsewhere = schedule(db_session, general_assembly=True)
    assert client.get(f"/meetings/{elsewhere.ref}/attachments/{file.id}").status_code == 404


def test_oversized_or_fake_attachment_is_refused_and_nothing_is_stored(
    client, db_session, staff, entrepreneur, app, tmp_path
):
    meeting = schedule(db_session, days_from_now=-1)
    staff_client(client, staff)
    data_dir = app.extensions["storage"].root
    before = set(data_dir.rglob("*")) if data_dir.exists() else set()
    for name, payload, message in (
        ("gros.pdf", b"%PDF-1.4" + b"0" * (15 * 1024 * 1024), "Le fichier dépasse 15 Mo."),
        ("virus.exe", b"MZ\x90\x00", "Envoyez une photo (JPEG, PNG ou HEIC) ou un PDF."),
    ):
        body, content_type = multipart(
            {"notes": "Notes"},
            [("attachments", "ok.png", png_bytes()), ("attachments", name, payload)],
        )
        response = client.post(
            f"/meetings/{meeting.ref}/notes", data=body, content_type=content_type
        )
        assert response.status_code == 200
        assert f"{name}: " in response.text and message in response.text
    db_session.expire_all()
    assert meeting.notes is None and meeting.notes_published_at is None
    assert db_session.scalar(select(func.count()).select_from(MeetingAttachment)) == 0
    after = set(data_dir.rglob("*")) if data_dir.exists() else set()
    assert {p for p in after - before if p.is_file()} == set()


def test_notes_cannot_be_published_before_the_meeting(client, db_session, staff, entrepreneur):
    meeting = schedule(db_session)
    staff_client(client, staff)
    response = client.post(f"/meetings/{meeting.ref}/notes", data={"notes": "Trop tôt"})
    assert response.status_code == 200
    assert "une fois la réunion commencée" in response.text
    db_session.expire_all()
    assert meeting.notes is None


def test_staff_mark_attendance_after_the_meeting(
    client, db_session, staff, entrepreneur, make_member
):
    absent = make_member()
    meeting = schedule(db_session, days_from_now=-1)
    staff_client(client, staff)
    response = client.post(
        f"/meetings/{meeting.ref}/attendance", data={"attended": [str(entrepreneur.id), "x"]}
    )
    assert response.status_code == 303
    db_session.expire_all()
    attendance = {i.member_id: i.attended for i in meeting.invitations}
    assert attendance == {entrepreneur.id: True, absent.id: False}


def test_attendance_ignores_what_cannot_be_a_member_id(client, db_session, staff, entrepreneur):
    meeting = schedule(db_session, days_from_now=-1)
    staff_client(client, staff)
    ticked = [str(entrepreneur.id), "²", "99999999999999999999", "-3"]
    response = client.post(f"/meetings/{meeting.ref}/attendance", data={"attended": ticked})
    assert response.status_code == 303
    db_session.expire_all()
    assert {i.member_id: i.attended for i in meeting.invitations} == {entrepreneur.id: True}


def test_attendance_refused_before_the_meeting(db_session, entrepreneur):
    meeting = schedule(db_session)
    with pytest.raises(DomainError):
        services.set_attendance(db_session, meeting, {entrepreneur.id}, meeting.created_at)


def test_notes_archive_marks_unread_notes_until_opened(logged_in, db_session):
    meeting = schedule(db_session, days_from_now=-2)
    publish(db_session, meeting)
    archive = logged_in.get("/meetings/notes").text
    assert meeting.ref in archive and "Nouveau" in archive
    logged_in.get(f"/meetings/{meeting.ref}")
    assert "Nouveau" not in logged_in.get("/meetings/notes").text
    # Notes edited afterwards are new again.
    publish(db_session, meeting, notes="Version corrigée", at=datetime.now(UTC))
    assert "Nouveau" in logged_in.get("/meetings/notes").text


# --- search -------------------------------------------------------------------------------


def test_notes_search_finds_words_and_only_in_meetings_one_was_invited_to(
    logged_in, db_session, entrepreneur
):
    mine = schedule(db_session, days_from_now=-3, title="Réunion de mars")
    publish(db_session, mine, "## Trésorerie\n\nLes relances clients fonctionnent.")
    other = schedule(db_session, days_from_now=-2, statuses=(MemberStatus.SUPPORTED,))
    publish(db_session, other, "Trésorerie secrète des accompagnés.")
    unpublished = schedule(db_session, days_from_now=-1, title="Trésorerie à venir")
    response = logged_in.get("/meetings/notes?q=relances", headers={"HX-Request": "true"})
    assert "<html" not in response.text and mine.ref in response.text
    assert "<mark>relances</mark>" in response.text
    found = logged_in.get("/meetings/notes?q=trésorerie").text
    assert mine.ref in found and other.ref not in found and unpublished.ref not in found
    assert "Aucune note ne correspond" in logged_in.get("/meetings/notes?q=piscine").text


@pytest.mark.parametrize(
    "query", ['"', "AND OR NOT", "*", "tr*eso(", "a'b", "-x", "NEAR(a b)", "é" * 300, "\\"]
)
def test_search_syntax_in_the_query_is_never_an_error(logged_in, db_session, query):
    meeting = schedule(db_session, days_from_now=-1)
    publish(db_session, meeting)
    assert logged_in.get("/meetings/notes", query_string={"q": query}).status_code == 200


def test_search_snippets_escape_the_notes_text(logged_in, db_session):
    meeting = schedule(db_session, days_from_now=-1)
    publish(db_session, meeting, "Budget <b>gras</b> & <script>alert(1)</script> budget")
    page = logged_in.get("/meetings/notes?q=budget").text
    assert "<script>alert(1)" not in page and "<b>gras" not in page
    assert "<mark>" in page


def test_search_excerpts_show_the_notes_words_without_their_markdown(logged_in, db_session):
    meeting = schedule(db_session, days_from_now=-1)
    publish(db_session, meeting, "## Fixer ses prix\n\n- **Marge** : voir [le guide](/guide).")
    page = logged_in.get("/meetings/notes?q=prix").text
    excerpt = page.split('class="snippet">')[1].split("</p>")[0]
    # (PostgreSQL's excerpt ends before the last full stop, SQLite's with it.)
    assert excerpt.startswith("Fixer ses <mark>prix</mark> Marge : voir le guide")


# --- calendar -----------------------------------------------------------------------------


def test_ics_file_for_an_invited_member(logged_in, db_session):
    meeting = schedule(db_session, agenda="1. Tour de table")
    response = logged_in.get(f"/meetings/{meeting.ref}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.text.replace("\r\n ", "")
    assert f"UID:meeting-{meeting.ref}@cae-portal" in body
    assert f"DTSTART:{meeting.starts_at:%Y%m%dT%H%M%SZ}" in body
    assert "LOCATION:Salle commune" in body and "SUMMARY:Réunion mensuelle" in body


def test_calendar_events_for_lists_the_members_upcoming_meetings(db_session, entrepreneur):
    past = schedule(db_session, days_from_now=-3)
    upcoming = schedule(db_session, days_from_now=3, video_url="https://visio.example.org/r")
    events = services.calendar_events_for(db_session, entrepreneur, base_url="https://p.example")
    assert [e.uid for e in events] == [f"meeting-{upcoming.ref}@cae-portal"]
    event = events[0]
    assert event.starts_at == upcoming.starts_at and event.starts_at.tzinfo is not None
    assert event.url == f"https://p.example/meetings/{upcoming.ref}"
    assert event.location == "Salle commune, https://visio.example.org/r"
    assert past.ref not in {e.url for e in events}


# --- security -----------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_answer_without_csrf_token_is_refused(logged_in, db_session, csrf_on):
    meeting = schedule(db_session)
    response = logged_in.post(
        f"/meetings/{meeting.ref}/rsvp", data={"answer": "yes"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert rsvp_count(db_session, meeting) == 0


def test_meeting_pages_have_no_inline_script(logged_in, db_session):
    meeting = schedule(db_session)
    for url in ("/", "/meetings/", f"/meetings/{meeting.ref}", "/meetings/notes"):
        html = logged_in.get(url).text
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, url
        assert re.search(r"<[^>]+\son[a-z]+=", html) is None, url


def test_staff_list_counts_answers_and_edit_keeps_paris_time(
    client, db_session, staff, entrepreneur
):
    meeting = schedule(db_session, title="Réunion à venir")
    services.answer_invitation(db_session, meeting, entrepreneur, "yes", "", meeting.created_at)
    db_session.commit()
    staff_client(client, staff)
    page = client.get("/meetings/").text
    assert "Réunion à venir" in page and "1 oui, 0 peut-être, 0 non, 0 sans réponse" in page
    form = client.get(f"/meetings/{meeting.ref}/edit").text
    assert 'value="18:30"' in form
    response = client.post(
        f"/meetings/{meeting.ref}/edit",
        data={
            "title": "Réunion déplacée",
            "day": services.paris_time(meeting.starts_at).date().isoformat(),
            "start": "19:00",
            "end": "21:00",
            "location": "Salle B",
        },
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert services.paris_time(meeting.starts_at).time() == time(19, 0)
    assert meeting.title == "Réunion déplacée" and len(meeting.invitations) == 1
    assert client.get(f"/meetings/{meeting.ref}/notes").status_code == 200


def test_the_meeting_page_offers_each_action_its_predicate_allows(client, db_session, staff):
    staff_client(client, staff)
    buttons = {
        "Relancer ceux qui n'ont pas répondu": Meeting.refusal_to_remind,
        "Inviter les nouveaux": Meeting.refusal_to_invite,
        "Publier le compte rendu": Meeting.refusal_to_publish_notes,
        "Enregistrer les présences": Meeting.refusal_to_mark_attendance,
    }
    now = datetime.now(UTC)
    for meeting in (schedule(db_session, days_from_now=7), schedule(db_session, days_from_now=-1)):
        page = unescape(client.get(f"/meetings/{meeting.ref}").text)
        for button, refusal in buttons.items():
            assert (button in page) == (refusal(meeting, now) is None), (button, meeting.starts_at)
        editing = f'href="/meetings/{meeting.ref}/edit"'
        assert (editing in page) == (meeting.refusal_to_change(now) is None)
