"""The ``ingest`` and ``reprocess`` flows.

Flows only call tasks; tasks are thin wrappers over ``torihiki.processing``
and take plain, picklable arguments (the database URL, not an engine), so the
same flow runs in-process or on Dask workers.  The spaCy model and the
database engine are cached per process, so each Dask worker loads them once.

Task runners: by default the documents are processed one after another in
this process.  ``workers=N`` runs them on a local Dask cluster of N worker
processes, ``dask_address="tcp://host:8786"`` on an existing Dask cluster
(see docs/SCALING.md); the flow then runs itself again as a subflow with
:class:`prefect_dask.DaskTaskRunner`, since a flow's task runner is fixed
when it starts.

Unchanged documents (same text, same extractor version) are recognised in one
task before any document task is submitted: a re-run of unchanged input
neither loads the model, nor starts a task per document, nor a Dask cluster.
(``torihiki ingest`` goes further: when nothing needs extracting it starts no flow
run at all, see :func:`torihiki.processing.run_ingest`.)  A task takes consecutive
documents up to about ``IN_PROCESS_BATCH_CHARACTERS`` in-process, and
``DASK_BATCH_CHARACTERS`` on Dask, where a task costs more; each document is
stored in a transaction of its own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from types import ModuleType
from typing import Any, TypeVar, cast

from prefect import Flow, flow, task, unmapped
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

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
    progress,
    quarantine_error,
    record_unchanged,
    reprocess_document,
    store_document,
)
from torihiki.settings import get_settings

Runner = TaskRunner[PrefectFuture[Any]]
_Item = TypeVar("_Item")

# A Prefect task costs about 0.2 s of CPU on a Dask worker (about 0.01 s in-process), what
# the pipeline spends on a few hundred characters.  On Dask a task takes documents up to
# about this many characters (some 5 s of work: the overhead stays near 3 %, and a small
# input still makes several tasks per worker), or this many documents when reprocessing.
DASK_BATCH_CHARACTERS = 8_000
DASK_BATCH_DOCUMENTS = 4
# In this process a task costs about 9 ms of CPU (18 tasks for the 18 documents of the bench:
# 0.15 s more than one task).  A task takes documents up to about this many characters (under
# a second of work each), or this many documents when reprocessing; every document still has
# its own transaction, outcome and progress line (printed when its task ends).
IN_PROCESS_BATCH_CHARACTERS = 8_000
IN_PROCESS_BATCH_DOCUMENTS = 4


def in_process_task_runner() -> Runner:
    """The default: one task after another, in this process."""
    return cast(Runner, ThreadPoolTaskRunner(max_workers=1))


def dask_task_runner(workers: int | None = None, address: str | None = None) -> Runner:
    """A Dask task runner: an existing scheduler at ``address``, else a local cluster of ``workers``.

    Local workers are processes with one thread each (spaCy is not thread-parallel,
    and one thread per worker keeps one model per worker busy).
    """
    from prefect_dask.task_runners import DaskTaskRunner

    if address:
        return cast(Runner, DaskTaskRunner(address=address))
    return cast(Runner, DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={"n_workers": workers or 1, "threads_per_worker": 1, "processes": True,
                        # any free port for the scheduler's HTTP server (8787 may be taken)
                        "dashboard_address": ":0", "silence_logs": logging.ERROR},
    ))


@contextlib.contextmanager
def prefect_api_for_workers() -> Iterator[None]:
    """Let Dask workers report their task runs to the API this flow run uses.

    Without ``PREFECT_API_URL`` the flow runs against a temporary local server that
    only this process knows, and each worker would start a server of its own.  Inside
    this block the settings name that server's address; Prefect sends the settings
    along with every task it submits to Dask.
    """
    context = FlowRunContext.get()
    if PREFECT_API_URL.value() or context is None:
        yield
        return
    with temporary_settings({PREFECT_API_URL: str(context.client.api_url)}):
        yield


@contextlib.contextmanager
def command_line_settings() -> Iterator[None]:
    """Prefect settings for flow runs that ``torihiki ingest``/``reprocess`` start in this process.

    Without ``PREFECT_API_URL`` a flow run goes to a temporary local server that ends with
    this process, so nothing watches its heartbeats.  Prefect 3.8's heartbeat thread sleeps
    in whole seconds and the flow run waits for it at its end: every run would last up to a
    second longer (a re-run of unchanged input: 1.2 s instead of 0.3 s).  Heartbeats are
    therefore off for those runs; with a server configured (deployments, workers, a shared
    server) they stay on, and crashed runs are detected as before.
    """
    if PREFECT_API_URL.value():
        yield
        return
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def _importable() -> ModuleType:
    """This module under the name Dask workers import it by.

    A Prefect worker loads a deployment's entrypoint (``pipelines/flows.py``) as a
    script, under a module name of its own; tasks pickled from there could not be
    unpickled on a Dask worker.  The subflow sent to Dask uses ``pipelines.flows``.
    """
    import pipelines.flows

    return pipelines.flows


def _collect(outcomes: Iterable[DocumentOutcome], total: int, run_id: int) -> RunSummary:
    """The outcomes in input order, each reported as soon as it is known."""
    summary = RunSummary(run_id)
    for i, outcome in enumerate(outcomes, start=1):
        summary.outcomes.append(outcome)
        progress(i, total, outcome)
    return summary


def batches(items: Sequence[_Item], size: Callable[[_Item], int], limit: int) -> list[list[_Item]]:
    """Consecutive items grouped until a group's ``size`` reaches ``limit`` (0: one item a group)."""
    groups: list[list[_Item]] = []
    total = 0
    for item in items:
        if not groups or total >= limit:
            groups.append([])
            total = 0
        groups[-1].append(item)
        total += size(item)
    return groups


def _characters(item: RawDocument | TorihikiError) -> int:
    return len(item.text) if isinstance(item, RawDocument) else 0


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


@task(name="skip-unchanged")
def skip_unchanged(
    items: list[RawDocument | TorihikiError], database_url: str, run_id: int
) -> dict[int, DocumentOutcome]:
    """Record the new source of every document already stored by this extractor version.

    Returns their outcomes by position in ``items``; the others need extraction.  One
    look-up for all of them, one transaction for the new sources (none when every
    source is recorded already).
    """
    return record_unchanged(engine=engine_for(database_url), items=items, run_id=run_id)


@task(name="ingest-documents")
def ingest_documents(
    items: list[RawDocument | TorihikiError],
    database_url: str,
    run_id: int,
    published: dt.date | None,
    published_map: dict[str, dt.date] | None,
    model: str | None,
) -> list[DocumentOutcome]:
    """Extract and store documents one by one (a transaction each), or quarantine them."""
    engine = engine_for(database_url)
    return [
        quarantine_error(engine=engine, error=item, run_id=run_id) if isinstance(item, TorihikiError)
        else store_document(engine=engine, raw=item, run_id=run_id, nlp=get_nlp(model),
                            published=published, published_map=published_map)
        for item in items
    ]


@task(name="reprocess-documents")
def reprocess_documents(document_ids: list[int], database_url: str, run_id: int,
                        model: str | None) -> list[DocumentOutcome]:
    """Re-extract stored documents one by one."""
    engine = engine_for(database_url)
    return [reprocess_document(engine=engine, document_id=i, nlp=get_nlp(model), run_id=run_id)
            for i in document_ids]


@task(name="stale-documents")
def stale_documents(database_url: str, document_ids: list[int] | None,
                    stale_only: bool) -> list[int]:
    """Ids of the documents to reprocess."""
    return store.documents_to_reprocess(engine=engine_for(database_url), ids=document_ids,
                                        stale_only=stale_only,
                                        extractor_version=EXTRACTOR_VERSION)


@flow(name="ingest", task_runner=in_process_task_runner())
def ingest_flow(
    paths: list[str],
    database_url: str | None = None,
    published: dt.date | None = None,
    published_map: dict[str, dt.date] | None = None,
    model: str | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
    batch_characters: int | None = None,
) -> RunSummary:
    """Read documents from files/directories, extract deals and store them.

    ``workers``/``dask_address`` run the documents on Dask (a local cluster of
    that many workers, or an existing scheduler); by default they run here.
    ``batch_characters`` groups consecutive documents into tasks of about that many
    characters (0: a task per document; by default ``IN_PROCESS_BATCH_CHARACTERS``,
    on Dask ``DASK_BATCH_CHARACTERS``).
    """
    url = database_url or get_settings().database_url
    if workers or dask_address:
        runner = dask_task_runner(workers, dask_address)
        on_dask: Flow[..., RunSummary] = _importable().ingest_flow.with_options(task_runner=runner)
        with prefect_api_for_workers():
            return on_dask(list(paths), url, published, published_map, model,
                           batch_characters=DASK_BATCH_CHARACTERS if batch_characters is None
                           else batch_characters)
    run_id = begin_run(url, "ingest", {
        "paths": list(paths), "published": published.isoformat() if published else None,
    })
    items = read_inputs(list(paths))
    skipped = skip_unchanged(items, url, run_id)
    todo = batches([item for i, item in enumerate(items) if i not in skipped], _characters,
                   IN_PROCESS_BATCH_CHARACTERS if batch_characters is None else batch_characters)
    futures = ingest_documents.map(todo, unmapped(url), run_id, unmapped(published),
                                   unmapped(published_map), model) if todo else []
    done = chain.from_iterable(f.result() for f in futures)
    summary = _collect((skipped[i] if i in skipped else next(done) for i in range(len(items))),
                       len(items), run_id)
    end_run(url, summary)
    return summary


@flow(name="reprocess", task_runner=in_process_task_runner())
def reprocess_flow(
    database_url: str | None = None,
    document_ids: list[int] | None = None,
    stale_only: bool = True,
    model: str | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
    batch_documents: int | None = None,
) -> RunSummary:
    """Re-extract stored documents: given ids, all, or those with an older extractor version.

    ``workers``/``dask_address`` as for :func:`ingest_flow`; ``batch_documents``
    documents per task (0: one; by default ``IN_PROCESS_BATCH_DOCUMENTS``, on Dask
    ``DASK_BATCH_DOCUMENTS``).
    """
    url = database_url or get_settings().database_url
    if workers or dask_address:
        runner = dask_task_runner(workers, dask_address)
        on_dask: Flow[..., RunSummary] = _importable().reprocess_flow.with_options(task_runner=runner)
        with prefect_api_for_workers():
            return on_dask(url, document_ids, stale_only, model,
                           batch_documents=DASK_BATCH_DOCUMENTS if batch_documents is None
                           else batch_documents)
    run_id = begin_run(url, "reprocess", {"document_ids": document_ids, "stale_only": stale_only})
    ids = stale_documents(url, document_ids, stale_only)
    todo = batches(ids, lambda _id: 1,
                   IN_PROCESS_BATCH_DOCUMENTS if batch_documents is None else batch_documents)
    futures = reprocess_documents.map(todo, unmapped(url), run_id, model) if todo else []
    summary = _collect(chain.from_iterable(f.result() for f in futures), len(ids), run_id)
    end_run(url, summary)
    return summary
