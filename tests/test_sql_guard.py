"""``torihiki sql`` reads and only reads; ``torihiki db grant-readonly`` makes a reading role."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from db.engine import make_engine
from torihiki.cli import main
from torihiki.errors import QueryRefusedError, QueryTimeoutError
from torihiki.ingest.readers import RawDocument
from torihiki.processing import store_document
from torihiki.sql import _pg_query, _sqlite_query, check_statement, run_query, split_statements

TEXT = "2025年9月22日\nエヌビディアはオープンAIに最大1000億ドルを投資すると発表した。\n"
RUNAWAY = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT COUNT(*) FROM r"
WRITES = [
    "INSERT INTO companies (name, kind, verified) VALUES ('Evil', 'company', true)",
    "UPDATE deals SET amount_value = 0",
    "DELETE FROM deal_mentions",
    "DROP TABLE deals",
    "CREATE TABLE evil (x integer)",
    "ALTER TABLE deals ADD COLUMN evil integer",
    "WITH x AS (SELECT 1) DELETE FROM deals",
    "BEGIN",
    "SET default_transaction_read_only = off",
]


def _fill(url: str) -> str:
    engine = make_engine(url)
    raw = RawDocument(origin="news.txt", text=TEXT, title=None, published=dt.date(2025, 9, 23),
                      source_path="news.txt", content_type="text", encoding="utf-8")
    assert store_document(engine=engine, raw=raw, run_id=None, nlp=None).status == "new"
    engine.dispose()
    return url


@pytest.fixture
def sqlite_db(sqlite_url: str) -> str:
    return _fill(sqlite_url)


@pytest.fixture
def pg_db(pg_url: str) -> str:
    return _fill(pg_url)


def _digest(url: str) -> str:
    """The database file's content (a reader may leave the -wal and -shm companions behind)."""
    return hashlib.sha256(Path(make_url(url).database or "").read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("sql", "count"),
    [
        ("SELECT 1", 1),
        ("SELECT 1;", 1),
        ("SELECT ';' AS x; -- comment; with ;\n", 1),
        ("SELECT 1 /* ; */ ; SELECT 2", 2),
        ('SELECT "a;b" FROM t', 1),
        ("SELECT $$;$$; SELECT $x$ ; $x$", 2),
        ("SELECT 'it''s;'", 1),
        (";;", 0),
    ],
)
def test_sql_guard_splits_statements(sql: str, count: int) -> None:
    assert len(split_statements(sql)) == count


@pytest.mark.parametrize(
    "sql",
    [*(w for w in WRITES if not w.startswith("WITH")),  # WITH … DELETE is left to the connection
     "ATTACH DATABASE 'x.db' AS x", "VACUUM", "SELECT 1; DROP TABLE deals", ""],
)
def test_sql_guard_refuses_before_the_database(sql: str) -> None:
    with pytest.raises(QueryRefusedError):
        check_statement(sql, "sqlite")


def test_sql_guard_sqlite_reads(sqlite_db: str) -> None:
    result = run_query(sqlite_db, "SELECT source, target, amount_usd FROM v_deals")
    assert result.columns == ["source", "target", "amount_usd"]
    assert result.rows == [("NVIDIA", "OpenAI", 100_000_000_000)]
    info = run_query(sqlite_db, "PRAGMA table_info(v_deals)")
    assert "amount_usd" in {row[1] for row in info.rows}
    assert run_query(sqlite_db, "EXPLAIN QUERY PLAN SELECT * FROM v_cycles").rows


def test_sql_guard_sqlite_refuses_writes_and_leaves_the_file_alone(sqlite_db: str) -> None:
    before = _digest(sqlite_db)
    for sql in [*WRITES, "ATTACH DATABASE ':memory:' AS x", "PRAGMA journal_mode = DELETE",
                "PRAGMA query_only = OFF", "SELECT 1; DELETE FROM deals", "SELECT load_extension('x')"]:
        with pytest.raises(QueryRefusedError):
            run_query(sqlite_db, sql)
    assert _digest(sqlite_db) == before
    assert run_query(sqlite_db, "SELECT COUNT(*) FROM deal_mentions").rows == [(1,)]


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("ATTACH DATABASE ':memory:' AS x", "attach"),
        ("PRAGMA writable_schema = ON", "pragma"),
        ("DELETE FROM deals", "delete"),
        ("CREATE TEMP TABLE t (x)", "not allowed to"),
        ("WITH x AS (SELECT 1) INSERT INTO companies (name) SELECT 'e' FROM x", "insert"),
    ],
)
def test_sql_guard_sqlite_authorizer_refuses_on_its_own(sqlite_db: str, sql: str, reason: str) -> None:
    """The connection layer refuses even what the statement check would have let through."""
    path = make_url(sqlite_db).database
    assert path is not None
    with pytest.raises(QueryRefusedError, match=reason):
        _sqlite_query(path, sql, timeout=5, max_rows=10)


def test_sql_guard_sqlite_stops_a_runaway_query(sqlite_db: str) -> None:
    start = time.monotonic()
    with pytest.raises(QueryTimeoutError):
        run_query(sqlite_db, RUNAWAY, timeout=1)
    assert time.monotonic() - start < 10
    rows = run_query(sqlite_db, RUNAWAY.replace("COUNT(*)", "n"), max_rows=5)
    assert rows.truncated and [r[0] for r in rows.rows] == [1, 2, 3, 4, 5]


def test_sql_guard_cli_formats_and_exit_codes(sqlite_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--db", sqlite_db, "--format", "jsonl",
                 "SELECT source, amount_usd FROM v_deals"]) == 0
    assert [json.loads(x) for x in capsys.readouterr().out.splitlines()] == [
        {"source": "NVIDIA", "amount_usd": 100_000_000_000}]
    assert main(["sql", "--db", sqlite_db, "--format", "csv", "SELECT target, date FROM v_deals"]) == 0
    assert capsys.readouterr().out.splitlines() == ["target,date", "OpenAI,2025-09-22"]
    assert main(["sql", "--db", sqlite_db, "SELECT cycle FROM v_cycles"]) == 0
    assert "(0 rows)" in capsys.readouterr().out
    assert main(["sql", "--db", sqlite_db, "DELETE FROM deals"]) == 2
    assert "refused" in capsys.readouterr().err
    assert main(["sql", "--db", sqlite_db, "--timeout", "0.5", RUNAWAY]) == 3
    assert "time limit" in capsys.readouterr().err


@pytest.mark.postgres
def test_sql_guard_postgres(pg_db: str) -> None:
    assert run_query(pg_db, "SELECT source, target FROM v_deals").rows == [("NVIDIA", "OpenAI")]
    assert run_query(pg_db, "EXPLAIN SELECT * FROM v_cycles").rows
    assert run_query(pg_db, "SHOW transaction_read_only").rows == [("on",)]
    for sql in [*WRITES, "SELECT 1; DROP TABLE deals", "COPY deals TO STDOUT"]:
        with pytest.raises(QueryRefusedError):
            run_query(pg_db, sql)
    with pytest.raises(QueryRefusedError):
        run_query(pg_db, "WITH gone AS (DELETE FROM deal_mentions RETURNING 1) SELECT COUNT(*) FROM gone")
    with pytest.raises(QueryRefusedError, match="read-only"):
        run_query(pg_db, "SELECT nextval('companies_id_seq')")
    # Past the statement check and without a cursor, the read-only transaction refuses on its own.
    for sql in ["INSERT INTO companies (name, kind, verified) VALUES ('Evil', 'company', true)",
                "WITH gone AS (DELETE FROM deal_mentions RETURNING 1) SELECT COUNT(*) FROM gone"]:
        with pytest.raises(QueryRefusedError, match="read-only"):
            _pg_query(pg_db, sql, 5, 10, "EXPLAIN")
    start = time.monotonic()
    with pytest.raises(QueryTimeoutError):
        run_query(pg_db, RUNAWAY, timeout=1)
    assert time.monotonic() - start < 10
    rows = run_query(pg_db, RUNAWAY.replace("COUNT(*)", "n"), max_rows=5, timeout=5)
    assert rows.truncated and [r[0] for r in rows.rows] == [1, 2, 3, 4, 5]
    assert run_query(pg_db, "SELECT COUNT(*) AS n FROM deal_mentions").rows == [(1,)]


@pytest.mark.postgres
def test_sql_guard_grant_readonly_role(pg_db: str, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    role = f"torihiki_ro_{uuid.uuid4().hex[:8]}"
    admin = make_url(pg_db).set(drivername="postgresql").render_as_string(hide_password=False)
    monkeypatch.setenv("TORIHIKI_TEST_RO_PASSWORD", "s3cret")
    try:
        assert main(["db", "grant-readonly", role, "--db", pg_db,
                     "--password-env", "TORIHIKI_TEST_RO_PASSWORD"]) == 0
        assert "s3cret" not in capsys.readouterr().out
        assert main(["db", "grant-readonly", role, "--db", pg_db]) == 0  # again: updates, no error
        # A table a later migration adds (created by the owner) is readable too.
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE TABLE later_table (x integer)")
            conn.execute("INSERT INTO later_table VALUES (1)")
        analyst = make_url(admin).set(username=role).render_as_string(hide_password=False)
        with psycopg.connect(analyst, autocommit=True) as conn:
            assert conn.execute("SELECT source FROM v_deals").fetchall() == [("NVIDIA",)]
            assert conn.execute("SELECT x FROM later_table").fetchall() == [(1,)]
            assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
            # Even with the session default turned off, privileges refuse every write.
            conn.execute("SET default_transaction_read_only = off")
            for sql in ["INSERT INTO later_table VALUES (2)", "CREATE TABLE mine (x integer)",
                        "DELETE FROM deals", "UPDATE deal_mentions SET amount_usd = 0",
                        "SET ROLE postgres"]:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql)
        assert run_query(analyst, "SELECT COUNT(*) FROM deal_mentions").rows == [(1,)]
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"') if conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() else None
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
