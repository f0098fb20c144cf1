"""Issue 6, cases 16-19 and 21: idempotency and faults, through the real flow and CLI.

Case 17 runs ``torihiki ingest`` as a separate process (against the session's
Prefect server), kills it with SIGKILL half-way, runs it again and compares the
database with a clean single run.  Case 21 injects an exception inside one
document's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text as sql

from db import store
from db.engine import engine_for
from db.queries import EXPORTS, iter_export
from tests.conftest import CORPUS
from tests.flow_helpers import ingest, rows, write

pytestmark = pytest.mark.slow

DEAL = "エヌビディアはオープンAIに1000億ドルを出資したと発表した。"


def snapshot(url: str) -> dict[str, Any]:
    """Row counts of every table but ``runs`` (a log: one row per run by design) and
    every export, without the surrogate ids (which a sequence may number differently)."""
    engine = engine_for(url)
    exports = {
        kind: sorted(
            json.dumps({k: v for k, v in r.items() if k not in ("document_id", "deal_id")},
                       sort_keys=True, default=str, ensure_ascii=False)
            for r in iter_export(engine, kind)
        )
        for kind in EXPORTS
    }
    texts = sorted(r[0] for r in rows(url, "SELECT sha256 FROM documents"))
    sources = sorted(r[0] for r in rows(url, "SELECT origin FROM document_sources"))
    return {"counts": store.count_rows(engine=engine), "exports": exports, "documents": texts,
            "sources": sources}


def inbox(tmp_path: Path, n: int = 1) -> Path:
    """The bundled corpus, plus ``n - 1`` copies of its transcripts and articles with a
    distinct first line each, plus two bad files; sorted names keep the order stable."""
    root = tmp_path / "inbox"
    sources = sorted(p for p in (CORPUS / "documents").iterdir() if p.suffix in (".txt", ".html"))
    for i in range(n):
        for src in sources:
            if i == 0:
                write(root / f"{i:03d}_{src.name}", src.read_bytes())
            elif src.suffix == ".txt":
                write(root / f"{i:03d}_{src.name}", f"（第{i}版）\n".encode() + src.read_bytes())
    write(root / "zz_empty.txt", b"")
    write(root / "zz_binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00")
    return root


def published_map() -> dict[str, Any]:
    from torihiki.cli import _published_map

    return _published_map(str(CORPUS / "documents" / "published.json"))


# --- 16 ------------------------------------------------------------------------------------


def test_case16_rerunning_the_same_directory_adds_no_rows(
    prefect_harness: None, db_url: str, tmp_path: Path
) -> None:
    root = inbox(tmp_path)
    first = ingest(db_url, root, published_map=published_map())
    assert len(first.quarantined) == 2 and first.count("new") >= 10
    before = snapshot(db_url)
    occurrences = rows(db_url, "SELECT origin, occurrences FROM quarantine ORDER BY origin")
    again = ingest(db_url, root, published_map=published_map())
    assert again.count("new") == again.count("processed") == 0
    assert again.count("skipped") == first.count("new")
    assert snapshot(db_url) == before  # zero new rows anywhere, same contents
    # The bad files are still quarantined: same rows, seen once more.
    assert rows(db_url, "SELECT origin, occurrences FROM quarantine ORDER BY origin") == [
        (o, n + 1) for o, n in occurrences
    ]


# --- 17 ------------------------------------------------------------------------------------


def cli_env() -> dict[str, str]:
    """The CLI in a child process, talking to the session's Prefect server (no ephemeral one)."""
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ)
    env.update(
        PREFECT_API_URL=str(PREFECT_API_URL.value()),
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    env.pop("TORIHIKI_DATABASE_URL", None)
    return env


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "torihiki.cli", *args]


def documents_stored(url: str) -> int:
    try:
        return int(rows(url, "SELECT count(*) FROM documents")[0][0])
    except Exception:  # the killed writer may hold the SQLite lock for a moment
        return 0


@pytest.fixture
def killable(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:  # only the processes this test started, by their id
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def test_case17_sigkill_then_rerun_equals_a_clean_single_run(
    prefect_harness: None, db_url: str, tmp_path: Path, killable: list[subprocess.Popen[bytes]],
) -> None:
    root = inbox(tmp_path, n=2)
    total = len([p for p in root.iterdir() if not p.name.startswith("zz_")])
    pub = str(CORPUS / "documents" / "published.json")
    args = cli("ingest", str(root), "--db", db_url, "--published-map", pub)
    log = (tmp_path / "killed.log").open("wb")
    proc = subprocess.Popen(args, env=cli_env(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    killable.append(proc)
    deadline = time.monotonic() + 300
    while documents_stored(db_url) < 3:
        assert proc.poll() is None, (tmp_path / "killed.log").read_text()
        assert time.monotonic() < deadline, "the ingest process stored nothing in 300 s"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    stored = documents_stored(db_url)
    assert 3 <= stored < total, "killed too late to test anything"

    # No half-written document: every stored document was finished in its transaction.
    assert rows(db_url, "SELECT id FROM documents WHERE processed_at IS NULL "
                        "OR extractor_version IS NULL") == []
    assert rows(db_url, "SELECT d.id FROM documents d LEFT JOIN document_sources s "
                        "ON s.document_id = d.id WHERE s.id IS NULL") == []

    rerun = subprocess.run(args, env=cli_env(), capture_output=True, text=True, timeout=600,
                           check=False)
    assert rerun.returncode == 1, rerun.stdout + rerun.stderr  # the two bad files
    # The killed run's documents are not stored again (unchanged, or re-extracted in place
    # should the extractor version have changed meanwhile); the rest are new.
    assert f"{total - stored} new" in rerun.stdout and "2 quarantined" in rerun.stdout

    with second_database(db_url, tmp_path) as clean_url:
        # The clean run in a child process too: the very code the other two runs loaded.
        clean = subprocess.run(cli("ingest", str(root), "--db", clean_url, "--published-map", pub),
                               env=cli_env(), capture_output=True, text=True, timeout=600, check=False)
        assert clean.returncode == 1 and f"{total} new" in clean.stdout, clean.stdout + clean.stderr
        assert snapshot(db_url) == snapshot(clean_url)


@contextmanager
def second_database(url: str, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database of the same kind as ``url``, dropped afterwards."""
    from db.migrate import upgrade

    if not url.startswith("postgres"):
        clean = f"sqlite:///{tmp_path / 'clean.db'}"
        upgrade(clean)
        yield clean
        return
    import psycopg

    from db.engine import dispose_engines
    from tests.conftest import PG_ADMIN_URL

    name = f"torihiki_test_{uuid.uuid4().hex[:12]}"
    admin = PG_ADMIN_URL.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        clean = f"{admin.rpartition('/')[0]}/{name}"
        upgrade(clean)
        yield clean
    finally:
        dispose_engines()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- 18, 19 --------------------------------------------------------------------------------


def test_case18_one_deal_in_two_articles_is_one_deal_with_two_sources(
    prefect_harness: None, db_url: str, tmp_path: Path
) -> None:
    a = write(tmp_path / "wire.txt", f"2025年9月22日\n{DEAL}\n")
    b = write(tmp_path / "blog.txt", "エヌビディアは22日、オープンAIに最大1000億ドルを投資すると述べた。\n")
    copy = write(tmp_path / "mirror" / "wire.txt", a.read_bytes())
    assert ingest(db_url, a, b, copy, published=dt.date(2025, 9, 22)).quarantined == []
    # The same article from two places: one document, two sources.
    assert rows(db_url, "SELECT count(*) FROM documents") == [(2,)]
    assert rows(db_url, "SELECT count(*) FROM document_sources") == [(3,)]
    # Two articles reporting the deal: one consolidated deal, with both documents behind it.
    deals = rows(db_url, "SELECT id, source, target, deal_type, document_count FROM consolidated_deals "
                         "WHERE source = 'NVIDIA' AND target = 'OpenAI'")
    assert [d[1:] for d in deals] == [("NVIDIA", "OpenAI", "investment", 2)]
    members = rows(db_url, "SELECT d.document_id FROM consolidated_deal_members m "
                           "JOIN deals d ON d.id = m.deal_id WHERE m.consolidated_deal_id = :c",
                   c=deals[0][0])
    assert sorted(m[0] for m in members) == [1, 2]


def test_case19_deal_without_date_or_target_stored_once_however_often_ingested(
    prefect_harness: None, db_url: str, tmp_path: Path
) -> None:
    from pipelines.flows import reprocess_flow

    # One mention with no payer and no date, one with no amount and no date: NULLs in every
    # optional part of the natural keys.  (Two documents, so that no sentence lends the other
    # its party.)
    text = "オープンAIは400億ドルを調達した。\n"
    other = "ソフトバンクがオープンAIに出資した。\n"
    first = write(tmp_path / "a" / "nulls.txt", text)
    second = write(tmp_path / "a" / "no_amount.txt", other)
    ingest(db_url, first, second)
    mentions = rows(db_url, "SELECT source, target, date, amount_value FROM deal_mentions "
                            "ORDER BY document_id, ordinal")
    assert [m[:3] for m in mentions] == [(None, "OpenAI", None), ("SoftBank", "OpenAI", None)]
    assert mentions[1][3] is None  # no amount either
    before = snapshot(db_url)
    ingest(db_url, first)  # again: skipped
    ingest(db_url, write(tmp_path / "b" / "same.txt", text))  # another path: one more source only
    reprocess_flow(database_url=db_url, stale_only=False)  # forced re-extraction: rows replaced
    from torihiki.ingest.readers import read_documents
    from torihiki.processing import store_document

    [raw] = list(read_documents(first))
    assert not isinstance(raw, Exception)
    store_document(engine=engine_for(db_url), raw=raw, run_id=None, nlp=None, force=True)
    after = snapshot(db_url)
    assert after["counts"]["document_sources"] == before["counts"]["document_sources"] + 1
    assert {k: v for k, v in after["counts"].items() if k != "document_sources"} == {
        k: v for k, v in before["counts"].items() if k != "document_sources"
    }
    assert rows(db_url, "SELECT count(*) FROM deal_mentions") == [(2,)]
    assert sorted(r[0] for r in rows(db_url, "SELECT deal_key FROM deals")) == [
        "-|OpenAI|investment|40000000000|USD", "SoftBank|OpenAI|investment|-|-",
    ]


# --- 21 ------------------------------------------------------------------------------------


class InjectedFault(RuntimeError):
    pass


def fail_for(monkeypatch: pytest.MonkeyPatch, marker: str) -> None:
    """Make ``replace_extraction`` write its rows and then raise, for the document containing
    ``marker`` only: the failure happens inside that document's transaction."""
    real = store.replace_extraction

    def faulty(*, session: Any, document_id: int, **kwargs: Any) -> int:
        n = real(session=session, document_id=document_id, **kwargs)
        doc_text = session.execute(sql("SELECT text FROM documents WHERE id = :i"),
                                   {"i": document_id}).scalar_one()
        if marker in doc_text:
            raise InjectedFault(f"disk on fire while storing document {document_id}")
        return n

    monkeypatch.setattr(store, "replace_extraction", faulty)


def test_case21_exception_in_a_document_transaction_rolls_back_and_batch_continues(
    prefect_harness: None, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from torihiki.cli import main

    root = tmp_path / "inbox"
    good1 = write(root / "1_good.txt", f"{DEAL}\n")
    bad = write(root / "2_bad.txt", "ソフトバンクはオープンAIに400億ドルを出資した。\n")
    good3 = write(root / "3_good.txt", "オラクルはオープンAIと3000億ドルのクラウド契約を結んだ。\n")
    fail_for(monkeypatch, "ソフトバンク")
    assert main(["ingest", str(root), "--db", db_url]) == 1
    out = capsys.readouterr().out
    assert "2 new" in out and "1 quarantined" in out
    assert f"quarantined: [T301] {bad}: storing failed" in out and "disk on fire" in out
    # Rolled back: no document, no source, no derived row of the failed document.
    origins = [r[0] for r in rows(db_url, "SELECT origin FROM document_sources ORDER BY origin")]
    assert origins == [str(good1), str(good3)]
    assert rows(db_url, "SELECT count(*) FROM deal_mentions WHERE source = 'SoftBank'") == [(0,)]
    assert rows(db_url, "SELECT count(*) FROM entity_mentions WHERE canonical = 'SoftBank'") == [(0,)]
    [(code, reason, resolved)] = rows(db_url, "SELECT error_code, reason, resolved FROM quarantine")
    assert code == "T301" and str(bad) in reason and "InjectedFault" in reason and not resolved

    # The cause fixed, the next run stores it and resolves the quarantine.
    monkeypatch.undo()
    retry = ingest(db_url, root)
    assert [o.status for o in retry.outcomes] == ["skipped", "new", "skipped"]
    assert rows(db_url, "SELECT resolved FROM quarantine") in ([(True,)], [(1,)])
    assert rows(db_url, "SELECT count(*) FROM deal_mentions WHERE source = 'SoftBank'") == [(1,)]


def test_case21_failed_reprocess_keeps_old_rows_and_works_once_fixed(
    prefect_harness: None, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.flows import reprocess_flow

    a = write(tmp_path / "a.txt", f"{DEAL}\n")
    b = write(tmp_path / "b.txt", "ソフトバンクはオープンAIに400億ドルを出資した。\n")
    ingest(db_url, a, b)
    before = snapshot(db_url)
    fail_for(monkeypatch, "ソフトバンク")
    summary = reprocess_flow(database_url=db_url, stale_only=False)
    assert [o.status for o in summary.outcomes] == ["processed", "quarantined"]
    assert str(b) in (summary.outcomes[1].error or "")
    after_failure = snapshot(db_url)
    assert after_failure["exports"] == before["exports"]  # the old rows stayed
    assert after_failure["counts"]["quarantine"] == 1

    monkeypatch.undo()
    [bad_id] = [r[0] for r in rows(db_url, "SELECT document_id FROM document_sources WHERE origin = :o",
                                   o=str(b))]
    fixed = reprocess_flow(database_url=db_url, document_ids=[bad_id], stale_only=False)
    assert [o.status for o in fixed.outcomes] == ["processed"]
    assert rows(db_url, "SELECT resolved FROM quarantine") in ([(True,)], [(1,)])
    assert snapshot(db_url)["exports"] == before["exports"]


def test_case21_a_reader_crashing_on_one_file_does_not_end_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from torihiki.errors import UnsupportedInputError
    from torihiki.ingest import readers
    from torihiki.processing import iter_inputs

    a = write(tmp_path / "a.txt", f"{DEAL}\n")
    b = write(tmp_path / "b.html", f"<p>{DEAL}</p>")
    c = write(tmp_path / "c.txt", "ソフトバンクはオープンAIに400億ドルを出資した。\n")
    real = readers.extract_html

    def broken(html: str, *, origin: str) -> Any:
        raise KeyError("a bug in the HTML reader")

    monkeypatch.setattr(readers, "extract_html", broken)
    items = list(iter_inputs([tmp_path]))
    assert [type(i).__name__ for i in items] == ["RawDocument", "UnsupportedInputError", "RawDocument"]
    assert isinstance(items[1], UnsupportedInputError) and str(b) in str(items[1])
    assert "a bug in the HTML reader" in str(items[1])
    assert [getattr(i, "origin", None) for i in items] == [str(a), str(b), str(c)]
    monkeypatch.setattr(readers, "extract_html", real)
