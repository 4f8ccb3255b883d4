"""A double tap on PostgreSQL, with real commits: two answers by one member to one request,
or two first saves of one member's card, at the same moment. The second waits for the first
and continues its thread (changes its card): never a second one, never an error."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.dates import paris_today
from portal.db import make_engine
from portal.directory import services as directory
from portal.directory.models import DirectoryCard
from portal.members.models import Member, Role
from portal.members.services import create_member
from portal.network import services
from portal.network.models import NetworkMessage, NetworkRequest, NetworkThread


@pytest.mark.postgres
def test_a_double_answer_continues_one_thread(app, committed_database):
    engine = make_engine(committed_database("postgresql"))
    with Session(engine) as session, app.app_context():
        author = create_member(
            session, email="a@example.org", full_name="A", role=Role.ENTREPRENEUR
        )
        create_member(session, email="b@example.org", full_name="B", role=Role.ENTREPRENEUR)
        data = services.RequestInput(
            title="Photographe", details="", place="", tags="photo",
            ends_on=paris_today() + timedelta(days=2),
        )  # fmt: skip
        request_id = services.post_request(session, author, data, paris_today()).id
        session.commit()

    first_holds = threading.Event()
    errors: list[BaseException] = []

    def answer(text: str, hold: bool) -> None:
        try:
            with Session(engine) as session, app.app_context():
                request = session.get(NetworkRequest, request_id)
                answerer = session.scalar(select(Member).where(Member.email == "b@example.org"))
                services.answer_request(session, request, answerer, text, paris_today())
                if hold:  # the first keeps its lock a moment, the second must wait for it
                    first_holds.set()
                    threading.Event().wait(0.5)
                session.commit()
        except BaseException as error:
            errors.append(error)

    first = threading.Thread(target=answer, args=("premier", True))
    first.start()
    assert first_holds.wait(10)
    second = threading.Thread(target=answer, args=("second", False))
    second.start()
    first.join(10)
    second.join(10)
    assert errors == []
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(NetworkThread)) == 1
        bodies = session.scalars(select(NetworkMessage.body).order_by(NetworkMessage.id)).all()
        assert bodies == ["premier", "second"]
    engine.dispose()


@pytest.mark.postgres
def test_a_double_first_save_makes_one_card(app, committed_database):
    engine = make_engine(committed_database("postgresql"))
    with Session(engine) as session:
        create_member(session, email="a@example.org", full_name="A", role=Role.ENTREPRENEUR)
        session.commit()
    first_holds = threading.Event()
    errors: list[BaseException] = []

    def save(activity: str, hold: bool) -> None:
        data = directory.CardInput(
            listed=True, activity=activity, area="Lyon", presentation="", skills="photo",
            show_email=False, show_phone=False,
        )  # fmt: skip
        try:
            with Session(engine) as session, app.app_context():
                member = session.scalar(select(Member).where(Member.email == "a@example.org"))
                directory.save_card(session, member, data, None)
                if hold:
                    first_holds.set()
                    threading.Event().wait(0.5)
                session.commit()
        except BaseException as error:
            errors.append(error)

    first = threading.Thread(target=save, args=("Photographe", True))
    first.start()
    assert first_holds.wait(10)
    second = threading.Thread(target=save, args=("Vidéaste", False))
    second.start()
    first.join(10)
    second.join(10)
    assert errors == []
    with Session(engine) as session:
        assert session.scalars(select(DirectoryCard.activity)).all() == ["Vidéaste"]
    engine.dispose()
