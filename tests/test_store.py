"""Storage through the real processing functions into real SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from db import store
from db.engine import make_engine
from db.queries import iter_export
from torihiki.ingest.readers import RawDocument
from torihiki.processing import store_document

TEXT = (
    "2025年9月23日\n"
    "エヌビディアはオープンAIに最大1000億ドルを投資すると発表した。\n"
    "オラクルの売上高は150億ドルだった。\n"
)


def _raw(origin: str, text: str = TEXT) -> RawDocument:
    return RawDocument(origin=origin, text=text, title=None, published=None, source_path=origin,
                       content_type="text", encoding="utf-8")


def _check_dedup_and_idempotency(url: str) -> None:
    engine = make_engine(url)
    first = store_document(engine=engine, raw=_raw("a/one.txt"), run_id=None, nlp=None)
    assert first.status == "new" and first.deal_mentions == 1
    counts = store.count_rows(engine=engine)
    # The same content from another path: one document, two sources, nothing else new.
    again = store_document(engine=engine, raw=_raw("b/copy.txt"), run_id=None, nlp=None)
    assert again.status == "skipped" and again.document_id == first.document_id
    after = store.count_rows(engine=engine)
    assert after["document_sources"] == counts["document_sources"] + 1
    assert {k: v for k, v in after.items() if k != "document_sources"} == {
        k: v for k, v in counts.items() if k != "document_sources"
    }
    # Forcing re-extraction replaces the derived rows instead of adding to them.
    store_document(engine=engine, raw=_raw("a/one.txt"), run_id=None, nlp=None, force=True)
    assert store.count_rows(engine=engine) == after
    [mention] = list(iter_export(engine, "deal-mentions"))
    assert (mention["source"], mention["target"], mention["amount_value"]) == (
        "NVIDIA", "OpenAI", 100_000_000_000,
    )
    assert TEXT[mention["start"] : mention["end"]] == mention["evidence"]
    [metric] = list(iter_export(engine, "metrics"))
    assert (metric["company"], metric["kind"], metric["amount_value"]) == ("Oracle", "revenue", 15e9)
    engine.dispose()


def test_store_sqlite_dedup_and_idempotency(sqlite_url: str) -> None:
    _check_dedup_and_idempotency(sqlite_url)


@pytest.mark.postgres
def test_store_postgres_dedup_and_idempotency(pg_url: str) -> None:
    _check_dedup_and_idempotency(pg_url)


def test_store_offsets_point_into_raw_text_after_folding(sqlite_url: str) -> None:
    # Full-width digits and Latin letters are folded for the NLP only.
    text = "ＮＶＩＤＩＡはＯｐｅｎＡＩに１０００億ドルを出資した。"
    engine = make_engine(sqlite_url)
    store_document(engine=engine, raw=_raw("fw.txt", text), run_id=None, nlp=None)
    [m] = list(iter_export(engine, "deal-mentions"))
    assert m["amount_text"] == "１０００億ドル" and m["amount_value"] == 100_000_000_000
    for rec in iter_export(engine, "mentions"):
        assert text[rec["start"] : rec["end"]] == rec["text"]
    engine.dispose()
