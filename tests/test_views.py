"""The analyst views and every query of docs/SQL.md, on SQLite and PostgreSQL, on the corpus."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from tests import analyst_data
from tests.analyst_data import has_seeds, plain_rows
from torihiki.sql import run_query

pytestmark = pytest.mark.slow

VIEWS = ("v_deals", "v_deal_evidence", "v_company_flows", "v_cycles")
DOC = analyst_data.DOCS.read_text(encoding="utf-8")
QUERIES = dict(re.findall(r"```sql\n-- query: (\S+)\n(.*?)```", DOC, re.S))


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory, nlp: Any) -> str:
    return analyst_data.sqlite_dataset(tmp_path_factory, nlp)


def _run(url: str, sql: str) -> list[dict[str, Any]]:
    result = run_query(url, sql, max_rows=100_000)
    assert not result.truncated
    return [dict(zip(result.columns, row, strict=True)) for row in plain_rows(result.rows)]


def test_views_every_documented_query_is_checked() -> None:
    assert set(QUERIES) == set(ANSWERS)
    assert len(re.findall(r"```sql", DOC)) == len(QUERIES)  # no unnamed, unchecked query


def test_views_every_column_is_documented(sqlite_db: str) -> None:
    for view in VIEWS:
        section = DOC.split(f"## {view}", 1)[1].split("\n## ", 1)[0]
        documented: set[str] = set()
        for cell in re.findall(r"^\| ([^|]+) \|", section, re.M):
            for name in re.findall(r"`([a-z_0-9]+)`", cell):
                documented.add(name)
            if "…" in cell:  # company_1 … company_4
                stem = re.findall(r"`([a-z_]+)_1`", cell)[0]
                documented |= {f"{stem}_{i}" for i in range(1, 5)}
        columns = set(run_query(sqlite_db, f"SELECT * FROM {view} LIMIT 1").columns)
        assert columns == documented, view


def test_views_every_mention_has_one_deal(sqlite_db: str) -> None:
    evidence = _run(sqlite_db, "SELECT deal_id, evidence, char_start, char_end FROM v_deal_evidence")
    assert evidence and all(e["deal_id"] is not None for e in evidence)
    [counts] = _run(sqlite_db, "SELECT (SELECT COUNT(*) FROM deal_mentions) AS m,"
                               " (SELECT SUM(mention_count) FROM v_deals) AS c")
    assert counts["m"] == counts["c"] == len(evidence)


def _answer_nvidia_pays(rows: list[dict[str, Any]], url: str) -> None:
    assert rows
    openai = [r for r in rows if r["target"] == "OpenAI" and r["amount_usd"] == 100_000_000_000]
    assert any("1000億ドル" in r["evidence"] for r in openai)
    lambda_ = {r["amount_usd"] for r in rows if r["target"] == "Lambda"}
    assert 1_500_000_000 in lambda_ or 15_000_000_000 in lambda_
    usd = [r["amount_usd"] for r in rows if r["amount_usd"] is not None]
    assert usd == sorted(usd, reverse=True)


def _answer_openai_to_oracle(rows: list[dict[str, Any]], url: str) -> None:
    [row] = rows
    deals = _run(url, "SELECT amount_usd, status FROM v_deals WHERE source = 'OpenAI' AND target = 'Oracle'")
    counted = [d for d in deals if d["status"] not in ("rumored", "denied_or_doubted")]
    assert row["deals"] == len(counted) >= 1
    assert row["committed_usd"] == sum(d["amount_usd"] or 0 for d in counted)
    if has_seeds():  # the seeds report OpenAI's $300B five-year contract with Oracle
        assert 300_000_000_000 in {d["amount_usd"] for d in counted}


def _answer_loops_through_openai(rows: list[dict[str, Any]], url: str) -> None:
    loops = {r["cycle"]: r for r in rows}
    assert all("OpenAI" in c for c in loops)
    # OpenAI → Oracle → NVIDIA → OpenAI, written from its byte-wise first company.
    loop = loops["NVIDIA → OpenAI → Oracle → NVIDIA"]
    assert loop["length"] == 3 and loop["deals_4"] is None
    assert all(loop[f"deals_{i}"] for i in (1, 2, 3))
    totals = [r["total_usd"] for r in rows]
    assert totals == sorted(totals, reverse=True)


def _answer_conflicting_amounts(rows: list[dict[str, Any]], url: str) -> None:
    lambda_ = [r for r in rows if (r["source"], r["target"]) == ("NVIDIA", "Lambda")]
    assert {"150億ドル", "15億ドル"} <= {r["amount_text"] for r in lambda_}
    assert {r["document"] for r in lambda_} >= {
        "tests/lambda_leaseback_a.txt", "tests/lambda_leaseback_b.txt"}


def _answer_volume_by_month(rows: list[dict[str, Any]], url: str) -> None:
    assert rows and all(re.fullmatch(r"\d{4}-\d{2}", r["month"]) for r in rows)
    sept = {r["deal_type"]: r for r in rows if r["month"] == "2025-09"}
    assert sept["investment"]["usd"] >= 100_000_000_000  # NVIDIA → OpenAI, dated 2025-09-22


def _answer_top_receivers(rows: list[dict[str, Any]], url: str) -> None:
    assert len(rows) == 10
    received = [r["received_usd"] for r in rows]
    assert received == sorted(received, reverse=True)
    assert {"OpenAI", "Oracle"} <= {r["company"] for r in rows}


def _answer_multi_source_deals(rows: list[dict[str, Any]], url: str) -> None:
    nvidia = [r for r in rows
              if (r["source"], r["target"], r["deal_type"]) == ("NVIDIA", "OpenAI", "investment")]
    assert nvidia[0]["amount_usd"] == 100_000_000_000 and nvidia[0]["document_count"] >= 2
    assert all(r["document_count"] > 1 and r["first_seen"] <= r["last_seen"] for r in rows)


def _answer_stated_conversions(rows: list[dict[str, Any]], url: str) -> None:
    ampere = [r for r in rows if r["document"] == "tests/softbank_ampere_yen.txt"]
    assert [(r["amount_text"], r["amount_usd"], r["usd_rate_text"]) for r in ampere] == [
        ("9750億円", 6_500_000_000, "9750億円（約65億ドル）")]


def _answer_document_deals(rows: list[dict[str, Any]], url: str) -> None:
    assert rows and all(r["source"] == "SoftBank" and r["consolidated_deal_id"] for r in rows)


ANSWERS = {
    "nvidia-pays": _answer_nvidia_pays,
    "openai-to-oracle": _answer_openai_to_oracle,
    "loops-through-openai": _answer_loops_through_openai,
    "conflicting-amounts": _answer_conflicting_amounts,
    "volume-by-month": _answer_volume_by_month,
    "top-receivers": _answer_top_receivers,
    "multi-source-deals": _answer_multi_source_deals,
    "stated-conversions": _answer_stated_conversions,
    "document-deals": _answer_document_deals,
}


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_views_documented_query_sqlite(sqlite_db: str, name: str) -> None:
    ANSWERS[name](_run(sqlite_db, QUERIES[name]), sqlite_db)


@pytest.mark.postgres
def test_views_postgres_gives_the_same_views_and_answers(sqlite_db: str, pg_url: str, nlp: Any) -> None:
    """The same documents stored in the same order: every view and every documented query
    returns the same rows on PostgreSQL as on SQLite, in the same order."""
    analyst_data.ingest(pg_url, analyst_data.documents(), nlp)
    for view in VIEWS:
        a = sorted(plain_rows(run_query(sqlite_db, f"SELECT * FROM {view}", max_rows=100_000).rows), key=repr)
        b = sorted(plain_rows(run_query(pg_url, f"SELECT * FROM {view}", max_rows=100_000).rows), key=repr)
        assert a and a == b, view
    for name, check in sorted(ANSWERS.items()):
        rows = _run(pg_url, QUERIES[name])
        check(rows, pg_url)
        assert rows == _run(sqlite_db, QUERIES[name]), name


def test_views_seed_loop_through_oracle_and_nvidia(sqlite_db: str) -> None:
    if not has_seeds():
        pytest.skip("the seeds (../shared) are not present")
    [loop] = _run(sqlite_db, "SELECT * FROM v_cycles WHERE cycle = 'NVIDIA → OpenAI → Oracle → NVIDIA'")
    legs = {(loop[f"company_{i}"], loop[f"company_{i % 3 + 1}"]): loop[f"usd_{i}"] for i in (1, 2, 3)}
    assert legs[("OpenAI", "Oracle")] >= 300_000_000_000
    assert legs[("NVIDIA", "OpenAI")] >= 100_000_000_000
    assert loop["total_usd"] == sum(Decimal(str(v or 0)) for v in legs.values())
