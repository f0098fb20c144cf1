"""Unchanged input: one look-up for all documents, and no Prefect flow run for ``torihiki ingest``.

``record_unchanged`` (used by the ingest flow and by ``store_document``) looks every input
up in one query and records only the sources not yet recorded.  ``run_ingest`` (what the
CLI and the bench run) records a run without starting a flow when every document is
stored already by this extractor version, and runs the flow otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from db import store
from db.engine import engine_for
from tests.flow_helpers import rows, write
from torihiki.ingest.readers import RawDocument
from torihiki.processing import look_up, record_unchanged, store_document

DEAL = "エヌビディアはオープンAIに1000億ドルを出資したと発表した。\n"
OTHER = "オラクルはオープンAIと3000億ドルのクラウド契約を結んだ。\n"


def _raw(origin: str, text: str) -> RawDocument:
    return RawDocument(origin=origin, text=text, title=None, published=None, source_path=origin,
                       content_type="text", encoding="utf-8")


class _Statements:
    """Every SQL statement an engine runs while this is open."""

    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)
        self.seen: list[str] = []

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen.append(statement.split(None, 1)[0].upper())

    def __enter__(self) -> _Statements:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def writes(self) -> list[str]:
        return [s for s in self.seen if s in ("INSERT", "UPDATE", "DELETE")]


def test_record_unchanged_one_query_and_no_write_when_every_source_is_known(db_url: str) -> None:
    engine = engine_for(db_url)
    docs = [_raw("a.txt", DEAL), _raw("b.txt", OTHER)]
    for d in docs:
        assert store_document(engine=engine, raw=d, run_id=None, nlp=None).status == "new"
    before = store.count_rows(engine=engine)
    with _Statements(db_url) as stmts:
        outcomes = record_unchanged(engine=engine, items=docs, run_id=None)
    assert [o.status for o in outcomes.values()] == ["skipped", "skipped"]
    assert stmts.writes() == []
    assert stmts.seen.count("SELECT") == 1  # one look-up for the whole list
    assert store.count_rows(engine=engine) == before

    # A copy under a new path and a new document: the copy's source in one transaction,
    # the new document left to the caller.
    items = [*docs, _raw("copy/a.txt", DEAL), _raw("c.txt", "ソフトバンクはオープンAIに出資した。")]
    with _Statements(db_url) as stmts:
        outcomes = record_unchanged(engine=engine, items=items, run_id=None)
    assert sorted(outcomes) == [0, 1, 2]
    assert outcomes[2].document_id == outcomes[0].document_id
    assert stmts.writes() == ["INSERT"]
    after = store.count_rows(engine=engine)
    assert after == {**before, "document_sources": before["document_sources"] + 1}
    assert set(look_up(engine=engine, items=items)) == {0, 1, 2}


def test_store_document_of_a_known_document_records_its_source_only(db_url: str) -> None:
    engine = engine_for(db_url)
    first = store_document(engine=engine, raw=_raw("a.txt", DEAL), run_id=None, nlp=None)
    again = store_document(engine=engine, raw=_raw("a.txt", DEAL), run_id=None, nlp=None)
    assert (again.status, again.document_id) == ("skipped", first.document_id)
    with _Statements(db_url) as stmts:
        copy = store_document(engine=engine, raw=_raw("b/a.txt", DEAL), run_id=None, nlp=None)
    assert copy.status == "skipped" and stmts.writes() == ["INSERT"]
    assert rows(db_url, "SELECT origin FROM document_sources ORDER BY origin") == [("a.txt",), ("b/a.txt",)]


@pytest.mark.slow
def test_unchanged_input_records_a_run_without_a_flow_run(
    prefect_harness: None, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import pipelines.flows as flows
    from torihiki.cli import main

    inbox = tmp_path / "inbox"
    write(inbox / "1.txt", DEAL)
    write(inbox / "2.txt", OTHER)
    flow_runs: list[list[str]] = []
    real_flow = flows.ingest_flow

    def counted(**kwargs: Any) -> Any:
        flow_runs.append(kwargs["paths"])
        return real_flow(**kwargs)

    monkeypatch.setattr(flows, "ingest_flow", counted)
    assert main(["ingest", str(inbox), "--db", db_url]) == 0
    assert len(flow_runs) == 1  # new documents: the flow
    capsys.readouterr()
    engine = engine_for(db_url)
    before = store.count_rows(engine=engine)
    [(first_run,)] = rows(db_url, "SELECT max(id) FROM runs")

    # The same input again, plus a copy of one document under another path.
    copy = write(tmp_path / "elsewhere" / "copy.txt", DEAL)
    assert main(["ingest", str(inbox), str(copy), "--db", db_url]) == 0
    assert len(flow_runs) == 1  # no flow run
    out, err = capsys.readouterr()
    assert "3 documents, 0 new, 0 extracted, 3 unchanged, 0 quarantined" in out
    assert err.count("  unchanged\n") == 3 and "deal mentions" not in err
    # Nothing duplicated; the new source recorded, by a run of its own.
    after = store.count_rows(engine=engine)
    assert after == {**before, "document_sources": before["document_sources"] + 1}
    [(run_id, status, seen, skipped, new, finished)] = rows(
        db_url, "SELECT id, status, documents_seen, documents_skipped, documents_new, "
        "finished_at IS NOT NULL FROM runs WHERE id > :r", r=first_run)
    assert (status, seen, skipped, new, bool(finished)) == ("ok", 3, 3, 0, True)
    assert rows(db_url, "SELECT first_run_id FROM document_sources WHERE origin = :o",
                o=str(copy)) == [(run_id,)]
    [(params,)] = rows(db_url, "SELECT params FROM runs WHERE id = :r", r=run_id)
    assert (json.loads(params) if isinstance(params, str) else params)["pre_flight"] is True

    # A third time: nothing new at all, one more run row, no write but the run's.
    assert main(["ingest", str(inbox), str(copy), "--db", db_url]) == 0
    assert len(flow_runs) == 1
    assert store.count_rows(engine=engine) == after

    # A changed document goes through the flow; the others stay skipped.
    write(inbox / "2.txt", "ソフトバンクはオープンAIに400億ドルを出資した。\n")
    from torihiki.processing import run_ingest

    summary = run_ingest([inbox], database_url=db_url)
    assert len(flow_runs) == 2
    assert [o.status for o in summary.outcomes] == ["skipped", "new"]
    assert rows(db_url, "SELECT count(*) FROM documents") == [(3,)]


@pytest.mark.slow
def test_a_bad_input_still_goes_through_the_flow(
    prefect_harness: None, sqlite_url: str, tmp_path: Path
) -> None:
    from torihiki.processing import run_ingest

    inbox = tmp_path / "inbox"
    write(inbox / "1.txt", DEAL)
    assert run_ingest([inbox], database_url=sqlite_url).count("new") == 1
    write(inbox / "zz_binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00")
    again = run_ingest([inbox], database_url=sqlite_url)  # quarantining is the flow's work
    assert [o.status for o in again.outcomes] == ["skipped", "quarantined"]
    assert rows(sqlite_url, "SELECT count(*) FROM quarantine") == [(1,)]


def test_command_line_flow_runs_send_no_heartbeats_to_a_temporary_server() -> None:
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    from pipelines.flows import command_line_settings

    with temporary_settings({PREFECT_API_URL: None}), command_line_settings():
        assert get_current_settings().flows.heartbeat_frequency is None
    with temporary_settings({PREFECT_API_URL: "http://prefect.example:4200/api",
                             PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 90}), command_line_settings():
        assert get_current_settings().flows.heartbeat_frequency == 90  # a real server: kept


def test_progress_says_unchanged_for_skipped_documents(capsys: pytest.CaptureFixture[str]) -> None:
    from torihiki.processing import DocumentOutcome, progress

    progress(1, 3, DocumentOutcome("a.txt", "skipped", 1))
    progress(2, 3, DocumentOutcome("b.txt", "new", 2, deal_mentions=4))
    progress(3, 3, DocumentOutcome("c.txt", "quarantined", error="[T201] c.txt: broken"))
    assert capsys.readouterr().err.splitlines() == [
        "  [1/3] skipped     a.txt  unchanged",
        "  [2/3] new         b.txt  4 deal mentions",
        "  [3/3] quarantined c.txt  [T201] c.txt: broken",
    ]
