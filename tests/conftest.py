"""Shared fixtures: real SQLite and PostgreSQL databases, the real ja_ginza, one Prefect harness."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "gold"
SEEDS = SHARED / "seeds"

PG_ADMIN_URL = os.environ.get(
    "TORIHIKI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def needs_shared() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not GOLD.exists(), reason=f"{GOLD} not present (shared/ not beside the repo)")


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    """The real ja_ginza pipeline with torihiki's component, loaded once."""
    from torihiki.processing import get_nlp

    return get_nlp()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    from db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'torihiki.db'}"
    upgrade(url)
    return url


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"


@pytest.fixture
def pg_empty_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards. Never skipped under CI=true."""
    import psycopg

    problem = _pg_available()
    if problem:
        if in_ci():
            pytest.fail(f"CI=true and {problem}")
        pytest.skip(problem)
    name = f"torihiki_test_{uuid.uuid4().hex[:12]}"
    admin = PG_ADMIN_URL.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        from db.engine import dispose_engines

        dispose_engines()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_empty_url: str) -> str:
    from db.migrate import upgrade

    upgrade(pg_empty_url)
    return pg_empty_url


def load_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The same test on a migrated SQLite file and a migrated PostgreSQL database."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
