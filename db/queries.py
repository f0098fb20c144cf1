"""Read-side queries behind ``torihiki export``.

The field names of these records are the export contract: tests pin them.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from models import Deal, DealMention, DocumentSource, EntityMention, Metric

DEAL_MENTION_FIELDS = (
    "document", "document_id", "deal_id", "source", "target", "deal_type", "status",
    "amount_value", "currency", "amount_qualifier", "amount_text", "date", "date_text",
    "evidence", "start", "end",
)
MENTION_FIELDS = ("document", "document_id", "label", "text", "canonical", "start", "end")
METRIC_FIELDS = (
    "document", "document_id", "company", "kind", "amount_value", "currency", "amount_text",
    "evidence",
)
DEAL_FIELDS = (
    "deal_id", "document", "document_id", "source", "target", "deal_type", "status",
    "amount_value", "currency", "amount_qualifier", "date", "mention_count",
)

EXPORTS = {
    "deal-mentions": DEAL_MENTION_FIELDS,
    "mentions": MENTION_FIELDS,
    "metrics": METRIC_FIELDS,
    "deals": DEAL_FIELDS,
}


def json_number(value: Decimal | None) -> int | float | None:
    """A Decimal amount as a JSON number: an int when it is whole."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _first_origin() -> Any:
    """Subquery: each document's first recorded origin (path or URL as given)."""
    first = (
        select(DocumentSource.document_id, func.min(DocumentSource.id).label("sid"))
        .group_by(DocumentSource.document_id)
        .subquery()
    )
    return (
        select(DocumentSource.document_id, DocumentSource.origin)
        .join(first, DocumentSource.id == first.c.sid)
        .subquery()
    )


def iter_export(engine: Engine, kind: str) -> Iterator[dict[str, Any]]:
    origin = _first_origin()
    with Session(engine) as s:
        if kind == "deal-mentions":
            q = (
                select(DealMention, origin.c.origin)
                .join(origin, origin.c.document_id == DealMention.document_id)
                .order_by(DealMention.document_id, DealMention.ordinal)
            )
            for m, doc in s.execute(q):
                yield {
                    "document": doc, "document_id": m.document_id, "deal_id": m.deal_id,
                    "source": m.source, "target": m.target, "deal_type": m.deal_type,
                    "status": m.status, "amount_value": json_number(m.amount_value),
                    "currency": m.currency, "amount_qualifier": m.amount_qualifier,
                    "amount_text": m.amount_text, "date": m.date, "date_text": m.date_text,
                    "evidence": m.evidence, "start": m.char_start, "end": m.char_end,
                }
        elif kind == "mentions":
            q2 = (
                select(EntityMention, origin.c.origin)
                .join(origin, origin.c.document_id == EntityMention.document_id)
                .order_by(EntityMention.document_id, EntityMention.char_start,
                          EntityMention.label)
            )
            for e, doc in s.execute(q2):
                yield {
                    "document": doc, "document_id": e.document_id, "label": e.label,
                    "text": e.text, "canonical": e.canonical if e.label == "COMPANY" else None,
                    "start": e.char_start, "end": e.char_end,
                }
        elif kind == "metrics":
            q3 = (
                select(Metric, origin.c.origin)
                .join(origin, origin.c.document_id == Metric.document_id)
                .order_by(Metric.document_id, Metric.amount_start)
            )
            for mt, doc in s.execute(q3):
                yield {
                    "document": doc, "document_id": mt.document_id, "company": mt.company,
                    "kind": mt.kind, "amount_value": json_number(mt.amount_value),
                    "currency": mt.currency, "amount_text": mt.amount_text,
                    "evidence": mt.evidence,
                }
        elif kind == "deals":
            q4 = (
                select(Deal, origin.c.origin)
                .join(origin, origin.c.document_id == Deal.document_id)
                .order_by(Deal.document_id, Deal.id)
            )
            for d, doc in s.execute(q4):
                yield {
                    "deal_id": d.id, "document": doc, "document_id": d.document_id,
                    "source": d.source, "target": d.target, "deal_type": d.deal_type,
                    "status": d.status, "amount_value": json_number(d.amount_value),
                    "currency": d.currency, "amount_qualifier": d.amount_qualifier,
                    "date": d.date, "mention_count": d.mention_count,
                }
        else:
            raise ValueError(f"unknown export {kind!r}; choose from {', '.join(EXPORTS)}")
