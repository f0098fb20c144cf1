"""Read-only SQL for analysts (``torihiki sql``): one statement, no writes, a time limit.

Layers, each enough on its own for the common cases:

1. the text must be exactly one statement starting with SELECT, WITH, VALUES, TABLE,
   EXPLAIN (and SHOW on PostgreSQL, PRAGMA on SQLite); comments and quoted text are
   skipped by a small lexer, so ``SELECT 1; DROP TABLE deals`` is refused before
   anything reaches the database;
2. SQLite: the file is opened read-only (``file:…?mode=ro``), ``query_only`` is on,
   ATTACH is limited to zero databases, and an authorizer allows only reads, function
   calls, recursive CTEs and a short list of introspection pragmas; a progress handler
   interrupts the statement at the time limit;
3. PostgreSQL: a ``READ ONLY`` transaction (also the session default) with a
   ``statement_timeout``, rolled back at the end; rows come through a server-side
   cursor so that a huge result is never fetched beyond ``max_rows``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.engine import make_url

from db.queries import json_number
from torihiki.errors import QueryRefusedError, QueryTimeoutError

ORIGIN = "sql"
READ_KEYWORDS = frozenset({"SELECT", "WITH", "VALUES", "TABLE", "EXPLAIN"})
DIALECT_KEYWORDS = {"sqlite": frozenset({"PRAGMA"}), "postgresql": frozenset({"SHOW"})}
# PRAGMAs that only describe the schema; every other pragma (and any pragma write) is denied.
READ_PRAGMAS = frozenset({
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "function_list", "collation_list", "pragma_list",
})
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 10_000


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool  # more rows than max_rows existed


# --- statement checks -------------------------------------------------------------------

_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def split_statements(sql: str) -> list[str]:
    """The statements of ``sql`` (split on ``;`` outside quotes and comments), empty ones dropped."""
    out: list[str] = []
    buf: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"', "`"):
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:  # doubled quote inside
                        j += 2
                        continue
                    break
                j += 1
            buf.append(sql[i : j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
            buf.append(" ")
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
            buf.append(" ")
        elif ch == "$" and (m := _DOLLAR.match(sql, i)):
            end = sql.find(m.group(0), m.end())
            j = n if end < 0 else end + len(m.group(0))
            buf.append(sql[i:j])
            i = j
        elif ch == ";":
            out.append("".join(buf))
            buf = []
            i += 1
        else:
            buf.append(ch)
            i += 1
    out.append("".join(buf))
    return [s.strip() for s in out if s.strip()]


def check_statement(sql: str, dialect: str) -> tuple[str, str]:
    """The one read-only statement of ``sql`` and its first keyword, or :class:`QueryRefusedError`."""
    statements = split_statements(sql)
    if not statements:
        raise QueryRefusedError(ORIGIN, "refused: no statement given")
    if len(statements) > 1:
        raise QueryRefusedError(
            ORIGIN, f"refused: {len(statements)} statements given; run exactly one statement"
        )
    stmt = statements[0]
    m = re.match(r"[\s(]*([A-Za-z]+)", stmt)
    keyword = m.group(1).upper() if m else ""
    allowed = READ_KEYWORDS | DIALECT_KEYWORDS.get(dialect, frozenset())
    if keyword not in allowed:
        raise QueryRefusedError(
            ORIGIN,
            f"refused: {keyword or 'this statement'} is not a read; only "
            f"{', '.join(sorted(allowed))} statements are allowed (the connection is read-only)",
        )
    return stmt, keyword


# --- SQLite -----------------------------------------------------------------------------

_ACTION_NAMES = {
    getattr(sqlite3, name): name.removeprefix("SQLITE_").replace("_", " ").lower()
    for name in dir(sqlite3)
    if name.startswith("SQLITE_")
    and name.removeprefix("SQLITE_") in {
        "INSERT", "UPDATE", "DELETE", "ATTACH", "DETACH", "PRAGMA", "TRANSACTION", "SAVEPOINT",
        "CREATE_TABLE", "CREATE_INDEX", "CREATE_VIEW", "CREATE_TRIGGER", "CREATE_TEMP_TABLE",
        "CREATE_TEMP_INDEX", "CREATE_TEMP_VIEW", "CREATE_TEMP_TRIGGER", "CREATE_VTABLE",
        "DROP_TABLE", "DROP_INDEX", "DROP_VIEW", "DROP_TRIGGER", "DROP_TEMP_TABLE",
        "DROP_TEMP_INDEX", "DROP_TEMP_VIEW", "DROP_TEMP_TRIGGER", "DROP_VTABLE",
        "ALTER_TABLE", "ANALYZE", "REINDEX",
    }
}
_ALLOWED_ACTIONS = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                              sqlite3.SQLITE_RECURSIVE})
_DENIED_FUNCTIONS = frozenset({"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"})


def _authorizer(denied: list[str]) -> Callable[..., int]:
    def authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None,
                  _trigger: str | None) -> int:
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _DENIED_FUNCTIONS:
            denied.append(f"call {arg2}()")
            return sqlite3.SQLITE_DENY
        if action in _ALLOWED_ACTIONS:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in READ_PRAGMAS:
            return sqlite3.SQLITE_OK
        what = _ACTION_NAMES.get(action, f"operation {action}")
        target = " ".join(x for x in (arg1, arg2) if x)
        denied.append(f"{what} {target}".strip())
        return sqlite3.SQLITE_DENY

    return authorize


def _sqlite_query(path: str, stmt: str, timeout: float, max_rows: int) -> QueryResult:
    file = Path(path)
    if not file.is_file():
        raise QueryRefusedError(ORIGIN, f"no database file at {path}")
    uri = f"file:{urllib.parse.quote(str(file.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=min(timeout, 5.0))
    denied: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 100_000_000)
        conn.set_authorizer(_authorizer(denied))
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            cur = conn.execute(stmt)
            columns = [d[0] for d in cur.description or ()]
            rows = cur.fetchmany(max_rows + 1) if cur.description else []
        except sqlite3.Error as exc:
            if denied:
                raise QueryRefusedError(ORIGIN, f"refused: not allowed to {denied[0]} "
                                                "(the connection is read-only)") from exc
            if time.monotonic() > deadline or "interrupted" in str(exc):
                raise QueryTimeoutError(ORIGIN, f"stopped at the time limit of {timeout:g} s") from exc
            raise QueryRefusedError(ORIGIN, f"the database refused the statement: {exc}") from exc
        return QueryResult(columns, [tuple(r) for r in rows[:max_rows]], len(rows) > max_rows)
    finally:
        conn.close()


# --- PostgreSQL ------------------------------------------------------------------------


def _libpq(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://…``) as a libpq connection string."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_query(url: str, stmt: str, timeout: float, max_rows: int, keyword: str) -> QueryResult:
    import psycopg

    conninfo = _libpq(url)
    ms = max(1, int(timeout * 1000))
    options = f"-c default_transaction_read_only=on -c statement_timeout={ms}"
    deadline = time.monotonic() + timeout
    try:
        conn = psycopg.connect(conninfo, options=options, connect_timeout=max(2, int(timeout)))
    except psycopg.Error as exc:
        raise QueryRefusedError(ORIGIN, f"cannot connect: {exc}") from exc
    try:
        conn.read_only = True
        # Data rows stream through a server-side cursor; EXPLAIN and SHOW cannot be declared.
        streaming = keyword in ("SELECT", "WITH", "VALUES", "TABLE")
        try:
            with conn.transaction(force_rollback=True):
                cur = conn.cursor(name="torihiki_sql") if streaming else conn.cursor()
                with cur:
                    cur.execute(stmt)
                    rows: list[tuple[Any, ...]] = []
                    while cur.description is not None and len(rows) <= max_rows:
                        if time.monotonic() > deadline:
                            raise QueryTimeoutError(ORIGIN, f"stopped at the time limit of {timeout:g} s")
                        batch = cur.fetchmany(min(1000, max_rows + 1 - len(rows)))
                        if not batch:
                            break
                        rows += batch
                    columns = [d.name for d in cur.description or ()]
        except psycopg.errors.QueryCanceled as exc:
            raise QueryTimeoutError(ORIGIN, f"stopped at the time limit of {timeout:g} s") from exc
        except (psycopg.errors.ReadOnlySqlTransaction, psycopg.errors.InsufficientPrivilege) as exc:
            raise QueryRefusedError(ORIGIN, f"refused: {exc} (the transaction is read-only)") from exc
        except psycopg.Error as exc:
            raise QueryRefusedError(ORIGIN, f"the database refused the statement: {exc}") from exc
        return QueryResult(columns, rows[:max_rows], len(rows) > max_rows)
    finally:
        conn.close()


def run_query(url: str, sql: str, *, timeout: float = DEFAULT_TIMEOUT,
              max_rows: int = DEFAULT_MAX_ROWS) -> QueryResult:
    """Run one read-only statement against the database at ``url``."""
    u = make_url(url)
    dialect = u.get_backend_name()
    stmt, keyword = check_statement(sql, dialect)
    if dialect == "sqlite":
        if not u.database or u.database == ":memory:":
            raise QueryRefusedError(ORIGIN, "refused: give the path of a SQLite database file")
        return _sqlite_query(u.database, stmt, timeout, max_rows)
    if dialect == "postgresql":
        return _pg_query(url, stmt, timeout, max_rows, keyword)
    raise QueryRefusedError(ORIGIN, f"refused: unsupported database {dialect!r}")


# --- output -------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A cell as JSON-friendly Python: whole decimals as int, dates as ISO text."""
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def _cell(value: Any) -> str:
    value = plain(value)
    return "" if value is None else str(value)


def write_result(result: QueryResult, fmt: str, out: TextIO) -> None:
    """Print ``result`` as an aligned table (the style of ``torihiki deals``), CSV or JSON lines."""
    import csv

    from torihiki.cli import _pad as pad
    from torihiki.cli import _width as width

    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(result.columns)
        writer.writerows([_cell(v) for v in row] for row in result.rows)
    elif fmt == "jsonl":
        for row in result.rows:
            out.write(json.dumps(dict(zip(result.columns, map(plain, row), strict=True)),
                                 ensure_ascii=False) + "\n")
    else:
        table = [result.columns] + [[_cell(v) for v in r] for r in result.rows]
        widths = [max(width(line[i]) for line in table) for i in range(len(result.columns))]
        for n, line in enumerate(table):
            out.write("  ".join(pad(c, w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n")
            if n == 0:
                out.write("  ".join("-" * w for w in widths) + "\n")
        out.write(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"
                  f"{', truncated' if result.truncated else ''})\n")


# --- PostgreSQL read-only role ---------------------------------------------------------------


def grant_readonly(url: str, role: str, password: str | None = None) -> list[str]:
    """Create or update ``role`` so that it can read every table and view of the database's
    ``public`` schema, including those later migrations add, and nothing else.

    Run it as the user that runs the migrations (future tables are theirs: the default
    privileges are granted for them).  Returns the statements executed, for the record.
    """
    import psycopg
    from psycopg import sql as q

    if make_url(url).get_backend_name() != "postgresql":
        raise QueryRefusedError(ORIGIN, "grant-readonly is for PostgreSQL databases")
    r = q.Identifier(role)
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        owner = conn.execute("SELECT current_user").fetchone()
        dbname = conn.execute("SELECT current_database()").fetchone()
        assert owner is not None and dbname is not None
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        statements: list[q.Composed] = [
            q.SQL("CREATE ROLE {} LOGIN").format(r) if not exists else q.SQL("ALTER ROLE {} LOGIN").format(r),
            q.SQL("ALTER ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS").format(r),
            # Belt and braces: every session of the role is read-only and time-limited.
            q.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(r),
            q.SQL("ALTER ROLE {} SET statement_timeout = '60s'").format(r),
            q.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(q.Identifier(dbname[0]), r),
            q.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(r),
            q.SQL("GRANT USAGE ON SCHEMA public TO {}").format(r),
            q.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(r),
            q.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(r),
            q.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT SELECT ON TABLES TO {}")
            .format(q.Identifier(owner[0]), r),
        ]
        if password is not None:
            statements.append(q.SQL("ALTER ROLE {} PASSWORD {}").format(r, q.Literal(password)))
        done = []
        for stmt in statements:
            conn.execute(stmt)
            text = stmt.as_string(conn)
            done.append(text if "PASSWORD" not in text else f"ALTER ROLE {role} PASSWORD '…'")
        return done
