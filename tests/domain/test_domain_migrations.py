"""Migrations: a fresh database upgraded to head has exactly the schema the models describe."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from warroom.core.db import Base
from warroom.core.migrate import alembic_config, pending_revisions, upgrade
from warroom.models import load_all_models


@pytest.fixture
def fresh_url(database_url: str, tmp_path) -> Iterator[str]:
    """An empty database of the kind under test: a new SQLite file, or a new PostgreSQL schema."""
    if make_url(database_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    schema = f"fresh_{uuid.uuid4().hex[:12]}"
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def schema_differences(url: str) -> list:
    load_all_models()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "compare_server_default": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_fresh_database_upgraded_to_head_matches_the_models(fresh_url):
    assert table_names(fresh_url) == set()
    assert pending_revisions(fresh_url) is True
    upgrade(fresh_url)
    assert pending_revisions(fresh_url) is False
    assert table_names(fresh_url) == set(Base.metadata.tables) | {"alembic_version"}
    assert schema_differences(fresh_url) == []


def test_upgrading_twice_is_harmless_and_seeds_the_counter_once(fresh_url):
    upgrade(fresh_url)
    upgrade(fresh_url)
    engine = create_engine(fresh_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name, value FROM counters")).all() == [("incident", 0)]
            head = ScriptDirectory.from_config(alembic_config(fresh_url)).get_current_head()
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
    finally:
        engine.dispose()


def test_the_test_database_itself_is_at_head_with_no_differences(runtime):
    assert schema_differences(runtime.db.url) == []
    assert pending_revisions(runtime.db.url) is False


def test_schema_comparison_does_notice_a_difference(fresh_url):
    """The comparison is not vacuous: a column the models do not know about is reported."""
    upgrade(fresh_url)
    engine = create_engine(fresh_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE incidents ADD COLUMN stray INTEGER"))
    finally:
        engine.dispose()
    differences = schema_differences(fresh_url)
    assert [(d[0], d[2], d[3].name) for d in differences] == [("remove_column", "incidents", "stray")]
