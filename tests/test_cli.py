"""The command line: the export contract, exit codes, and the deals table."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from db.engine import make_engine
from torihiki.cli import main
from torihiki.ingest.readers import RawDocument
from torihiki.processing import store_document

# The export contract: these field names are how quality is measured. Change them only on purpose.
CONTRACT = {
    "deal-mentions": [
        "document", "document_id", "deal_id", "source", "target", "deal_type", "status",
        "amount_value", "currency", "amount_qualifier", "amount_text", "date", "date_text",
        "evidence", "start", "end",
    ],
    "mentions": ["document", "document_id", "label", "text", "canonical", "start", "end"],
    "metrics": [
        "document", "document_id", "company", "kind", "amount_value", "currency", "amount_text",
        "evidence",
    ],
    "deals": [
        "deal_id", "document", "document_id", "source", "target", "deal_type", "status",
        "amount_value", "currency", "amount_qualifier", "date", "mention_count",
    ],
}

TEXT = (
    "ソフトバンクグループは3日前、オープンAIに400億ドルを出資したと発表した。\n"
    "同社の売上高は約37億ドルにとどまる。\n"
)


@pytest.fixture
def filled_db(sqlite_url: str) -> str:
    engine = make_engine(sqlite_url)
    raw = RawDocument(origin="inbox/news.txt", text=TEXT, title=None, published=None,
                      source_path="inbox/news.txt", content_type="text", encoding="utf-8")
    store_document(engine=engine, raw=raw, run_id=None, nlp=None,
                   published=__import__("datetime").date(2025, 4, 3))
    engine.dispose()
    return sqlite_url


@pytest.mark.parametrize("kind", sorted(CONTRACT))
def test_cli_export_jsonl_fields_are_the_contract(filled_db: str, kind: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", kind, "--db", filled_db]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines, f"no {kind} exported"
    for rec in lines:
        assert list(rec) == CONTRACT[kind]


@pytest.mark.parametrize("kind", sorted(CONTRACT))
def test_cli_export_csv_header_is_the_contract(filled_db: str, kind: str, tmp_path: Path) -> None:
    out = tmp_path / f"{kind}.csv"
    assert main(["export", kind, "--db", filled_db, "--format", "csv", "--out", str(out)]) == 0
    reader = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))
    assert reader.fieldnames == CONTRACT[kind]
    assert list(reader)


def test_cli_export_deal_mention_values(filled_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["export", "deal-mentions", "--db", filled_db])
    [rec] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rec["document"] == "inbox/news.txt"
    assert (rec["source"], rec["target"], rec["deal_type"]) == ("SoftBank", "OpenAI", "investment")
    assert (rec["amount_value"], rec["currency"], rec["amount_qualifier"]) == (40_000_000_000, "USD", "exact")
    assert (rec["date_text"], rec["date"]) == ("3日前", "2025-03-31")
    assert TEXT[rec["start"] : rec["end"]] == rec["evidence"]


def test_cli_deals_prints_table(filled_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deals", "--db", filled_db]) == 0
    out = capsys.readouterr().out
    assert "SoftBank" in out and "OpenAI" in out and "40,000,000,000 USD" in out


@pytest.mark.parametrize(
    "argv",
    [["ingest"], ["export", "nonsense"], ["ingest", "x", "--published", "yesterday"], ["bogus"]],
)
def test_cli_usage_errors_exit_2(argv: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "torihiki.cli", *argv], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "usage:" in proc.stderr
