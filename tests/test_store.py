"""Storage through the real processing functions into real SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from db import store
from db.engine import make_engine
from db.queries import iter_export
from extractors.registry import Entity
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


def _statements(engine: Any, seen: list[str]) -> Any:
    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    return record


def _check_company_cache(url: str) -> None:
    """Company ids are cached per engine, but only once the transaction that saw them committed."""
    engine = make_engine(url)
    testco = Entity(name="Testco", kind="company", aliases=("テストコ", "TESTCO"), verified=False)
    with pytest.raises(RuntimeError), store.transaction(engine) as s:
        created = store.company_ids(session=s, entities=[testco])
        raise RuntimeError("rolled back")
    assert "Testco" not in store._COMPANY_IDS.get(engine, {})
    assert store.count_rows(engine=engine)["companies"] == 0
    # Created again (the rolled-back id is never used), cached after the commit.
    with store.transaction(engine) as s:
        ids = store.company_ids(session=s, entities=[testco])
    assert store._COMPANY_IDS[engine]["Testco"] == ids["Testco"]
    assert store.count_rows(engine=engine)["company_aliases"] == 2  # testco and テストコ fold alike
    # A cached name costs no statement; a new one is looked up (and created) with the rest.
    seen: list[str] = []
    record = _statements(engine, seen)
    with store.transaction(engine) as s:
        assert store.company_ids(session=s, entities=[testco]) == ids
    assert not [q for q in seen if "companies" in q]
    other = Entity(name="Otherco")
    with store.transaction(engine) as s:
        both = store.company_ids(session=s, entities=[testco, other])
    event.remove(engine, "before_cursor_execute", record)
    assert both["Testco"] == ids["Testco"] and both["Otherco"] not in (None, ids["Testco"])
    assert created["Testco"] in (ids["Testco"], ids["Testco"] - 1)  # ids may or may not be reused
    # Another engine (another process) starts with nothing cached and finds the same ids.
    fresh = make_engine(url)
    with store.transaction(fresh) as s:
        assert store.company_ids(session=s, entities=[other, testco]) == both
    engine.dispose()
    fresh.dispose()


def test_store_company_cache_sqlite(sqlite_url: str) -> None:
    _check_company_cache(sqlite_url)


@pytest.mark.postgres
def test_store_company_cache_postgres(pg_url: str) -> None:
    _check_company_cache(pg_url)


def test_store_rows_written_in_one_insert_per_table(sqlite_url: str) -> None:
    """One executemany INSERT per derived table, whatever the number of rows."""
    engine = make_engine(sqlite_url)
    seen: list[str] = []
    record = _statements(engine, seen)
    text = TEXT + "ソフトバンクはオープンAIに400億ドルを出資した。\nマイクロソフトの売上高は700億ドル。\n"
    store_document(engine=engine, raw=_raw("many.txt", text), run_id=None, nlp=None)
    event.remove(engine, "before_cursor_execute", record)
    inserts = [q.split("(")[0].split()[-1] for q in seen if q.startswith("INSERT")]
    for table in ("entity_mentions", "deals", "deal_mentions", "metrics", "companies", "company_aliases"):
        assert inserts.count(table) == 1, (table, [q[:150] for q in seen if q.startswith("INSERT")])
    assert not [q for q in seen if q.startswith("UPDATE deal")]  # dollars and block keys come written
    [m1, m2] = list(iter_export(engine, "deal-mentions"))
    assert {m1["source"], m2["source"]} == {"NVIDIA", "SoftBank"}
    assert len(list(iter_export(engine, "metrics"))) == 2
    engine.dispose()
