"""Asking the network: a request reaches the members whose listed skills match its tags (in
the app, and by email as each chose); answers are private threads that only the request's
author and the answerer can open (anyone else: 404), the other one told of each message;
a request closes by itself after its end date and then takes no new answer. Markup in a
request is refused with its message; in a message it is shown as text."""

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.dates import paris_today
from portal.directory import services as directory
from portal.network import services
from portal.network.models import NetworkMessage, NetworkRequest, NetworkThread
from portal.notifications.models import EmailDelivery, Notification, NotificationKind
from portal.notifications.services import save_email_settings
from portal.outbox.models import OutboxMessage
from tests.helpers import delivered, login

Kind = NotificationKind


def listed(db_session, member, skills: str, listed_: bool = True) -> None:
    directory.save_card(
        db_session,
        member,
        directory.CardInput(
            listed=listed_,
            activity="Activité",
            area="Lyon",
            presentation="",
            skills=skills,
            show_email=False,
            show_phone=False,
        ),
        None,
    )
    db_session.commit()


def told(db_session, member, kind=Kind.NETWORK_REQUEST) -> int:
    return db_session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.member_id == member.id, Notification.kind == kind)
    )


def mails_to(db_session, member) -> list[OutboxMessage]:
    delivered(db_session)
    return list(
        db_session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == member.email))
    )


def request_form(**fields) -> dict:
    values = dict(
        title="Cherche un photographe à Lyon le 12 mars",
        tags="photo, vidéo",
        place="Lyon",
        details="Une demi-journée.",
        ends_on=(paris_today() + timedelta(days=10)).isoformat(),
    )
    return values | fields


def request_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(NetworkRequest))


@pytest.fixture
def posted(db_session, entrepreneur, make_member):
    """Camille's open request for a photographer, and Lou, a listed photographer."""
    lou = make_member(email="lou@example.org", full_name="Lou Photographe")
    listed(db_session, lou, "photo")
    data = services.RequestInput(
        title="Photographe à Lyon",
        details="",
        place="Lyon",
        ends_on=paris_today() + timedelta(days=3),
        tags="photo",
    )
    request = services.post_request(db_session, entrepreneur, data, paris_today())
    db_session.commit()
    return request, lou


def client_of(app, member):
    client = app.test_client()
    assert login(client, member.email).status_code == 303
    return client


# --- posting and who is told -----------------------------------------------------------------


def test_a_request_reaches_listed_members_with_a_matching_skill_only(
    logged_in, db_session, entrepreneur, make_member
):
    photographer = make_member(email="p@example.org")
    videographer = make_member(email="v@example.org")
    hidden = make_member(email="h@example.org")
    gardener = make_member(email="g@example.org")
    gone = make_member(email="gone@example.org")
    listed(db_session, photographer, "photo, retouche")
    listed(db_session, videographer, "Vidéo")
    listed(db_session, hidden, "photo", listed_=False)
    listed(db_session, gardener, "jardinage")
    listed(db_session, gone, "photo")
    gone.active = False
    listed(db_session, entrepreneur, "photo")  # the author is never told of their own request
    response = logged_in.post("/network/new", data=request_form())
    assert response.status_code == 303
    assert [told(db_session, m) for m in (photographer, videographer)] == [1, 1]
    assert [told(db_session, m) for m in (hidden, gardener, gone, entrepreneur)] == [0, 0, 0, 0]
    [mail] = mails_to(db_session, photographer)
    assert (
        mail.subject
        == "Camille Durand demande au réseau\u00a0: Cherche un photographe à Lyon le 12 mars"
    )
    assert "/network/" in mail.body


def test_skills_match_whatever_their_accents(logged_in, db_session, make_member):
    videographer = make_member(email="v@example.org")
    listed(db_session, videographer, "Vidéo, Montage")
    logged_in.post("/network/new", data=request_form(tags="video"))
    assert told(db_session, videographer) == 1


def test_email_follows_each_members_choice(logged_in, db_session, make_member):
    daily = make_member(email="d@example.org")
    off = make_member(email="o@example.org")
    for member, delivery in ((daily, EmailDelivery.DAILY), (off, EmailDelivery.OFF)):
        listed(db_session, member, "photo")
        save_email_settings(db_session, member, {Kind.NETWORK_REQUEST: delivery})
    db_session.commit()
    logged_in.post("/network/new", data=request_form())
    assert told(db_session, daily) == 1 and told(db_session, off) == 1  # in the app, always
    assert mails_to(db_session, daily) == [] and mails_to(db_session, off) == []
    waiting = db_session.scalar(select(Notification).where(Notification.member_id == daily.id))
    assert waiting.awaits_digest


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"title": "<b>Photographe</b>"},
            "Écrivez du texte simple\u00a0: les balises HTML comme <b> ne sont pas acceptées ici.",
        ),
        ({"details": "Voir <a href='x'>ici</a>"}, "Écrivez du texte simple"),
        ({"place": "<script>alert(1)</script>"}, "Écrivez du texte simple"),
        ({"title": "   "}, "Dites ce que vous cherchez."),
        ({"tags": ""}, "Indiquez au moins une compétence"),
        ({"tags": "<i>photo</i>"}, "Écrivez chaque compétence en mots"),
        ({"tags": ", ".join(f"t{n}" for n in range(9))}, "8 compétences au plus."),
        (
            {"ends_on": (paris_today() - timedelta(days=1)).isoformat()},
            "La date de fin est déjà passée.",
        ),
        ({"ends_on": (paris_today() + timedelta(days=181)).isoformat()}, "180 jours au plus"),
        ({"ends_on": "le 12 mars"}, "date"),
        ({"details": "x" * 2001}, "2000"),
    ],
)
def test_a_bad_request_gets_its_message_and_nothing_is_sent(
    logged_in, db_session, make_member, fields, message
):
    reader = make_member(email="r@example.org")
    listed(db_session, reader, "photo")
    response = logged_in.post("/network/new", data=request_form(**fields))
    assert response.status_code == 200
    assert message in unescape(response.text)
    assert request_count(db_session) == 0 and told(db_session, reader) == 0


def test_text_that_is_not_markup_is_kept(logged_in, db_session):
    logged_in.post("/network/new", data=request_form(title="Budget < 500 € et 3 > 2"))
    assert db_session.scalar(select(NetworkRequest.title)) == "Budget < 500 € et 3 > 2"


# --- private answers -------------------------------------------------------------------------


def test_an_answer_is_a_private_thread_and_its_author_is_told(
    app, db_session, posted, entrepreneur, make_member, staff
):
    request, lou = posted
    lou_client = client_of(app, lou)
    response = lou_client.post(f"/network/{request.id}/answer", data={"body": "Disponible !"})
    assert response.status_code == 303
    thread = db_session.scalar(select(NetworkThread))
    assert response.location.endswith(f"/network/threads/{thread.id}")
    assert told(db_session, entrepreneur, Kind.NETWORK_MESSAGE) == 1
    author = client_of(app, entrepreneur)
    assert "Disponible !" in author.get(f"/network/threads/{thread.id}").text
    assert "Lou Photographe" in author.get(f"/network/{request.id}").text  # the answers
    # Nobody else reads it, not even the support team: a 404, as if it did not exist.
    third = client_of(app, make_member(email="t@example.org"))
    assert third.get(f"/network/threads/{thread.id}").status_code == 404
    assert third.post(f"/network/threads/{thread.id}", data={"body": "moi"}).status_code == 404
    assert client_of(app, staff).get(f"/network/threads/{thread.id}").status_code == 404
    assert "Disponible" not in third.get(f"/network/{request.id}").text
    # The author replies; the answerer is told.
    author.post(f"/network/threads/{thread.id}", data={"body": "Merci, appelons-nous."})
    assert told(db_session, lou, Kind.NETWORK_MESSAGE) == 1
    # A second answer by the same member continues the same thread.
    lou_client.post(f"/network/{request.id}/answer", data={"body": "Et le 13 ?"})
    assert db_session.scalar(select(func.count()).select_from(NetworkThread)) == 1
    assert db_session.scalar(select(func.count()).select_from(NetworkMessage)) == 3


def test_a_message_is_shown_as_text(app, db_session, posted):
    request, lou = posted
    lou_client = client_of(app, lou)
    lou_client.post(f"/network/{request.id}/answer", data={"body": "<b>oui</b> <3"})
    thread = db_session.scalar(select(NetworkThread))
    page = lou_client.get(f"/network/threads/{thread.id}").text
    assert "&lt;b&gt;oui&lt;/b&gt; &lt;3" in page and "<b>oui</b>" not in page


def test_an_empty_answer_or_ones_own_request_is_refused(logged_in, app, db_session, posted):
    request, lou = posted
    response = client_of(app, lou).post(f"/network/{request.id}/answer", data={"body": "  "})
    assert "Écrivez votre message." in response.text
    response = logged_in.post(f"/network/{request.id}/answer", data={"body": "moi ?"})
    assert "C'est votre propre demande" in unescape(response.text)
    assert db_session.scalar(select(func.count()).select_from(NetworkThread)) == 0


def test_a_request_closes_by_itself_after_its_end_date(app, db_session, posted):
    """No job closes it: past its end date it leaves the open list and shows as closed,
    while a conversation already begun goes on (the two arrange the work)."""
    request, lou = posted
    lou_client = client_of(app, lou)
    lou_client.post(f"/network/{request.id}/answer", data={"body": "Disponible"})
    open_list = lou_client.get("/network/").text.split("Mes réponses")[0]
    assert "Photographe à Lyon" in open_list
    request.ends_on = paris_today() - timedelta(days=1)  # as if its last day had passed
    db_session.commit()
    open_list = lou_client.get("/network/").text.split("Mes réponses")[0]
    assert "Photographe à Lyon" not in open_list
    assert ">Close</span>" in lou_client.get(f"/network/{request.id}").text
    thread = db_session.scalar(select(NetworkThread))
    response = lou_client.post(f"/network/threads/{thread.id}", data={"body": "Toujours là"})
    assert response.status_code == 303


def test_a_closed_request_refuses_new_answers(app, db_session, posted, make_member):
    request, _lou = posted
    request.ends_on = paris_today() - timedelta(days=1)
    db_session.commit()
    late = client_of(app, make_member(email="late@example.org"))
    page = late.get(f"/network/{request.id}").text
    assert "Cette demande est close\u00a0: elle ne prend plus de réponses." in unescape(page)
    response = late.post(f"/network/{request.id}/answer", data={"body": "Trop tard ?"})
    assert "Cette demande est close" in response.text
    assert db_session.scalar(select(func.count()).select_from(NetworkThread)) == 0
    assert request.id not in [r.id for r in services.open_requests(db_session, paris_today())]


def test_its_author_closes_a_request_early_after_confirming(app, logged_in, db_session, posted):
    """Found what they asked for: the author closes the request, which takes no more answers
    from today; anyone else, or a second time, is refused and changes nothing."""
    request, lou = posted
    url = f"/network/{request.id}/close"
    assert "Fermer la demande" in logged_in.get(f"/network/{request.id}").text
    assert "Fermer cette demande\u202f?" in unescape(logged_in.post(url).text)  # asks first
    db_session.refresh(request)
    assert request.is_open(paris_today())
    other = client_of(app, lou)
    other.post(url, data={"confirmed": "1"})
    db_session.refresh(request)
    assert request.is_open(paris_today())  # not Lou's to close
    assert logged_in.post(url, data={"confirmed": "1"}).status_code == 303
    db_session.refresh(request)
    assert not request.is_open(paris_today())
    assert request.id not in [r.id for r in services.open_requests(db_session, paris_today())]
    assert "Cette demande est close" in unescape(other.get(f"/network/{request.id}").text)
    page = unescape(logged_in.get(f"/network/{request.id}").text)
    assert "Fermer la demande" not in page
    again = logged_in.post(url, data={"confirmed": "1"}, follow_redirects=True)
    assert "Cette demande est déjà close." in unescape(again.text)


def test_a_request_is_open_through_its_last_day(db_session, posted):
    request, _lou = posted
    last_day = request.ends_on
    assert request.is_open(last_day) and not request.is_open(last_day + timedelta(days=1))


def test_the_network_pages_are_in_french(client, make_member, posted):
    login(client, make_member(email="fr@example.org").email)
    page = client.get("/network/").text
    assert "Demander au réseau" in page and "Photographe à Lyon" in page


def test_staff_see_open_requests(client, staff, posted):
    login(client, staff.email)
    page = client.get("/network/activity").text
    assert "Photographe à Lyon" in page


def test_unknown_requests_and_threads_are_404s(logged_in):
    for path in ("/network/0", "/network/99999999999", "/network/threads/99999999999"):
        assert logged_in.get(path).status_code == 404
    assert logged_in.post("/network/99999999999/answer", data={"body": "x"}).status_code == 404
