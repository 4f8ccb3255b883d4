"""Notes search on both databases, with real commits: SQLite's FTS5 table is filled by
triggers, PostgreSQL uses its French full-text index."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.db import make_engine
from portal.meetings import services
from portal.meetings.search import search_notes
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member


def _scenario(url: str):
    engine = make_engine(url)
    with Session(engine) as session:
        member = create_member(
            session, email="a@example.org", full_name="A", role=Role.ENTREPRENEUR
        )
        outsider = create_member(
            session,
            email="b@example.org",
            full_name="B",
            role=Role.ENTREPRENEUR,
            status=MemberStatus.ASSOCIATE,
        )
        past = datetime.now(UTC) - timedelta(days=60)
        day = services.paris_time(datetime.now(UTC)).date() - timedelta(days=10)
        made = []
        for title, assembly in (("Janvier", False), ("Février", False), ("AG", True)):
            details = services.MeetingDetails(
                title=title,
                day=day,
                start=time(18),
                end=time(20),
                location="Salle",
                general_assembly=assembly,
                statuses=(MemberStatus.SUPPORTED,),
            )
            made.append(services.schedule_meeting(session, details, past))
        for meeting, notes in zip(
            made,
            (
                "Premier jet.",
                "Prospection : salons et réseau.",
                "Approbation des comptes et trésorerie.",
            ),
            strict=True,
        ):
            services.publish_notes(session, meeting, notes, [], datetime.now(UTC))
        # Edited notes are searched in their new version (triggers on SQLite).
        services.publish_notes(
            session, made[0], "Les réunions de trésorerie ont eu lieu.", [], datetime.now(UTC)
        )
        session.commit()
        yield session, member, outsider, made
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def scenario(request, committed_database):
    url = committed_database(request.param)
    yield from _scenario(url)


def test_search_finds_stemmed_and_prefixed_words_on_both_databases(scenario):
    session, member, _outsider, (january, february, _assembly) = scenario
    assert [h.meeting_id for h in search_notes(session, "trésorerie", member.id)] == [january.id]
    assert [h.meeting_id for h in search_notes(session, "réunion", member.id)] == [january.id]
    assert [h.meeting_id for h in search_notes(session, "prosp", member.id)] == [february.id]
    assert search_notes(session, "salons réseau", member.id)[0].meeting_id == february.id
    assert search_notes(session, "salons piscine", member.id) == []
    assert search_notes(session, "premier", member.id) == []  # replaced by the edit


def test_search_only_covers_meetings_one_was_invited_to_on_both_databases(scenario):
    session, _member, outsider, (january, _february, assembly) = scenario
    assert {h.meeting_id for h in search_notes(session, "trésorerie", outsider.id)} == {assembly.id}
    assert {h.meeting_id for h in search_notes(session, "trésorerie", None)} == {
        january.id,
        assembly.id,
    }


def test_search_snippet_highlights_the_match_on_both_databases(scenario):
    session, member, _outsider, _meetings = scenario
    (hit,) = search_notes(session, "trésorerie", member.id)
    assert "<mark>trésorerie</mark>" in str(hit.snippet)


def test_search_index_exists_where_expected(scenario):
    session = scenario[0]
    if session.get_bind().dialect.name == "postgresql":
        found = session.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_meetings_search'")
        ).scalar_one()
        assert "gin (search_vector)" in found
        generated = session.execute(
            text(
                "SELECT generation_expression FROM information_schema.columns "
                "WHERE table_name = 'meetings' AND column_name = 'search_vector'"
            )
        ).scalar_one()
        assert "to_tsvector('french'" in generated
    else:
        found = session.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'meeting_search'")
        ).scalar_one()
        assert "fts5" in found


def _renote(session, meeting, notes: str) -> None:
    services.publish_notes(session, meeting, notes, [], datetime.now(UTC))
    session.commit()


def test_search_excerpt_comes_from_where_the_words_are_in_long_notes_on_both_databases(scenario):
    session, member, _outsider, (january, _february, _assembly) = scenario
    filler = " ".join(["Point divers sans rapport."] * 80)  # about 2,000 characters
    _renote(session, january, f"{filler} Le budget des salons est voté. {filler}")
    (hit,) = search_notes(session, "budget salons", member.id)
    assert "<mark>budget</mark>" in hit.snippet and "<mark>salons</mark>" in hit.snippet
    # Two words of the query that begin the same word of the notes.
    (hit,) = search_notes(session, "budget bud", member.id)
    assert "<mark>budget</mark>" in hit.snippet
    # Words far apart: the meeting matches both, its excerpt shows one.
    _renote(session, january, f"Le budget. {filler} {filler} Les salons.")
    (hit,) = search_notes(session, "budget salons", member.id)
    assert "<mark>" in hit.snippet


@pytest.fixture
def postgresql_scenario(committed_database):
    yield from _scenario(committed_database("postgresql"))


@pytest.mark.postgres
def test_postgresql_excerpt_falls_back_to_the_whole_notes_when_a_word_only_looks_like_a_match(
    postgresql_scenario,
):
    # PostgreSQL reads "www.budgetaire.fr" as one host name, not as "budgetaire": the part of
    # the notes around it holds no match, so the excerpt is taken from the whole notes.
    session, member, _outsider, (january, _february, _assembly) = postgresql_scenario
    filler = " ".join(["Point divers sans rapport."] * 40)
    _renote(session, january, f"Voir www.budgetaire.fr pour tout. {filler} Le budget est voté.")
    (hit,) = search_notes(session, "budget", member.id)
    assert "<mark>budget</mark> est voté" in hit.snippet
