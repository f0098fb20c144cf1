"""Domain types produced by the extractors.

Every extractor is pure: text (or a spaCy ``Doc``) in, frozen dataclasses out.
Offsets are always character offsets into the text the function was given;
the document layer maps them back to the stored raw text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Qualifier = Literal["exact", "up_to", "approx", "over", "range", "total"]
DatePrecision = Literal["day", "month", "year"]
DateKind = Literal["absolute", "relative", "duration", "vague"]
DealType = Literal[
    "investment",
    "acquisition",
    "compute_contract",
    "purchase",
    "lease",
    "loan",
    "bond",
    "equity_offering",
    "partnership",
    "other",
]
DealStatus = Literal["announced", "letter_of_intent", "completed", "rumored", "planned", "denied_or_doubted"]
MetricKind = Literal[
    "revenue",
    "loss",
    "market_cap",
    "cash",
    "debt_outstanding",
    "capex",
    "valuation",
    "cost",
    "funding_need",
    "spending_plan",
    "buyback",
    "other",
]

DEAL_TYPES: tuple[str, ...] = DealType.__args__  # type: ignore[attr-defined]
DEAL_STATUSES: tuple[str, ...] = DealStatus.__args__  # type: ignore[attr-defined]
METRIC_KINDS: tuple[str, ...] = MetricKind.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class MoneyAmount:
    """A monetary expression such as ``最大1000億ドル`` or ``29万4,000ドル``.

    ``text`` is the amount as written, including an adjacent 約/最大 prefix and
    an adjacent 以上 suffix.  ``value`` is in currency units (None for vague
    amounts such as 数十億ドル and for ranges, whose bounds are ``low``/``high``).
    """

    start: int
    end: int
    text: str
    value: Decimal | None
    currency: str | None
    qualifier: Qualifier | None
    low: Decimal | None = None
    high: Decimal | None = None
    # True when this amount restates the previous one in another currency,
    # e.g. the （約15兆円） in ``1000億ドル（約15兆円）`` or ``= 約15兆円``.
    is_conversion: bool = False


@dataclass(frozen=True)
class DateMention:
    """A date or duration expression, normalized against a publication date.

    ``value`` is ISO and partial where the text is: ``2025``, ``2025-09``,
    ``2025-09-22``.  Durations (5年間) have ``kind == "duration"`` and no value.
    ``resolved`` is False for a relative expression that could not be anchored
    (no publication date), and ``year_unknown`` when a month/day has no year.
    """

    start: int
    end: int
    text: str
    value: str | None
    precision: DatePrecision | None
    kind: DateKind
    resolved: bool = True
    year_unknown: bool = False
    # For ranges such as 1〜3月: ``value`` is the start, ``end_value`` the end.
    end_value: str | None = None


@dataclass(frozen=True)
class CompanyMention:
    start: int
    end: int
    text: str
    canonical: str
    kind: str  # company, media, person, product, jv, country, government
    verified: bool = True  # False for GiNZA-found names missing from the registry
    source: str = "registry"  # registry | ginza | anaphora


@dataclass(frozen=True)
class DealMention:
    sentence_start: int
    sentence_end: int
    evidence: str
    deal_type: DealType
    status: DealStatus
    source: str | None
    target: str | None
    amount: MoneyAmount | None
    date: DateMention | None
    term_text: str | None = None
    trigger: str | None = None


@dataclass(frozen=True)
class Metric:
    sentence_start: int
    sentence_end: int
    evidence: str
    kind: MetricKind
    company: str | None
    amount: MoneyAmount


@dataclass(frozen=True)
class DocumentExtraction:
    """Everything the extractors found in one document; offsets into its stored text."""

    companies: tuple[CompanyMention, ...] = ()
    money: tuple[MoneyAmount, ...] = ()
    dates: tuple[DateMention, ...] = ()
    deals: tuple[DealMention, ...] = ()
    metrics: tuple[Metric, ...] = ()
    sentences: tuple[tuple[int, int], ...] = field(default=())
