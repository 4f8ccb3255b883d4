"""Migrations build exactly the models' schema, and go down and up again cleanly."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from portal.cli import alembic_config
from portal.db import is_managed_by_models, make_engine
from portal.models import Base


def test_migrated_schema_matches_the_models(database_url):
    engine = make_engine(database_url)
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_name": is_managed_by_models}
        context = MigrationContext.configure(connection, opts=opts)
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


@pytest.fixture
def scratch_database(database_url, tmp_path):
    """An empty database apart from the test one: a SQLite file, or a PostgreSQL schema."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        engine = make_engine(url)
        with engine.connect() as connection:
            yield connection
        engine.dispose()
        return
    engine = make_engine(database_url)
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_check"))
        connection.execute(text("SET search_path TO migration_check"))
        connection.commit()
        yield connection
        connection.rollback()
        connection.execute(text("SET search_path TO public"))
        connection.execute(text("DROP SCHEMA migration_check CASCADE"))
        connection.commit()
    engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_database):
    config = alembic_config("unused://")
    config.attributes["connection"] = scratch_database

    command.upgrade(config, "head")
    tables = set(inspect(scratch_database).get_table_names())
    assert {"members", "activities", "coop_settings", "login_sessions"} <= tables

    command.downgrade(config, "base")
    assert set(inspect(scratch_database).get_table_names()) <= {"alembic_version"}

    command.upgrade(config, "head")
    assert set(inspect(scratch_database).get_table_names()) == tables
