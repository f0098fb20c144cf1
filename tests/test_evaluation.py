"""The scoring rules of shared/gold/README.md, on hand-made records."""

import pytest

from torihiki.evaluation import fold_party, score


def _g(value: float | None, source: str | None = "NVIDIA", target: str | None = "OpenAI",
       deal_type: str = "investment", date: str | None = None, doc: str = "a.txt",
       currency: str = "USD") -> dict[str, object]:
    return {"doc": doc, "amount_value": value, "currency": currency, "source": source,
            "target": target, "deal_type": deal_type, "date": date, "evidence": "x"}


@pytest.mark.parametrize(
    ("a", "b"),
    [("NVIDIA Corp.", "nvidia"), ("Alphabet", "Google"), ("SoftBank Group", "SoftBank"),
     ("Oracle Corporation", "oracle"), ("Super Micro Computer, Inc.", "super micro computer")],
)
def test_evaluation_fold_party_equal(a: str, b: str) -> None:
    assert fold_party(a) == fold_party(b)


def test_evaluation_amount_within_half_percent() -> None:
    gold = [_g(100e9)]
    assert score({"a.txt": [_g(100.4e9)]}, gold).total("amount").matched == 1
    assert score({"a.txt": [_g(100.6e9)]}, gold).total("amount").matched == 0
    assert score({"a.txt": [_g(100e9, currency="JPY")]}, gold).total("amount").matched == 0


def test_evaluation_one_to_one_within_document() -> None:
    gold = [_g(1e9)]
    result = score({"a.txt": [_g(1e9), _g(1e9)]}, gold)
    a = result.total("amount")
    assert (a.matched, a.predicted, a.gold) == (1, 2, 1)
    assert score({"b.txt": [_g(1e9, doc="b.txt")]}, gold).total("amount").matched == 0


def test_evaluation_strict_needs_parties() -> None:
    gold = [_g(1e9)]
    result = score({"a.txt": [_g(1e9, source="Oracle")]}, gold)
    assert result.total("amount").f1 == 1.0
    assert result.total("strict").f1 == 0.0
    assert result.share("parties_ok") == 0.0


def test_evaluation_date_needs_gold_precision() -> None:
    gold = [_g(1e9, date="2025-09-22")]
    assert score({"a.txt": [_g(1e9, date="2025-09")]}, gold).share("date_ok") == 0.0
    assert score({"a.txt": [_g(1e9, date="2025-09-22")]}, gold).share("date_ok") == 1.0
    month_gold = [_g(1e9, date="2025-09")]
    assert score({"a.txt": [_g(1e9, date="2025-09-22")]}, month_gold).share("date_ok") == 1.0


def test_evaluation_counts_metrics_mistaken_for_deals() -> None:
    metrics = [{"doc": "a.txt", "amount_value": 37e8, "currency": "USD"}]
    result = score({"a.txt": [_g(37e8)]}, [_g(1e9)], metrics)
    assert result.metric_confusions == 1


def test_evaluation_unvalued_gold_not_scored() -> None:
    result = score({"a.txt": []}, [_g(None)])
    assert result.total("amount").gold == 0
