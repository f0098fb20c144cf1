"""Dollar amounts: the article's own conversion first, then ECB rates, else unknown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import make_engine
from extractors.money import find_money
from models import DealMention, EntityMention
from torihiki import fx
from torihiki.ingest.readers import RawDocument
from torihiki.processing import store_document


def _refs(text: str) -> list[fx.MoneyRef]:
    return [fx.MoneyRef(m.start, m.end, m.value, m.currency, m.is_conversion) for m in find_money(text)]


def _usd(text: str, amount_text: str, *, date: str | None = None,
         published: dt.date | None = None) -> fx.UsdAmount:
    money = {m.text: m for m in find_money(text)}[amount_text]
    return fx.to_usd(value=money.value, currency=money.currency, start=money.start,
                     sentence=(0, len(text), text), money=_refs(text), deal_date=date,
                     published=published)


def test_fx_dollars_need_no_rate() -> None:
    usd = _usd("エヌビディアはオープンAIに1000億ドルを出資する。", "1000億ドル")
    assert (usd.amount_usd, usd.rate, usd.source) == (Decimal(100_000_000_000), Decimal(1), "usd")


def test_fx_stated_dollar_figure_of_this_amount() -> None:
    text = "NTTは2兆3700億円（約160億ドル）でNTTデータを買収する。"
    usd = _usd(text, "2兆3700億円", date="2025-05-08")
    assert usd.source == "stated" and usd.amount_usd == Decimal(16_000_000_000)
    assert usd.rate_text == "2兆3700億円（約160億ドル）"
    assert usd.rate == (Decimal(16_000_000_000) / Decimal(2_370_000_000_000)).quantize(fx.RATE_QUANTUM)


def test_fx_stated_rate_converts_other_amounts_of_the_sentence() -> None:
    text = "エヌビディアはオープンAIに1000億ドル（約15兆円）を投資し、オラクルにも3兆円を支払う。"
    usd = _usd(text, "3兆円", date="2025-09-22")
    assert usd.source == "stated" and usd.amount_usd == Decimal(20_000_000_000)  # 150 yen to the dollar
    assert usd.rate_text == "1000億ドル（約15兆円）"


def test_fx_conversion_in_another_sentence_is_not_used() -> None:
    first = "エヌビディアはオープンAIに1000億ドル（約15兆円）を投資する。"
    text = first + "オラクルは3兆円を支払う。"
    money = {m.text: m for m in find_money(text)}["3兆円"]
    usd = fx.to_usd(value=money.value, currency="JPY", start=money.start,
                    sentence=(len(first), len(text), text[len(first):]), money=_refs(text),
                    deal_date="2025-09-22", published=None)
    assert usd.source == "ecb"


def test_fx_ecb_rate_of_the_deal_date() -> None:
    from currency_converter import CurrencyConverter

    expected = CurrencyConverter(fallback_on_missing_rate=True, fallback_on_wrong_date=True).convert(
        5_500_000_000, "EUR", "USD", date=dt.date(2025, 7, 7))
    usd = _usd("NTTは55億ユーロの社債を発行した。", "55億ユーロ", date="2025-07-07")
    assert usd.source == "ecb" and usd.rate_date == "2025-07-07"
    assert usd.amount_usd == pytest.approx(Decimal(expected), abs=1)


@pytest.mark.parametrize(
    ("deal_date", "published", "expected"),
    [
        ("2025-09-22", dt.date(2025, 9, 23), dt.date(2025, 9, 22)),
        ("2025-09", None, dt.date(2025, 9, 15)),
        ("2025", dt.date(2025, 12, 1), dt.date(2025, 7, 1)),
        ("2030", dt.date(2025, 7, 14), dt.date(2025, 7, 14)),  # a plan: the rate known when written
        (None, dt.date(2025, 7, 14), dt.date(2025, 7, 14)),
        (None, None, None),
    ],
)
def test_fx_rate_date(deal_date: str | None, published: dt.date | None, expected: dt.date | None) -> None:
    assert fx.rate_date(deal_date, published) == expected


def test_fx_unknown_without_a_date_or_a_quoted_currency() -> None:
    assert _usd("ソフトバンクは200億円を借りる。", "200億円") == fx.UNKNOWN
    assert fx.to_usd(value=Decimal(5), currency="XYZ", start=0, sentence=(0, 1, "x"), money=[],
                     deal_date="2025-01-01", published=None) == fx.UNKNOWN
    assert fx.to_usd(value=None, currency=None, start=None, sentence=(0, 1, "x"), money=[],
                     deal_date="2025-01-01", published=None) == fx.UNKNOWN


def test_fx_stored_with_each_mention_and_conversion_flag(sqlite_url: str) -> None:
    text = "2025年8月1日\nソフトバンクグループはアンペアを9750億円（約65億ドル）で買収すると発表した。\n"
    engine = make_engine(sqlite_url)
    raw = RawDocument(origin="yen.txt", text=text, title=None, published=dt.date(2025, 8, 2),
                      source_path="yen.txt", content_type="text", encoding="utf-8")
    store_document(engine=engine, raw=raw, run_id=None, nlp=None)
    with Session(engine) as s:
        [m] = s.execute(select(DealMention)).scalars()
        assert (m.amount_usd, m.usd_rate_source, m.usd_rate_text) == (
            Decimal(6_500_000_000), "stated", "9750億円（約65億ドル）")
        flags = {e.text: e.is_conversion for e in s.execute(
            select(EntityMention).where(EntityMention.label == "MONEY")).scalars()}
    assert flags == {"9750億円": False, "約65億ドル": True}
    engine.dispose()
