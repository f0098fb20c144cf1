"""Alembic builds the schema from empty, identically on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from db.engine import make_engine
from db.migrate import current_revision, downgrade, head_revision, upgrade
from models import Base

TABLES = {
    "documents", "document_sources", "companies", "company_aliases", "entity_mentions",
    "deals", "deal_mentions", "metrics", "runs", "quarantine",
}


def _check_upgrade_from_empty(url: str) -> None:
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == head_revision()
    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            # The models and the migrations describe the same schema.
            assert compare_metadata(ctx, Base.metadata) == []
    finally:
        engine.dispose()
    downgrade(url, "base")
    assert current_revision(url) is None
    upgrade(url)
    upgrade(url)  # idempotent
    assert current_revision(url) == head_revision()


def test_migrations_sqlite_from_empty(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _check_upgrade_from_empty(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.postgres
def test_migrations_postgres_from_empty(pg_empty_url: str) -> None:
    _check_upgrade_from_empty(pg_empty_url)
