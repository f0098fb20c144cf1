"""The real Prefect flows on the bundled corpus, into SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from db import store
from db.engine import engine_for
from db.queries import iter_export
from tests.conftest import CORPUS, load_jsonl
from torihiki.cli import _published_map
from torihiki.evalrun import _doc_keys
from torihiki.evaluation import score

pytestmark = pytest.mark.slow
BASELINE = json.loads((Path(__file__).parent / "quality_baseline.json").read_text())


def _ingest(url: str) -> Any:
    from pipelines.flows import ingest_flow

    return ingest_flow(
        paths=[str(CORPUS / "documents")], database_url=url,
        published_map=_published_map(str(CORPUS / "documents" / "published.json")),
    )


def _corpus_score(url: str) -> Any:
    engine = engine_for(url)
    gold = load_jsonl(CORPUS / "expected_deals.jsonl")
    by_doc: dict[str, list[Any]] = defaultdict(list)
    for g in gold:
        by_doc[str(g["doc"])].append(g)
    keys = _doc_keys(engine, by_doc)
    predicted: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in iter_export(engine, "deal-mentions"):
        predicted[keys[int(rec["document_id"])]].append(rec)
    return score(predicted, gold, load_jsonl(CORPUS / "expected_metrics.jsonl"))


def _check_corpus_run(url: str) -> None:
    summary = _ingest(url)
    assert summary.quarantined == []
    assert summary.count("new") >= 10
    result = _corpus_score(url)
    floor = BASELINE["corpus"]
    assert result.total("amount").f1 >= floor["amount_f1"] - 0.02
    assert result.total("strict").f1 >= floor["strict_f1"] - 0.02
    assert result.metric_confusions <= floor["metric_confusions"]

    engine = engine_for(url)
    before = store.count_rows(engine=engine)
    again = _ingest(url)
    assert again.count("skipped") == summary.count("new") and again.count("new") == 0
    after = store.count_rows(engine=engine)
    assert after == before  # a second run adds no rows anywhere

    # Every stored offset points into the stored text.
    from sqlalchemy.orm import Session

    from models import Document

    with Session(engine) as s:
        texts = {d.id: d.text for d in s.query(Document)}
    for rec in iter_export(engine, "deal-mentions"):
        assert texts[rec["document_id"]][rec["start"] : rec["end"]] == rec["evidence"]


def test_flows_ingest_corpus_sqlite(prefect_harness: None, sqlite_url: str) -> None:
    _check_corpus_run(sqlite_url)


@pytest.mark.postgres
def test_flows_ingest_corpus_postgres(prefect_harness: None, pg_url: str) -> None:
    _check_corpus_run(pg_url)


def test_flows_reprocess_replaces_rows(prefect_harness: None, sqlite_url: str) -> None:
    from pipelines.flows import reprocess_flow

    _ingest(sqlite_url)
    engine = engine_for(sqlite_url)
    before = store.count_rows(engine=engine)
    mentions = list(iter_export(engine, "deal-mentions"))
    nothing = reprocess_flow(database_url=sqlite_url)  # nothing is stale
    assert nothing.outcomes == []
    everything = reprocess_flow(database_url=sqlite_url, stale_only=False)
    assert everything.count("processed") == before["documents"]
    assert store.count_rows(engine=engine) == before
    assert [m["evidence"] for m in iter_export(engine, "deal-mentions")] == [
        m["evidence"] for m in mentions
    ]
