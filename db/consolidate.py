"""Deals across documents: per-document ``deals`` rows consolidated into ``consolidated_deals``.

The unit of work is the *block*: the per-document deals with the same canonical source,
the same canonical target and a type of the same family (a GPU purchase and a compute
contract between the same two companies may be one deal; an investment and a loan may
not).  Within a block, :func:`cluster_block` decides which deals are the same real-world
deal; it is a pure function of the set of deals in the block, so the result does not
depend on the order the documents arrived in.

Storing or reprocessing a document recomputes only the blocks of its old and new deals
(:func:`begin_document`, then :func:`refresh_blocks`, called by ``db.store.replace_extraction``
inside the document's transaction).  On PostgreSQL each block is serialised with a
transaction-scoped advisory lock taken, in sorted order, before the document's rows are
rewritten, so two writers touching the same block take turns and the second sees the
first one's rows; SQLite writers are serialised by ``BEGIN IMMEDIATE`` already.

Rules (see docs/ARCHITECTURE.md):

- amounts are compatible when they differ by at most ``AMOUNT_TOLERANCE`` (in the same
  currency, else in dollars); ranges when they overlap within it;
- dates are compatible when the periods they name (a day, a month, a year) are at most
  ``DATE_GAP_DAYS`` apart; a missing date is compatible with every date;
- deals with compatible amounts and dates are one deal (connected components);
- figures that differ by a factor of 10, 100 or 1000 (a misplaced 億 or 千 in a
  transcript) are the same deal reported with conflicting amounts when they come from
  the same document or state the same term (``4年間``), and their dates are compatible;
  the deal keeps every figure and ``conflicting_amounts`` is set;
- a deal without an amount joins the one deal of the block it can belong to (the one
  with a deal from the same document, else the only one with a compatible date); when
  there are several, deals without amounts form their own consolidated deal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from extractors.types import DEAL_STATUSES, DEAL_TYPES
from extractors.types import DocumentExtraction as _Extraction
from models import (
    ConsolidatedDeal,
    ConsolidatedDealMember,
    Deal,
    DealMention,
    Document,
    EntityMention,
)
from torihiki import fx

TYPE_FAMILY = {
    "investment": "equity",
    "equity_offering": "equity",
    "compute_contract": "supply",
    "purchase": "supply",
    "lease": "supply",
    "loan": "debt",
    "bond": "debt",
    "acquisition": "acquisition",
    "partnership": "partnership",
    "other": "other",
}
AMOUNT_TOLERANCE = Decimal("0.10")
DATE_GAP_DAYS = 31
CONFLICT_FACTORS = (10, 100, 1000)
# A misplaced 億 or 千 keeps the digits: 150億 vs 15億 is 10 within rounding, 194億 vs 20億 is not.
CONFLICT_TOLERANCE = Decimal("0.02")
# Firm statuses win over weaker ones; a deal only ever rumored or doubted stays so.
STATUS_RANK = ("completed", "announced", "letter_of_intent", "planned", "denied_or_doubted", "rumored")
QUALIFIER_RANK = ("exact", "total", "approx", "up_to", "over", "range")
PRECISION_RANK = {10: 0, 7: 1, 4: 2}  # len(ISO date) → day, month, year


def block_key(source: str | None, target: str | None, deal_type: str) -> str:
    return "|".join((source or "-", target or "-", TYPE_FAMILY.get(deal_type, deal_type)))


# --- the pure part --------------------------------------------------------------------


@dataclass(frozen=True)
class MentionFacts:
    """What consolidation reads from one deal mention."""

    document: str  # the document's sha256: identity independent of database ids
    ordinal: int
    deal_type: str
    status: str
    amount_value: Decimal | None
    currency: str | None
    amount_qualifier: str | None
    amount_low: Decimal | None
    amount_high: Decimal | None
    amount_usd: Decimal | None
    usd_rate: Decimal | None
    usd_rate_source: str | None
    date: str | None
    published: str | None
    term_text: str | None = None


@dataclass(frozen=True)
class Atom:
    """One per-document deal (``deals`` row) and its mentions."""

    deal_id: int
    document: str
    source: str | None
    target: str | None
    source_company_id: int | None
    target_company_id: int | None
    date: str | None
    mentions: tuple[MentionFacts, ...]
    # The deal's amount: (low, high) in its currency and in dollars (None when unknown).
    currency: str | None = None
    span: tuple[Decimal, Decimal] | None = None
    span_usd: tuple[Decimal, Decimal] | None = None

    @property
    def order(self) -> tuple[str, int]:
        return (self.document, min(m.ordinal for m in self.mentions))

    @property
    def quantified(self) -> bool:
        return self.span is not None

    @property
    def terms(self) -> set[str]:
        return {m.term_text for m in self.mentions if m.term_text}


def _span(m: MentionFacts) -> tuple[Decimal, Decimal] | None:
    """(low, high) of a mention's amount: its value twice, or a range; None when vague."""
    lo, hi = (m.amount_value, m.amount_value) if m.amount_value is not None else (m.amount_low, m.amount_high)
    if lo is None or hi is None or lo <= 0 or hi <= 0:
        return None
    return lo, hi


def make_atom(
    *,
    deal_id: int,
    source: str | None,
    target: str | None,
    source_company_id: int | None,
    target_company_id: int | None,
    date: str | None,
    mentions: Sequence[MentionFacts],
) -> Atom:
    """An atom, its amount taken from its first mention that has one."""
    currency = span = span_usd = None
    for m in sorted(mentions, key=lambda m: m.ordinal):
        if (found := _span(m)) is None:
            continue
        currency, span = m.currency, found
        lo, hi = found
        if m.usd_rate is not None:
            span_usd = (lo * m.usd_rate, hi * m.usd_rate)
        break
    return Atom(
        deal_id=deal_id, document=mentions[0].document, source=source, target=target,
        source_company_id=source_company_id, target_company_id=target_company_id, date=date,
        mentions=tuple(sorted(mentions, key=lambda m: m.ordinal)), currency=currency,
        span=span, span_usd=span_usd,
    )


def _common_spans(a: Atom, b: Atom) -> tuple[tuple[Decimal, Decimal], tuple[Decimal, Decimal]] | None:
    if a.span is None or b.span is None:
        return None
    if a.currency == b.currency:
        return a.span, b.span
    if a.span_usd is None or b.span_usd is None:
        return None
    return a.span_usd, b.span_usd


def amounts_compatible(a: Atom, b: Atom, tolerance: Decimal = AMOUNT_TOLERANCE) -> bool:
    """Overlapping within ``tolerance`` (relative to the larger figure)."""
    spans = _common_spans(a, b)
    if spans is None:
        return False
    (alo, ahi), (blo, bhi) = spans
    gap = max(alo, blo) - min(ahi, bhi)
    return gap <= 0 or gap <= tolerance * max(alo, blo)


def amounts_conflict(a: Atom, b: Atom, tolerance: Decimal = CONFLICT_TOLERANCE) -> bool:
    """Figures a factor of 10, 100 or 1000 apart: one of them is probably mistranscribed."""
    spans = _common_spans(a, b)
    if spans is None:
        return False
    (alo, ahi), (blo, bhi) = spans
    x, y = (alo + ahi) / 2, (blo + bhi) / 2
    ratio = max(x, y) / min(x, y)
    return any(abs(ratio / k - 1) <= tolerance for k in CONFLICT_FACTORS)


def date_period(value: str | None) -> tuple[dt.date, dt.date] | None:
    """The first and last day an ISO date (2025, 2025-09, 2025-09-22) stands for."""
    if not value:
        return None
    try:
        parts = [int(p) for p in value.split("-")]
        if len(parts) == 3:
            day = dt.date(*parts)
            return day, day
        if len(parts) == 2:
            first = dt.date(parts[0], parts[1], 1)
            nxt = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
            return first, nxt - dt.timedelta(days=1)
        return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    except (ValueError, TypeError):
        return None


def dates_compatible(a: str | None, b: str | None) -> bool:
    pa, pb = date_period(a), date_period(b)
    if pa is None or pb is None:
        return True
    gap = (max(pa[0], pb[0]) - min(pa[1], pb[1])).days
    return gap <= DATE_GAP_DAYS


def same_deal(a: Atom, b: Atom) -> bool:
    """Are two quantified deals of one block the same real-world deal?

    Compatible amounts and dates, or conflicting figures (10, 100, 1000 times apart)
    in one document, or in two that describe the deal alike (the same term, ``4年間``),
    with compatible dates.  Across documents a factor of ten alone is not enough: the
    first $10B tranche of a $100B investment is a fact of its own.
    """
    if not dates_compatible(a.date, b.date):
        return False
    if amounts_compatible(a, b):
        return True
    return (a.document == b.document or bool(a.terms & b.terms)) and amounts_conflict(a, b)


class _Components:
    """Union-find over indices; components do not depend on the order of unions."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return list(out.values())


@dataclass
class Cluster:
    atoms: list[Atom] = field(default_factory=list)


def cluster_block(atoms: Iterable[Atom]) -> list[Cluster]:
    """Split one block's atoms into real-world deals (see the module docstring)."""
    ordered = sorted(atoms, key=lambda a: a.order)
    quantified = [a for a in ordered if a.quantified]
    bare = [a for a in ordered if not a.quantified]

    comps = _Components(len(quantified))
    for i, a in enumerate(quantified):
        for j in range(i + 1, len(quantified)):
            if same_deal(a, quantified[j]):
                comps.union(i, j)
    clusters = [Cluster([quantified[i] for i in g]) for g in comps.groups()]

    leftovers: list[Atom] = []
    for atom in bare:
        same_doc = [c for c in clusters if any(a.document == atom.document for a in c.atoms)]
        dated = [c for c in clusters if all(dates_compatible(a.date, atom.date) for a in c.atoms)]
        if len(same_doc) == 1:
            same_doc[0].atoms.append(atom)
        elif not same_doc and len(dated) == 1:
            dated[0].atoms.append(atom)
        else:
            leftovers.append(atom)
    bare_comps = _Components(len(leftovers))
    for i, a in enumerate(leftovers):
        for j in range(i + 1, len(leftovers)):
            if dates_compatible(a.date, leftovers[j].date):
                bare_comps.union(i, j)
    clusters += [Cluster([leftovers[i] for i in g]) for g in bare_comps.groups()]
    for c in clusters:
        c.atoms.sort(key=lambda a: a.order)
    return sorted(clusters, key=lambda c: c.atoms[0].order)


def _figure_groups(atoms: Sequence[Atom]) -> list[list[Atom]]:
    """The quantified atoms of a deal grouped by mutually compatible amounts."""
    quantified = [a for a in atoms if a.quantified]
    comps = _Components(len(quantified))
    for i, a in enumerate(quantified):
        for j in range(i + 1, len(quantified)):
            if amounts_compatible(a, quantified[j]):
                comps.union(i, j)
    return [[quantified[i] for i in g] for g in comps.groups()]


def _amount_key(m: MentionFacts) -> tuple[Decimal | None, str | None, str | None]:
    return (m.amount_value, m.currency, m.amount_qualifier)


def _norm(value: Decimal) -> str:
    return format(value.normalize(), "f")


def summarize(block: str, cluster: Cluster) -> dict[str, Any]:
    """The ``consolidated_deals`` values of one cluster (everything but ``id``)."""
    atoms = cluster.atoms
    mentions = [m for a in atoms for m in a.mentions]
    documents = {m.document for m in mentions}

    figures = _figure_groups(atoms)
    amount: dict[str, Any] = {"amount_value": None, "currency": None, "amount_qualifier": None,
                              "amount_usd": None, "usd_rate_source": None}
    signature = "-"
    if figures:
        def weight(group: list[Atom]) -> tuple[int, int, Decimal]:
            usd = [a.span_usd[0] for a in group if a.span_usd is not None]
            return (-sum(len(a.mentions) for a in group), -len({a.document for a in group}),
                    min(usd) if usd else Decimal(0))

        best = min(figures, key=weight)
        quoted = [m for a in best for m in a.mentions if _span(m) is not None]
        counts = Counter(_amount_key(m) for m in quoted)

        def rank(m: MentionFacts) -> tuple[Any, ...]:
            qual = m.amount_qualifier or "range"
            return (-counts[_amount_key(m)],
                    QUALIFIER_RANK.index(qual) if qual in QUALIFIER_RANK else len(QUALIFIER_RANK),
                    m.currency != fx.USD, m.amount_value if m.amount_value is not None else Decimal(0),
                    m.currency or "", m.document, m.ordinal)

        rep = min(quoted, key=rank)
        usd_source = next((m for m in sorted(quoted, key=rank) if m.amount_usd is not None), None)
        amount = {
            "amount_value": rep.amount_value, "currency": rep.currency,
            "amount_qualifier": rep.amount_qualifier,
            "amount_usd": usd_source.amount_usd if usd_source else None,
            "usd_rate_source": usd_source.usd_rate_source if usd_source else None,
        }
        if rep.amount_value is not None:
            signature = f"{_norm(rep.amount_value)} {rep.currency or '-'}"
        else:
            assert rep.amount_low is not None and rep.amount_high is not None
            signature = f"{_norm(rep.amount_low)}-{_norm(rep.amount_high)} {rep.currency or '-'}"

    usd_values = [m.amount_usd for m in mentions if m.amount_usd is not None]
    dates = Counter(m.date for m in mentions if m.date)
    date = min(dates, key=lambda d: (PRECISION_RANK.get(len(d), 3), -dates[d], d)) if dates else None
    statuses = sorted({m.status for m in mentions})
    status = min(statuses, key=lambda s: STATUS_RANK.index(s) if s in STATUS_RANK else len(STATUS_RANK))
    types = Counter(m.deal_type for m in mentions)
    deal_type = min(types, key=lambda t: (-types[t], DEAL_TYPES.index(t) if t in DEAL_TYPES else 99))
    published = sorted(m.published for m in mentions if m.published)
    first = atoms[0]
    return {
        "deal_key": f"{block}|{signature}|{date or '-'}",
        "block_key": block,
        "source": first.source,
        "target": first.target,
        "source_company_id": next((a.source_company_id for a in atoms if a.source_company_id), None),
        "target_company_id": next((a.target_company_id for a in atoms if a.target_company_id), None),
        "deal_type": deal_type,
        "status": status,
        "statuses": ",".join(s for s in DEAL_STATUSES if s in statuses),
        **amount,
        "amount_usd_min": min(usd_values) if usd_values else None,
        "amount_usd_max": max(usd_values) if usd_values else None,
        "conflicting_amounts": len(figures) > 1,
        "date": date,
        "first_seen": published[0] if published else None,
        "last_seen": published[-1] if published else None,
        "mention_count": len(mentions),
        "document_count": len(documents),
    }


def consolidate_block(block: str, atoms: Iterable[Atom]) -> list[tuple[dict[str, Any], list[int]]]:
    """(consolidated values, member deal ids) per real-world deal of the block; keys unique."""
    out: list[tuple[dict[str, Any], list[int]]] = []
    seen: Counter[str] = Counter()
    for cluster in cluster_block(atoms):
        values = summarize(block, cluster)
        seen[values["deal_key"]] += 1
        if seen[values["deal_key"]] > 1:  # two deals summarised alike: keep both, apart
            values["deal_key"] += f"#{seen[values['deal_key']]}"
        out.append((values, [a.deal_id for a in cluster.atoms]))
    return out


# --- the database part ----------------------------------------------------------------


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big", signed=True)


def lock_blocks(session: Session, keys: Iterable[str]) -> None:
    """Serialise writers of the same blocks (PostgreSQL; SQLite has one writer at a time).

    Locks are taken in sorted order, so two writers cannot wait for each other.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_id(key)})


def begin_document(*, session: Session, document_id: int, extraction: _Extraction) -> set[str]:
    """Before a document's derived rows are replaced: lock the blocks it touches, old and new."""
    old = session.execute(
        select(Deal.source, Deal.target, Deal.deal_type).where(Deal.document_id == document_id)
    ).all()
    blocks = {block_key(s, t, ty) for s, t, ty in old}
    blocks |= {block_key(m.source, m.target, m.deal_type) for m in extraction.deals}
    lock_blocks(session, blocks)
    return blocks


def money_refs(extraction: _Extraction) -> list[fx.MoneyRef]:
    """The money expressions of an extraction, as :mod:`torihiki.fx` reads them."""
    return [fx.MoneyRef(m.start, m.end, m.value, m.currency, m.is_conversion) for m in extraction.money]


def usd_columns(
    mention: Mapping[str, Any], money: Sequence[fx.MoneyRef], published: dt.date | None
) -> dict[str, Any]:
    """The dollar columns of a ``deal_mentions`` row (given as its column values)."""
    usd = fx.to_usd(
        value=mention["amount_value"], currency=mention["currency"], start=mention["amount_start"],
        sentence=(mention["char_start"], mention["char_end"], mention["evidence"]), money=money,
        deal_date=mention["date"], published=published,
    )
    return {"amount_usd": usd.amount_usd, "usd_rate": usd.rate, "usd_rate_source": usd.source,
            "usd_rate_date": usd.rate_date, "usd_rate_text": usd.rate_text}


def prepare_document(*, session: Session, document_id: int, money: Sequence[fx.MoneyRef]) -> set[str]:
    """Set the dollar amounts of a document's stored mentions and the block keys of its deals
    (rows stored before consolidation existed; new rows are written with both)."""
    published = session.execute(
        select(Document.published).where(Document.id == document_id)
    ).scalar_one_or_none()
    mentions = session.execute(
        select(DealMention).where(DealMention.document_id == document_id)
    ).scalars()
    for m in mentions:
        values = usd_columns({
            "amount_value": m.amount_value, "currency": m.currency, "amount_start": m.amount_start,
            "char_start": m.char_start, "char_end": m.char_end, "evidence": m.evidence, "date": m.date,
        }, money, published)
        for column, value in values.items():
            setattr(m, column, value)
    blocks = set()
    for deal in session.execute(select(Deal).where(Deal.document_id == document_id)).scalars():
        deal.block_key = block_key(deal.source, deal.target, deal.deal_type)
        blocks.add(deal.block_key)
    session.flush()
    return blocks


def _load_atoms(session: Session, keys: Sequence[str]) -> dict[str, list[Atom]]:
    deals = session.execute(
        select(
            Deal.id, Deal.block_key, Deal.source, Deal.target, Deal.source_company_id,
            Deal.target_company_id, Deal.date, Document.sha256, Document.published,
        )
        .join(Document, Document.id == Deal.document_id)
        .where(Deal.block_key.in_(keys))
    ).all()
    if not deals:
        return {}
    info = {d.id: d for d in deals}
    facts: dict[int, list[MentionFacts]] = {}
    rows = session.execute(
        select(
            DealMention.deal_id, DealMention.ordinal, DealMention.deal_type, DealMention.status,
            DealMention.amount_value, DealMention.currency, DealMention.amount_qualifier,
            DealMention.amount_low, DealMention.amount_high, DealMention.amount_usd,
            DealMention.usd_rate, DealMention.usd_rate_source, DealMention.date, DealMention.term_text,
        ).where(DealMention.deal_id.in_(list(info)))
    ).all()
    for r in rows:
        d = info[r.deal_id]
        facts.setdefault(r.deal_id, []).append(MentionFacts(
            document=d.sha256, ordinal=r.ordinal, deal_type=r.deal_type, status=r.status,
            amount_value=r.amount_value, currency=r.currency, amount_qualifier=r.amount_qualifier,
            amount_low=r.amount_low, amount_high=r.amount_high, amount_usd=r.amount_usd,
            usd_rate=r.usd_rate, usd_rate_source=r.usd_rate_source, date=r.date,
            published=d.published.isoformat() if d.published else None, term_text=r.term_text,
        ))
    atoms: dict[str, list[Atom]] = {}
    for deal_id, mentions in facts.items():
        d = info[deal_id]
        atoms.setdefault(d.block_key, []).append(make_atom(
            deal_id=deal_id, source=d.source, target=d.target,
            source_company_id=d.source_company_id, target_company_id=d.target_company_id,
            date=d.date, mentions=mentions,
        ))
    return atoms


def refresh_blocks(*, session: Session, keys: Iterable[str]) -> None:
    """Recompute the consolidated deals of these blocks from their per-document deals.

    Rows whose key survives are updated in place (their id stays), new keys are
    inserted, vanished ones deleted; the membership of every deal of the blocks is
    rewritten.  Runs in the caller's transaction, under the blocks' locks.
    """
    keys = sorted(set(keys))
    if not keys:
        return
    session.flush()
    atoms = _load_atoms(session, keys)
    existing = {
        key: cid for key, cid in session.execute(
            select(ConsolidatedDeal.deal_key, ConsolidatedDeal.id)
            .where(ConsolidatedDeal.block_key.in_(keys))
        )
    }
    all_deal_ids = [a.deal_id for block in atoms.values() for a in block]
    if all_deal_ids:
        session.execute(
            delete(ConsolidatedDealMember).where(ConsolidatedDealMember.deal_id.in_(all_deal_ids))
        )
    table = cast(Table, ConsolidatedDeal.__table__)
    updates: list[dict[str, Any]] = []
    inserts: list[tuple[dict[str, Any], list[int]]] = []
    members: list[dict[str, int]] = []
    for block in keys:
        for values, deal_ids in consolidate_block(block, atoms.get(block, ())):
            cid = existing.get(values["deal_key"])
            if cid is None:
                inserts.append((values, deal_ids))
            else:
                updates.append({"cid": cid, **values})
                members += [{"deal_id": d, "consolidated_deal_id": cid} for d in deal_ids]
    kept = {u["cid"] for u in updates}
    gone = [cid for cid in existing.values() if cid not in kept]
    if gone:
        session.execute(delete(table).where(table.c.id.in_(gone)))
    if updates:  # one executemany; the SET clause is every column of the values
        session.execute(update(table).where(table.c.id == bindparam("cid")), updates)
    if inserts:  # one executemany, in block order; then their ids by (unique) key
        session.execute(insert(table), [values for values, _ in inserts])
        keys_added = [values["deal_key"] for values, _ in inserts]
        new_ids = dict(session.execute(
            select(table.c.deal_key, table.c.id).where(table.c.deal_key.in_(keys_added))
        ).tuples().all())
        for values, deal_ids in inserts:
            members += [{"deal_id": d, "consolidated_deal_id": new_ids[values["deal_key"]]} for d in deal_ids]
    if members:
        session.execute(insert(cast(Table, ConsolidatedDealMember.__table__)), members)


def _stored_money(session: Session, document_id: int) -> list[fx.MoneyRef]:
    rows = session.execute(
        select(EntityMention.char_start, EntityMention.char_end, EntityMention.value,
               EntityMention.canonical, EntityMention.is_conversion)
        .where(EntityMention.document_id == document_id, EntityMention.label == "MONEY")
    ).all()
    return [fx.MoneyRef(r[0], r[1], Decimal(r[2]) if r[2] else None, r[3], bool(r[4])) for r in rows]


def rebuild(*, engine: Engine, pending_only: bool = True) -> int:
    """Consolidate from the stored rows: deals never consolidated (a database migrated from
    an older schema), or everything (``pending_only=False``, after changing the rules).

    One transaction per document for the dollar amounts and block keys, then one per
    block.  Returns the number of blocks recomputed.
    """
    from db.store import transaction

    with Session(engine) as s:
        q = select(Deal.document_id).distinct()
        if pending_only:
            q = q.where(Deal.block_key.is_(None))
        docs = sorted(int(d) for d in s.execute(q).scalars())
    blocks: set[str] = set()
    for doc_id in docs:
        with transaction(engine) as session:
            blocks |= prepare_document(
                session=session, document_id=doc_id, money=_stored_money(session, doc_id)
            )
    if not pending_only:
        with Session(engine) as s:
            blocks |= {k for k in s.execute(select(ConsolidatedDeal.block_key).distinct()).scalars()}
    for key in sorted(blocks):
        with transaction(engine) as session:
            lock_blocks(session, [key])
            refresh_blocks(session=session, keys=[key])
    return len(blocks)
