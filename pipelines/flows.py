"""The ``ingest`` and ``reprocess`` flows.

Flows only call tasks; tasks are thin wrappers over ``torihiki.processing``
and take plain, picklable arguments (the database URL, not an engine), so the
same flow runs in-process or on Dask workers.  The spaCy model and the
database engine are cached per process, so each worker loads them once.
"""

from __future__ import annotations

import datetime as dt
import sys

from prefect import flow, task

from db import store
from db.engine import engine_for
from extractors import EXTRACTOR_VERSION
from torihiki.errors import TorihikiError
from torihiki.ingest.readers import RawDocument
from torihiki.processing import (
    DocumentOutcome,
    RunSummary,
    get_nlp,
    iter_inputs,
    quarantine_error,
    reprocess_document,
    store_document,
)
from torihiki.settings import get_settings


def _progress(i: int, total: int, outcome: DocumentOutcome) -> None:
    detail = outcome.error or f"{outcome.deal_mentions} deal mentions"
    print(f"  [{i}/{total}] {outcome.status:<11} {outcome.origin}  {detail}",
          file=sys.stderr, flush=True)


@task(name="begin-run")
def begin_run(database_url: str, flow_name: str, params: dict[str, object]) -> int:
    """Record the start of a run."""
    return store.start_run(engine=engine_for(database_url), flow=flow_name, params=params,
                           extractor_version=EXTRACTOR_VERSION)


@task(name="end-run")
def end_run(database_url: str, summary: RunSummary) -> None:
    """Record the counts and errors of a finished run."""
    store.finish_run(engine=engine_for(database_url), run_id=summary.run_id,
                     counts=summary.counts(),
                     errors=[o.error for o in summary.quarantined if o.error])


@task(name="read-inputs", retries=1)
def read_inputs(paths: list[str]) -> list[RawDocument | TorihikiError]:
    """Decode every document under the given files and directories."""
    return list(iter_inputs(paths))


@task(name="ingest-document")
def ingest_document(
    item: RawDocument | TorihikiError,
    database_url: str,
    run_id: int,
    published: dt.date | None,
    published_map: dict[str, dt.date] | None,
    model: str | None,
) -> DocumentOutcome:
    """Extract and store one document, or quarantine it."""
    engine = engine_for(database_url)
    if isinstance(item, TorihikiError):
        return quarantine_error(engine=engine, error=item, run_id=run_id)
    return store_document(engine=engine, raw=item, run_id=run_id, nlp=get_nlp(model),
                          published=published, published_map=published_map)


@task(name="reprocess-document")
def reprocess_one(document_id: int, database_url: str, run_id: int,
                  model: str | None) -> DocumentOutcome:
    """Re-extract one stored document."""
    return reprocess_document(engine=engine_for(database_url), document_id=document_id,
                              nlp=get_nlp(model), run_id=run_id)


@task(name="stale-documents")
def stale_documents(database_url: str, document_ids: list[int] | None,
                    stale_only: bool) -> list[int]:
    """Ids of the documents to reprocess."""
    return store.documents_to_reprocess(engine=engine_for(database_url), ids=document_ids,
                                        stale_only=stale_only,
                                        extractor_version=EXTRACTOR_VERSION)


@flow(name="ingest")
def ingest_flow(
    paths: list[str],
    database_url: str | None = None,
    published: dt.date | None = None,
    published_map: dict[str, dt.date] | None = None,
    model: str | None = None,
) -> RunSummary:
    """Read documents from files/directories, extract deals and store them."""
    url = database_url or get_settings().database_url
    run_id = begin_run(url, "ingest", {
        "paths": list(paths), "published": published.isoformat() if published else None,
    })
    items = read_inputs(list(paths))
    summary = RunSummary(run_id)
    for i, item in enumerate(items, start=1):
        outcome = ingest_document(item, url, run_id, published, published_map, model)
        summary.outcomes.append(outcome)
        _progress(i, len(items), outcome)
    end_run(url, summary)
    return summary


@flow(name="reprocess")
def reprocess_flow(
    database_url: str | None = None,
    document_ids: list[int] | None = None,
    stale_only: bool = True,
    model: str | None = None,
) -> RunSummary:
    """Re-extract stored documents: given ids, all, or those with an older extractor version."""
    url = database_url or get_settings().database_url
    run_id = begin_run(url, "reprocess", {"document_ids": document_ids, "stale_only": stale_only})
    ids = stale_documents(url, document_ids, stale_only)
    summary = RunSummary(run_id)
    for i, doc_id in enumerate(ids, start=1):
        outcome = reprocess_one(doc_id, url, run_id, model)
        summary.outcomes.append(outcome)
        _progress(i, len(ids), outcome)
    end_run(url, summary)
    return summary
