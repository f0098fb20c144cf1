"""The ingest flow on a two-worker Dask LocalCluster stores what a sequential run stores."""

from __future__ import annotations

from typing import Any

import pytest

from db import store
from db.engine import engine_for
from db.queries import iter_export
from tests.conftest import CORPUS
from torihiki.cli import _published_map

pytestmark = pytest.mark.slow

IDS = ("document_id", "deal_id")


def _contents(url: str) -> dict[str, Any]:
    """Every export without its database ids (documents arrive in another order on Dask)."""
    engine = engine_for(url)
    out: dict[str, Any] = {"counts": store.count_rows(engine=engine)}
    for kind in ("deal-mentions", "mentions", "metrics", "deals"):
        rows = [tuple((k, str(v)) for k, v in sorted(r.items()) if k not in IDS)
                for r in iter_export(engine, kind)]
        out[kind] = sorted(rows)
    return out


def test_dask_ingest_equals_sequential(prefect_harness: None, tmp_path: Any) -> None:
    from db.migrate import upgrade
    from pipelines.flows import ingest_flow

    published = _published_map(str(CORPUS / "documents" / "published.json"))
    urls = {}
    summaries = {}
    for name, workers in (("sequential", None), ("dask", 2)):
        urls[name] = f"sqlite:///{tmp_path / name}.db"
        upgrade(urls[name])
        summaries[name] = ingest_flow(paths=[str(CORPUS / "documents")], database_url=urls[name],
                                      published_map=published, workers=workers)

    assert summaries["dask"].quarantined == []
    assert summaries["dask"].counts() == summaries["sequential"].counts()
    sequential, dask = _contents(urls["sequential"]), _contents(urls["dask"])
    assert sequential["counts"]["documents"] >= 10
    assert sequential["deal-mentions"]
    for key in sequential:
        assert dask[key] == sequential[key], key


def test_dask_reprocess_on_an_existing_scheduler_keeps_the_rows(
    prefect_harness: None, sqlite_url: str
) -> None:
    import logging

    from distributed import LocalCluster

    from pipelines.flows import ingest_flow, reprocess_flow

    ingest_flow(paths=[str(CORPUS / "documents")], database_url=sqlite_url)
    before = _contents(sqlite_url)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster:
        again = reprocess_flow(database_url=sqlite_url, document_ids=[1, 2, 3], stale_only=False,
                               dask_address=cluster.scheduler_address)
    assert [o.status for o in again.outcomes] == ["processed"] * 3
    assert _contents(sqlite_url) == before


@pytest.mark.parametrize(
    ("sizes", "limit", "expected"),
    [
        ([5, 5, 5], 0, [[5], [5], [5]]),
        ([5, 5, 5], 1, [[5], [5], [5]]),
        ([5, 5, 5], 10, [[5, 5], [5]]),
        ([30, 1, 1, 30, 1], 20, [[30], [1, 1, 30], [1]]),
        ([], 20, []),
    ],
)
def test_batches_group_consecutive_items_up_to_a_limit(sizes: list[int], limit: int,
                                                       expected: list[list[int]]) -> None:
    from pipelines.flows import batches

    assert batches(sizes, lambda n: n, limit) == expected


def test_rerun_of_unchanged_input_never_loads_the_model(
    prefect_harness: None, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelines.flows as flows

    doc = str(CORPUS / "documents" / "news_nvidia_groq_short.txt")
    first = flows.ingest_flow(paths=[doc], database_url=sqlite_url)

    def no_model(model: str | None = None) -> None:
        raise AssertionError("the model was loaded for unchanged input")

    monkeypatch.setattr(flows, "get_nlp", no_model)
    again = flows.ingest_flow(paths=[doc], database_url=sqlite_url)
    assert first.count("new") == 1
    assert again.count("skipped") == 1 and again.quarantined == []
