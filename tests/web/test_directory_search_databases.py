"""The directory's full-text search on both databases, with real commits: SQLite's FTS5
table is kept by triggers, PostgreSQL reads its generated French tsvector (GIN index)."""

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.db import make_engine
from portal.directory import services
from portal.directory.queries import search_directory
from portal.members.models import Member, Role
from portal.members.services import create_member


def _card(session, email, name, **fields):
    member = create_member(session, email=email, full_name=name, role=Role.ENTREPRENEUR)
    values = dict(
        listed=True, activity="", area="", presentation="", skills="",
        show_email=False, show_phone=False,
    )  # fmt: skip
    services.save_card(session, member, services.CardInput(**(values | fields)), None)
    return member


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def session(request, committed_database):
    engine = make_engine(committed_database(request.param))
    with Session(engine) as session:
        _card(session, "a@example.org", "Ana", activity="Photographe", area="Lyon",
              skills="photo, retouche", presentation="Reportages de mariages.")  # fmt: skip
        _card(session, "b@example.org", "Bo", activity="Traducteur", area="Saint-Étienne",
              skills="traduction", presentation="Clients à Lyon et Grenoble.")  # fmt: skip
        _card(session, "c@example.org", "Cy", activity="Photographe", area="Lyon",
              skills="photo", listed=False)  # fmt: skip
        session.commit()
        yield session
    engine.dispose()


def found(session, *args, **kwargs) -> list[str]:
    return [entry.full_name for entry in search_directory(session, *args, **kwargs)]


def test_words_skills_and_places_on_both_databases(session):
    assert found(session, "photographe") == ["Ana"]  # Cy is not listed
    assert found(session, "mariage") == ["Ana"]  # stemmed (PostgreSQL) or prefix (SQLite)
    assert found(session, "retou") == ["Ana"]  # a skill's prefix
    assert found(session, skill="traduction") == ["Bo"]
    assert found(session, place="lyon") == ["Ana"]  # Bo's presentation names Lyon, not his area
    assert found(session, place="saint etienne") == ["Bo"]  # accents folded
    assert found(session, place="Saint-Étienne") == ["Bo"]
    assert sorted(found(session, "lyon")) == ["Ana", "Bo"]
    assert found(session, "photographe", place="grenoble") == []


def test_a_changed_card_is_searched_in_its_new_version(session):
    ana = session.scalar(text("SELECT id FROM members WHERE email = 'a@example.org'"))
    member = session.get(Member, ana)
    services.save_card(
        session,
        member,
        services.CardInput(
            listed=True,
            activity="Céramiste",
            area="Annecy",
            presentation="",
            skills="poterie",
            show_email=False,
            show_phone=False,
        ),
        None,
    )
    session.commit()
    assert found(session, "photographe") == []
    assert found(session, "céramiste") == ["Ana"]
    assert found(session, skill="poterie") == ["Ana"] and found(session, place="annecy") == ["Ana"]


@pytest.mark.postgres
def test_postgresql_search_uses_the_gin_index(committed_database):
    engine = make_engine(committed_database("postgresql"))
    with engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            row[0]
            for row in connection.execute(
                text(
                    "EXPLAIN SELECT id FROM directory_cards "
                    "WHERE search_vector @@ to_tsquery('french', 'photo:*')"
                )
            )
        )
    engine.dispose()
    assert "ix_directory_cards_search" in plan
