"""Issue 6, case 20: two ingest runs at once over overlapping inputs, on PostgreSQL and SQLite.

Two ``torihiki ingest`` processes are started together over inputs that share
most documents (the same files, and the same content under other paths); both
must succeed without a locked-database or unique-violation error, and the
database must equal a sequential run of the same inputs.  A second test drives
``store_document`` from many threads at once over the same documents with
forced re-extraction, the path where two writers replace the same derived rows.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from db import store
from db.engine import engine_for
from tests.conftest import CORPUS
from tests.test_robustness_faults import cli, cli_env, rows, second_database, snapshot

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no schema yet: both runs start by migrating it, at the same time."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return str(request.getfixturevalue("pg_empty_url"))


def _corpus_copy(root: Path, tag: str) -> Path:
    """Three of the corpus's articles with a first line unique to ``tag``."""
    root.mkdir(parents=True, exist_ok=True)
    for src in sorted((CORPUS / "documents").glob("*.txt"))[:3]:
        (root / f"{tag}_{src.name}").write_bytes(f"（{tag}）\n".encode() + src.read_bytes())
    return root


def test_case20_two_ingest_processes_at_once_no_error_no_duplicates(
    prefect_harness: None, fresh_url: str, tmp_path: Path
) -> None:
    db_url = fresh_url
    shared = tmp_path / "shared"
    shutil.copytree(CORPUS / "documents", shared)
    _corpus_copy(shared / "more", "s")
    only1 = _corpus_copy(tmp_path / "only1", "one")
    only2 = _corpus_copy(tmp_path / "only2", "two")
    shutil.copytree(shared / "more", only2 / "same_content_other_path")
    pub = str(CORPUS / "documents" / "published.json")
    runs = [[str(shared), str(only1)], [str(shared), str(only2)]]

    procs = [
        subprocess.Popen(cli("ingest", *paths, "--db", db_url, "--published-map", pub), env=cli_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for paths in runs
    ]
    outputs = [p.communicate(timeout=900)[0] for p in procs]
    for proc, out in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out
        assert "0 quarantined" in out and "locked" not in out.lower(), out
    assert rows(db_url, "SELECT count(*) FROM quarantine") == [(0,)]
    # Never a partial write, and the same database as one run over all the inputs.
    assert rows(db_url, "SELECT id FROM documents WHERE processed_at IS NULL") == []
    with second_database(db_url, tmp_path) as single:
        every = [str(shared), str(only1), str(only2)]
        done = subprocess.run(cli("ingest", *every, "--db", single, "--published-map", pub),
                              env=cli_env(), capture_output=True, text=True, timeout=900, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert snapshot(db_url) == snapshot(single)
    # No duplicates: one row per natural key.
    for table, key in [("documents", "sha256"), ("document_sources", "document_id, origin"),
                       ("companies", "name"), ("company_aliases", "alias_folded"),
                       ("deals", "document_id, deal_key"), ("deal_mentions", "document_id, ordinal")]:
        assert rows(db_url, f"SELECT {key} FROM {table} GROUP BY {key} HAVING count(*) > 1") == [], table


def test_case20_concurrent_writers_replacing_the_same_documents(db_url: str, tmp_path: Path) -> None:
    """Eight threads store and force-re-extract the same documents at once (no GiNZA: the
    registry and the rules only), the path where two writers replace the same rows."""
    from torihiki.ingest.readers import RawDocument, iter_documents
    from torihiki.processing import DocumentOutcome, store_document

    docs = [d for d in iter_documents([CORPUS / "documents"]) if isinstance(d, RawDocument)]
    assert len(docs) >= 10
    # Documents with companies but no deal: nothing but the document row to take turns on.
    docs += [
        RawDocument(origin=f"talk{i}.txt", text=f"第{i}回。エヌビディアとオープンAIとオラクルの話題。\n" * 20,
                    title=None, published=None, source_path=f"talk{i}.txt", content_type="text",
                    encoding="utf-8")
        for i in range(6)
    ]
    engine = engine_for(db_url)
    outcomes: list[DocumentOutcome] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(i: int) -> None:
        try:
            start.wait()
            order = docs if i % 2 else list(reversed(docs))  # opposite orders: deadlock bait
            for raw in order:
                outcomes.append(store_document(engine=engine, raw=raw, run_id=None, nlp=None,
                                               force=i % 4 != 0))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert errors == []
    assert [o.error for o in outcomes if o.status == "quarantined"] == []
    after = snapshot(db_url)

    with second_database(db_url, tmp_path) as single:
        one = engine_for(single)
        for raw in docs:
            store_document(engine=one, raw=raw, run_id=None, nlp=None)
        expected = snapshot(single)
    assert after == expected
    assert store.count_rows(engine=engine)["documents"] == len({d.text for d in docs})
