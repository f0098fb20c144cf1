"""Deals across documents: the rules, order independence, incrementality, concurrency."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from db import consolidate, store
from db.consolidate import Atom, MentionFacts, cluster_block, make_atom, summarize
from db.engine import make_engine
from models import ConsolidatedDeal, ConsolidatedDealMember, Deal, DealMention
from tests import analyst_data
from torihiki.ingest.readers import RawDocument
from torihiki.processing import store_document

# --- the rules, on hand-made deals -------------------------------------------------------

_ids = iter(range(1, 10_000))


def _atom(doc: str, amount: float | None, *, date: str | None = None, currency: str = "USD",
          status: str = "announced", term: str | None = None, deal_type: str = "investment",
          qualifier: str = "exact", mentions: int = 1) -> Atom:
    value = None if amount is None else Decimal(str(amount))
    facts = [
        MentionFacts(document=doc, ordinal=i, deal_type=deal_type, status=status, amount_value=value,
                     currency=None if value is None else currency,
                     amount_qualifier=None if value is None else qualifier, amount_low=None,
                     amount_high=None, amount_usd=value if currency == "USD" else None,
                     usd_rate=Decimal(1) if value is not None and currency == "USD" else None,
                     usd_rate_source="usd" if value is not None else None, date=date,
                     published="2025-10-01", term_text=term)
        for i in range(mentions)
    ]
    return make_atom(deal_id=next(_ids), source="NVIDIA", target="OpenAI", source_company_id=1,
                     target_company_id=2, date=date, mentions=facts)


def _groups(atoms: Sequence[Atom]) -> set[frozenset[int]]:
    return {frozenset(a.deal_id for a in c.atoms) for c in cluster_block(atoms)}


def test_consolidate_amounts_within_tolerance_are_one_deal() -> None:
    a, b = _atom("d1", 100e9, date="2025-09-22"), _atom("d2", 95e9, date="2025-09")
    c = _atom("d3", 20e9)
    assert _groups([a, b, c]) == {frozenset({a.deal_id, b.deal_id}), frozenset({c.deal_id})}


def test_consolidate_incompatible_dates_are_two_deals() -> None:
    a, b = _atom("d1", 10e9, date="2025-01"), _atom("d2", 10e9, date="2025-09-22")
    assert len(_groups([a, b])) == 2
    assert len(_groups([a, _atom("d3", 10e9, date="2025")])) == 1  # 2025 contains January


def test_consolidate_amount_less_mention_joins_the_only_candidate() -> None:
    a, b = _atom("d1", 100e9, date="2025-09-22"), _atom("d2", None, date="2025-09-23")
    assert _groups([a, b]) == {frozenset({a.deal_id, b.deal_id})}
    # With two candidates it stays apart, unless one shares its document.
    c = _atom("d3", 20e9, date="2025-09")
    assert frozenset({b.deal_id}) in _groups([a, b, c])
    d = _atom("d3", None)
    assert frozenset({c.deal_id, d.deal_id}) in _groups([a, c, d])


def test_consolidate_factor_of_ten_with_same_term_is_a_conflict() -> None:
    # The seeds' NVIDIA–Lambda leaseback: 150億ドル and 15億ドル over 4 years.
    a = _atom("d1", 15e9, date="2025-09-08", term="4年間", qualifier="total", deal_type="lease")
    b = _atom("d2", 1.5e9, term="4年間", qualifier="total", deal_type="lease")
    [cluster] = cluster_block([a, b])
    values = summarize("NVIDIA|Lambda|supply", cluster)
    assert values["conflicting_amounts"] is True
    assert (values["amount_usd_min"], values["amount_usd_max"]) == (Decimal("1.5e9"), Decimal("15e9"))
    assert values["amount_value"] == Decimal("1.5e9")  # a tie: the smaller figure
    # A factor of ten alone (a $10B tranche of a $100B deal) is not a conflict.
    assert len(_groups([_atom("d1", 100e9, date="2025-09-22"), _atom("d2", 10e9, date="2025-09")])) == 2
    # Nor is 19.4 vs 2.0 (9.7 times) with the same term.
    assert len(_groups([_atom("d1", 19.4e9, term="5年間"), _atom("d1", 2e9, term="5年間")])) == 2
    # Within one document a factor of ten is a conflict: a seed reports OpenAI's $300B Oracle
    # contract as 3000億ドル over 5年間 and later as 300億ドル.
    a, b = _atom("d1", 300e9, term="5年間", date="2025-09"), _atom("d1", 30e9)
    [cluster] = cluster_block([a, b])
    assert summarize("OpenAI|Oracle|supply", cluster)["conflicting_amounts"] is True


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["rumored"], "rumored"),
        (["rumored", "denied_or_doubted"], "denied_or_doubted"),
        (["rumored", "announced"], "announced"),
        (["letter_of_intent", "announced", "denied_or_doubted"], "announced"),
        (["planned", "completed"], "completed"),
    ],
)
def test_consolidate_status_reflects_the_mentions(statuses: list[str], expected: str) -> None:
    atoms = [_atom(f"d{i}", 5e9, status=s) for i, s in enumerate(statuses)]
    [cluster] = cluster_block(atoms)
    values = summarize("NVIDIA|OpenAI|equity", cluster)
    assert values["status"] == expected
    assert values["statuses"].split(",") == sorted(set(statuses), key=consolidate.DEAL_STATUSES.index)


def test_consolidate_summary_prefers_the_most_cited_figure() -> None:
    atoms = [_atom("d1", 100e9, qualifier="up_to", mentions=2, date="2025-09-22"),
             _atom("d2", 100e9, mentions=3, date="2025-09"), _atom("d3", 98e9)]
    [cluster] = cluster_block(atoms)
    v = summarize("NVIDIA|OpenAI|equity", cluster)
    assert (v["amount_value"], v["amount_qualifier"], v["date"]) == (Decimal("1e11"), "exact", "2025-09-22")
    assert (v["mention_count"], v["document_count"], v["conflicting_amounts"]) == (6, 3, False)
    assert v["deal_key"] == "NVIDIA|OpenAI|equity|100000000000 USD|2025-09-22"


def test_consolidate_is_independent_of_order() -> None:
    rng = random.Random(4)
    atoms = [
        _atom("d1", 100e9, date="2025-09-22"), _atom("d2", 100e9, qualifier="up_to"),
        _atom("d3", 95e9, date="2025-09"), _atom("d4", 20e9), _atom("d5", None, date="2025-09-23"),
        _atom("d6", None), _atom("d7", 10e9, date="2025-01"), _atom("d8", 1e9, term="4年間"),
        _atom("d9", 10e9, term="4年間", date="2025-01-20"), _atom("d9", None, status="rumored"),
    ]
    expected = [(summarize("b", c), [a.deal_id for a in c.atoms]) for c in cluster_block(atoms)]
    for _ in range(30):
        shuffled = atoms[:]
        rng.shuffle(shuffled)
        got = [(summarize("b", c), [a.deal_id for a in c.atoms]) for c in cluster_block(shuffled)]
        assert got == expected


# --- in the database ---------------------------------------------------------------------


def _raw(origin: str, text: str, published: dt.date = dt.date(2025, 9, 24)) -> RawDocument:
    return RawDocument(origin=origin, text=text, title=None, published=published, source_path=origin,
                       content_type="text", encoding="utf-8")


DOCS = {
    "a.txt": "2025年9月22日\nエヌビディアはオープンAIに最大1000億ドルを投資すると発表した。\n",
    "b.txt": (
        "エヌビディアはオープンAIに1000億ドルを出資する。"
        "オラクルはエヌビディアから400億ドルのチップを購入する。\n"
    ),
    "c.txt": "2025年9月10日\nオープンAIはオラクルに3000億ドルを支払う契約を結んだ。\n",
    "d.txt": "エヌビディアはオープンAIに200億ドルを出資した。\n",
    "e.txt": "2025年9月10日\nオラクルはオープンAIと5年間で3000億ドルの契約を結んだ。\n",
    "f.txt": "ソフトバンクグループはオープンAIに400億ドルを出資する。\n",
}


def _content(url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Consolidated deals and memberships by natural keys (no database ids)."""
    rows = analyst_data.query(url, """
        SELECT deal_key, source, target, deal_type, status, statuses, amount_value, currency,
               amount_qualifier, amount_usd, usd_rate_source, amount_usd_min, amount_usd_max,
               conflicting_amounts, date, first_seen, last_seen, mention_count, document_count
        FROM consolidated_deals""")
    members = analyst_data.query(url, """
        SELECT cd.deal_key, doc.sha256, d.deal_key AS document_deal
        FROM consolidated_deal_members m
        JOIN consolidated_deals cd ON cd.id = m.consolidated_deal_id
        JOIN deals d ON d.id = m.deal_id JOIN documents doc ON doc.id = d.document_id""")
    deals = sorted(analyst_data.plain_rows([tuple(r.values()) for r in rows]), key=repr)
    links = sorted(tuple(r.values()) for r in members)
    return deals, links


def _store_all(url: str, origins: Sequence[str]) -> None:
    engine = make_engine(url)
    for origin in origins:
        assert store_document(engine=engine, raw=_raw(origin, DOCS[origin]), run_id=None,
                              nlp=None).status == "new"
    engine.dispose()


def _check_small_corpus(url: str) -> None:
    _store_all(url, sorted(DOCS))
    rows = {(r["source"], r["target"], r["amount_value"]): r for r in analyst_data.query(
        url, "SELECT * FROM v_deals")}
    nvidia = rows[("NVIDIA", "OpenAI", 100_000_000_000)]
    assert (nvidia["document_count"], nvidia["mention_count"], nvidia["date"]) == (2, 2, "2025-09-22")
    assert ("NVIDIA", "OpenAI", 20_000_000_000) in rows  # another figure, another deal
    assert rows[("OpenAI", "Oracle", 300_000_000_000)]["document_count"] == 2
    # Every per-document deal belongs to exactly one consolidated deal.
    [[n_deals, n_members]] = [tuple(r.values()) for r in analyst_data.query(
        url, "SELECT (SELECT COUNT(*) FROM deals) AS d,"
        " (SELECT COUNT(*) FROM consolidated_deal_members) AS m")]
    assert n_deals == n_members


def test_consolidate_small_corpus_sqlite(sqlite_url: str) -> None:
    _check_small_corpus(sqlite_url)


@pytest.mark.postgres
def test_consolidate_small_corpus_postgres(pg_url: str) -> None:
    _check_small_corpus(pg_url)


def test_consolidate_touches_only_the_blocks_of_the_document(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_all(sqlite_url, ["a.txt", "c.txt", "f.txt"])
    before = {r["deal_key"]: r for r in analyst_data.query(sqlite_url, "SELECT * FROM consolidated_deals")}
    seen: list[list[str]] = []
    original = consolidate.refresh_blocks

    def spy(*, session: Session, keys: Any) -> None:
        seen.append(sorted(keys))
        original(session=session, keys=keys)

    monkeypatch.setattr(consolidate, "refresh_blocks", spy)
    _store_all(sqlite_url, ["d.txt"])
    assert seen == [["NVIDIA|OpenAI|equity"]]
    after = {r["deal_key"]: r for r in analyst_data.query(sqlite_url, "SELECT * FROM consolidated_deals")}
    untouched = {k for k in before if not k.startswith("NVIDIA|OpenAI|equity|")}
    assert untouched and all(after[k] == before[k] for k in untouched)  # same rows, same ids


def test_consolidate_reprocessing_keeps_rows_and_ids(sqlite_url: str) -> None:
    _store_all(sqlite_url, sorted(DOCS))
    before = analyst_data.query(sqlite_url, "SELECT * FROM consolidated_deals ORDER BY id")
    engine = make_engine(sqlite_url)
    assert store_document(engine=engine, raw=_raw("b.txt", DOCS["b.txt"]), run_id=None, nlp=None,
                          force=True).status == "processed"
    engine.dispose()
    assert analyst_data.query(sqlite_url, "SELECT * FROM consolidated_deals ORDER BY id") == before


def test_consolidate_rebuild_of_a_database_migrated_with_rows(sqlite_url: str) -> None:
    """Rows stored before consolidation existed (block_key null, no dollars) are consolidated
    by ``rebuild`` into what storing them now gives."""
    _store_all(sqlite_url, sorted(DOCS))
    expected = _content(sqlite_url)
    engine = make_engine(sqlite_url)
    with store.transaction(engine) as s:
        s.execute(delete(ConsolidatedDeal))
        s.execute(update(Deal).values(block_key=None))
        s.execute(update(DealMention).values(amount_usd=None, usd_rate=None, usd_rate_source=None))
    assert consolidate.rebuild(engine=engine) > 0
    assert consolidate.rebuild(engine=engine) == 0  # nothing pending any more
    engine.dispose()
    assert _content(sqlite_url) == expected


@pytest.mark.postgres
def test_consolidate_concurrent_writers_postgres(pg_url: str, sqlite_url: str) -> None:
    """Writers storing documents of the same blocks at once end where one writer ends."""
    # Three reports of each document (distinct texts), so that many writers share blocks.
    docs = [_raw(f"{origin}#{i}", f"（第{i}報）\n{text}") for origin, text in DOCS.items() for i in range(3)]
    engine = make_engine(pg_url, pool_size=8)

    def one(raw: RawDocument) -> str:
        return store_document(engine=engine, raw=raw, run_id=None, nlp=None).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sorted(pool.map(one, docs)) == ["new"] * len(docs)
    engine.dispose()
    sequential = make_engine(sqlite_url)
    for raw in docs:
        store_document(engine=sequential, raw=raw, run_id=None, nlp=None)
    sequential.dispose()
    assert _content(pg_url) == _content(sqlite_url)
    with Session(make_engine(pg_url)) as s:
        linked = s.execute(select(ConsolidatedDealMember.deal_id)).scalars().all()
        assert sorted(linked) == sorted(s.execute(select(Deal.id)).scalars().all())


# --- the whole data set in two orders ------------------------------------------------------


@pytest.mark.slow
def test_consolidate_corpus_in_two_orders_gives_the_same_deals(
    tmp_path_factory: pytest.TempPathFactory, nlp: Any
) -> None:
    from db.migrate import upgrade

    forward = analyst_data.sqlite_dataset(tmp_path_factory, nlp)
    backward = f"sqlite:///{tmp_path_factory.mktemp('reversed') / 'reversed.db'}"
    upgrade(backward)
    analyst_data.ingest(backward, list(reversed(analyst_data.documents())), nlp)
    a, b = _content(forward), _content(backward)
    assert len(a[0]) > 50 and len(a[1]) > 80
    assert a == b
