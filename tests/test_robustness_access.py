"""Issue 6, cases 22-24: access and inputs from outside.

23: paths whose ``..`` climbs out of the directory they name, symbolic links
    leaving the ingested root, ``file://`` URLs → refused (PathNotAllowedError),
    the rest of the batch stored, exit code 1.
24: ``torihiki ingest http://…`` against a local ``http.server`` started here
    (127.0.0.1 only, ``TORIHIKI_FETCH_ALLOW_PRIVATE`` on): pages fetched, and
    timeouts, the size cap, redirect limits and scheme checks enforced; with the
    setting off, loopback, link-local and private addresses are refused before
    any connection is made.
22: ``torihiki sql`` (built in ``torihiki/sql.py`` by the analyst issue) given
    statements that write or escape → refused or timed out, nothing changes.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.flow_helpers import ingest, rows, write

DEAL = "エヌビディアはオープンAIに1000億ドルを出資したと発表した。"
PAGE = (
    '<html><head><meta charset="utf-8"><title>大型出資</title>'
    '<meta property="article:published_time" content="2025-09-22T09:00:00+09:00"></head>'
    f"<body><nav>メニュー</nav><article><p>{DEAL}</p></article></body></html>"
)


def quarantined(url: str) -> dict[str, tuple[str, str]]:
    return {o: (c, r) for o, c, r in rows(url, "SELECT origin, error_code, reason FROM quarantine")}


# --- 23: paths ---------------------------------------------------------------------------


@pytest.mark.slow
def test_case23_dotdot_symlinks_and_file_urls_are_refused(
    prefect_harness: None, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from torihiki.cli import main

    inbox = tmp_path / "inbox"
    good = write(inbox / "a_good.txt", f"{DEAL}\n")
    write(inbox / "sub" / "real.txt", "ソフトバンクはオープンAIに400億ドルを出資した。\n")
    secret = write(tmp_path / "outside" / "secret.txt", "オラクルの社外秘の売上高は150億ドルだった。\n")
    (inbox / "b_inner_link.txt").symlink_to(inbox / "sub" / "real.txt")  # stays inside: fine
    (inbox / "c_leak.txt").symlink_to(secret)  # leaves the root
    (inbox / "d_dirlink").symlink_to(secret.parent, target_is_directory=True)  # leaves the root
    (inbox / "e_relative.txt").symlink_to(Path("..") / "outside" / "secret.txt")
    escaping = f"{inbox}/../outside/secret.txt"
    file_url = f"file://{secret}"
    named_link = inbox / "c_leak.txt"  # a link named on the command line: its root is inbox/

    code = main(["ingest", str(inbox), escaping, file_url, str(named_link), "--db", db_url])
    out = capsys.readouterr().out
    assert code == 1
    q = quarantined(db_url)
    refused = {
        str(inbox / "c_leak.txt"): "symbolic link",
        str(inbox / "d_dirlink"): "symbolic link",
        str(inbox / "e_relative.txt"): "symbolic link",
        escaping: "'..' climbs out of 'inbox'",
        file_url: "file:// URLs are not accepted",
    }
    for origin, cause in refused.items():
        code_, reason = q[origin]
        assert code_ == "T108" and origin in reason and cause in reason, reason
        assert f"quarantined: {reason}" in out
    assert "leaves the ingested root" in q[str(inbox / "c_leak.txt")][1]
    # Nothing from outside the root was read; the files inside were.
    texts = [r[0] for r in rows(db_url, "SELECT text FROM documents")]
    assert all("社外秘" not in t for t in texts)
    origins = sorted(r[0] for r in rows(db_url, "SELECT origin FROM document_sources"))
    # The link inside the root is followed; the file it points to is read once, under its first name.
    assert origins == sorted([str(good), str(inbox / "b_inner_link.txt")])


def test_case23_path_rules() -> None:
    from torihiki.errors import PathNotAllowedError
    from torihiki.ingest.readers import iter_input_files, url_scheme

    assert url_scheme("https://example.com/x") == "https"
    assert url_scheme("FILE:///etc/passwd") == "file"
    assert url_scheme("file:relative.txt") == "file"
    assert url_scheme("notes/2025:09.txt") is None and url_scheme("C:/x.txt") is None
    for given in ["inbox/../x.txt", "/srv/inbox/../../etc/passwd.txt", "a/b/../../c.txt",
                  "file:///etc/hosts", "ftp://host/x.txt", "gopher://x/"]:
        [err] = list(iter_input_files([given]))
        assert isinstance(err, PathNotAllowedError), given
        assert err.code == "T108" and given in str(err)


# --- 24: http(s) -----------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared by design: the test reads what was requested

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
            self._route()

    def _route(self) -> None:
        path = self.path
        if path == "/page.html":
            self._send(200, PAGE.encode())
        elif path == "/sjis":  # the charset only in the HTTP header
            self._send(200, f"<p>㈱髙﨑製作所。{DEAL}</p>".encode("cp932"), "text/html; charset=Shift_JIS")
        elif path == "/plain.txt":
            self._send(200, f"{DEAL}\n".encode(), "text/plain; charset=utf-8")
        elif path == "/old":
            self._send(301, headers={"Location": "/page.html"})
        elif path.startswith("/hop"):
            n = int(path[4:] or 0)
            self._send(302, headers={"Location": f"/hop{n + 1}"})
        elif path == "/to-file":
            self._send(302, headers={"Location": "file:///etc/passwd"})
        elif path == "/slow":
            time.sleep(3)
            self._send(200, PAGE.encode())
        elif path == "/trickle":  # headers at once, then a byte at a time: only a deadline stops it
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(60):  # bounded: at most 6 s
                self.wfile.write("あ".encode())
                self.wfile.flush()
                time.sleep(0.1)
        elif path == "/big-declared":
            self._send(200, b"a" * 300_000, "text/plain")
        elif path == "/big-streamed":
            self._send(200, b"a" * 300_000, "text/plain", length=False)
            self.close_connection = True
        elif path == "/image.png":
            self._send(200, b"\x89PNG\r\n\x1a\n" + bytes(100), "image/png")
        elif path == "/gzip":
            self._send(200, b"\x1f\x8b\x08\x00", "text/html", headers={"Content-Encoding": "gzip"})
        else:
            self._send(404, b"not found", "text/plain")


@pytest.fixture
def server() -> Iterator[str]:
    """A local HTTP server on 127.0.0.1 only; its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    _Handler.hits = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture
def fetch_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Loopback allowed (the test server), a short deadline, a 200 KB size cap."""
    from torihiki.settings import get_settings

    monkeypatch.setenv("TORIHIKI_FETCH_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("TORIHIKI_FETCH_TIMEOUT", "1.5")
    monkeypatch.setenv("TORIHIKI_FETCH_MAX_REDIRECTS", "3")
    monkeypatch.setenv("TORIHIKI_MAX_INPUT_BYTES", "200000")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.slow
def test_case24_fetch_pages_and_refuse_bad_responses(
    prefect_harness: None, db_url: str, server: str, fetch_settings: None
) -> None:
    urls = {name: f"{server}/{name}" for name in [
        "page.html", "sjis", "plain.txt", "old", "hop0", "to-file", "slow", "trickle",
        "big-declared", "big-streamed", "image.png", "gzip", "missing",
    ]}
    started = time.monotonic()
    summary = ingest(db_url, *urls.values())
    assert time.monotonic() - started < 60  # every fetch is bounded
    docs = {r[0]: r[1:] for r in rows(
        db_url, "SELECT s.origin, d.id, d.text, d.title, d.published, d.encoding FROM documents d "
                "JOIN document_sources s ON s.document_id = d.id")}
    assert docs[urls["page.html"]][1:3] == (DEAL, "大型出資")
    assert str(docs[urls["page.html"]][3]) == "2025-09-22"  # from the page's meta tag
    assert docs[urls["sjis"]][1] == f"㈱髙﨑製作所。{DEAL}" and docs[urls["sjis"]][4] == "cp932"
    assert docs[urls["plain.txt"]][1] == f"{DEAL}\n"
    # One redirect followed: the same page, so the same document, with the URL given as a source.
    assert docs[urls["old"]][0] == docs[urls["page.html"]][0]
    assert rows(db_url, "SELECT count(*) FROM documents") == [(3,)]
    q = quarantined(db_url)
    expected = {
        "hop0": ("T109", "more than 3 redirects"),
        "to-file": ("T108", "only http and https"),
        "slow": ("T109", "timed out"),
        "trickle": ("T109", "timed out"),
        "big-declared": ("T102", "exceeds the limit of 200000"),
        "big-streamed": ("T102", "more than 200000 bytes"),
        "image.png": ("T101", "not a text document"),
        "gzip": ("T109", "Content-Encoding"),
        "missing": ("T109", "HTTP 404"),
    }
    for name, (code, cause) in expected.items():
        got, reason = q[urls[name]]
        assert got == code and urls[name] in reason and cause in reason, reason
    assert len(summary.quarantined) == len(expected)
    assert _Handler.hits.count("/hop3") == 1 and "/hop4" not in _Handler.hits  # redirects bounded


def test_case24_private_addresses_refused_without_any_connection(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from torihiki.errors import PathNotAllowedError
    from torihiki.ingest.fetch import check_address, fetch_documents
    from torihiki.settings import get_settings

    monkeypatch.delenv("TORIHIKI_FETCH_ALLOW_PRIVATE", raising=False)
    get_settings.cache_clear()
    assert get_settings().fetch_allow_private is False  # the default
    port = server.rsplit(":", 1)[1]
    for url in [f"{server}/page.html", f"http://localhost:{port}/page.html", f"http://[::1]:{port}/",
                "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://192.168.0.1/",
                "http://172.16.0.1/", "http://100.64.0.1/", "http://0.0.0.0/", "http://[fe80::1]/",
                "http://[::ffff:127.0.0.1]/", "http://224.0.0.1/", "https://127.0.0.1/",
                "ftp://127.0.0.1/x.txt"]:
        [err] = list(fetch_documents(url, max_bytes=1000))
        assert isinstance(err, PathNotAllowedError), (url, err)
        assert url in str(err)
    assert _Handler.hits == []  # no request reached the local server
    assert check_address("8.8.8.8", allow_private=False) is None  # public: allowed (not contacted)
    assert check_address("127.0.0.1", allow_private=True) is None
    get_settings.cache_clear()


@pytest.mark.slow
def test_case24_cli_ingest_url(prefect_harness: None, sqlite_url: str, server: str) -> None:
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ, PREFECT_API_URL=str(PREFECT_API_URL.value()), TORIHIKI_FETCH_ALLOW_PRIVATE="1",
               PREFECT_LOGGING_LEVEL="WARNING")
    args = [sys.executable, "-m", "torihiki.cli", "ingest", f"{server}/page.html", "--db", sqlite_url]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 new" in done.stdout
    assert rows(sqlite_url, "SELECT origin FROM document_sources") == [(f"{server}/page.html",)]
    export = subprocess.run([sys.executable, "-m", "torihiki.cli", "export", "deal-mentions", "--db",
                             sqlite_url], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert f'"document": "{server}/page.html"' in export.stdout


# --- 22: torihiki sql (the guard lives in torihiki/sql.py, built by the analyst issue) -----


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_case22_sql_cli_refuses_writes_and_escapes_nothing_changes(
    dialect: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from db.engine import make_engine
    from tests.test_robustness_faults import snapshot
    from torihiki.ingest.readers import RawDocument
    from torihiki.processing import store_document

    url = str(request.getfixturevalue("sqlite_url" if dialect == "sqlite" else "pg_url"))
    engine = make_engine(url)
    raw = RawDocument(origin="news.txt", text=f"2025年9月22日\n{DEAL}\n", title=None, published=None,
                      source_path="news.txt", content_type="text", encoding="utf-8")
    assert store_document(engine=engine, raw=raw, run_id=None, nlp=None).status == "new"
    engine.dispose()
    before = snapshot(url)
    evil = tmp_path / "evil.db"
    attempts = {
        f"ATTACH DATABASE '{evil}' AS evil": (2,),
        "PRAGMA query_only=0": (2,),
        "DELETE FROM deal_mentions": (2,),
        "SELECT 1; DELETE FROM deal_mentions": (2,),
        "SELECT count(*) FROM documents; DROP TABLE deals": (2,),
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r": (3,),
    }
    for query, codes in attempts.items():
        done = subprocess.run([sys.executable, "-m", "torihiki.cli", "sql", "--db", url, "--timeout", "1",
                               query], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode in codes, (query, done.returncode, done.stdout, done.stderr)
        assert done.stdout == "" and "torihiki sql:" in done.stderr, query
    assert not evil.exists()
    assert snapshot(url) == before  # nothing changed
    ok = subprocess.run([sys.executable, "-m", "torihiki.cli", "sql", "--db", url, "--format", "csv",
                         "SELECT count(*) AS n FROM deal_mentions"], capture_output=True, text=True,
                        timeout=120, check=False)
    assert ok.returncode == 0 and ok.stdout.splitlines() == ["n", "1"], ok.stderr


def test_case24_malformed_and_odd_urls_are_errors_not_crashes() -> None:
    from torihiki.errors import TorihikiError
    from torihiki.ingest.fetch import fetch_documents

    for url in ["http://[::1", "http://", "https://:99999/", "http://user:pw@127.0.0.1/"]:
        [err] = list(fetch_documents(url, max_bytes=1000))
        assert isinstance(err, TorihikiError) and url in str(err), (url, err)
