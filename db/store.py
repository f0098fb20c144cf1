"""All writes: keyword-only functions, one transaction per document, upserts on natural keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Table, and_, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from db import consolidate
from extractors.registry import Entity, fold_name
from extractors.types import DealMention as DealMentionRecord
from extractors.types import DocumentExtraction
from models import (
    Company,
    CompanyAlias,
    ConsolidatedDeal,
    ConsolidatedDealMember,
    Deal,
    DealMention,
    Document,
    DocumentSource,
    EntityMention,
    Metric,
    Quarantine,
    Run,
)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed as a whole or rolled back as a whole."""
    with Session(engine, expire_on_commit=False) as session:
        with session.begin():
            yield session
        _publish_companies(engine, session)  # committed: the ids it saw are safe to reuse


_T = TypeVar("_T")

# PostgreSQL: serialization failure, deadlock, unique violation (a concurrent
# insert of the same natural key), lock timeout.
_TRANSIENT_PG = frozenset({"40001", "40P01", "23505", "55P03"})


def is_transient(exc: BaseException) -> bool:
    """Whether a failed transaction may succeed when simply run again (concurrency)."""
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if code is not None:
            return code in _TRANSIENT_PG
        message = str(exc.orig).lower()
        if isinstance(exc, OperationalError):
            return "locked" in message or "busy" in message
        if isinstance(exc, IntegrityError):
            return "unique constraint failed" in message
    return False


def in_transaction(engine: Engine, work: Callable[[Session], _T], *, attempts: int = 5) -> _T:
    """Run ``work`` in one transaction, again (in a new one) when it failed only
    because of a concurrent run: deadlock, serialization failure, a unique key
    inserted meanwhile, a locked SQLite file.  Each attempt commits whole or
    not at all, so a retry never leaves half of an earlier attempt behind."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction(engine) as session:
                return work(session)
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            time.sleep(0.05 * 2**attempt * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover


def _insert(session: Session, model: type[Any]) -> Any:
    """The dialect's INSERT (with ``on_conflict_do_nothing``) into ``model``'s table."""
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return ins(model.__table__)


def _insert_ignore(session: Session, model: type[Any], values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING, on SQLite and PostgreSQL."""
    session.execute(_insert(session, model).on_conflict_do_nothing(), values)


# --- runs and quarantine -------------------------------------------------


def start_run(*, engine: Engine, flow: str, params: dict[str, Any], extractor_version: str) -> int:
    with transaction(engine) as s:
        run = Run(
            flow=flow,
            started_at=_now(),
            params=params,
            extractor_version=extractor_version,
            errors=[],
        )
        s.add(run)
        s.flush()
        return run.id


def record_run(
    *,
    session: Session,
    flow: str,
    params: dict[str, Any],
    extractor_version: str,
    started_at: dt.datetime,
    counts: dict[str, int],
    errors: list[str],
) -> int:
    """A finished run in one statement (a run that needed no flow), in the caller's transaction."""
    return int(session.execute(
        insert(Run).values(
            flow=flow, started_at=started_at, finished_at=_now(), params=params,
            extractor_version=extractor_version, status="partial" if errors else "ok",
            errors=errors, **counts,
        ).returning(Run.id)
    ).scalar_one())


def finish_run(*, engine: Engine, run_id: int, counts: dict[str, int], errors: list[str]) -> None:
    with transaction(engine) as s:
        s.execute(
            update(Run)
            .where(Run.id == run_id)
            .values(
                finished_at=_now(),
                status="partial" if errors else "ok",
                errors=errors,
                **counts,
            )
        )


def quarantine(
    *,
    engine: Engine,
    origin: str,
    code: str,
    reason: str,
    run_id: int | None,
    document_id: int | None = None,
) -> None:
    """Record a failed input; the same origin failing the same way again is one row."""
    with transaction(engine) as s:
        _insert_ignore(
            s,
            Quarantine,
            {"origin": origin, "error_code": code, "reason": reason, "occurrences": 0},
        )
        s.execute(
            update(Quarantine)
            .where(Quarantine.origin == origin, Quarantine.error_code == code)
            .values(
                reason=reason,
                document_id=document_id,
                last_run_id=run_id,
                occurrences=Quarantine.occurrences + 1,
                last_seen=_now(),
                resolved=False,
            )
        )


def resolve_quarantine(*, session: Session, origin: str) -> None:
    session.execute(update(Quarantine).where(Quarantine.origin == origin).values(resolved=True))


# --- documents -----------------------------------------------------------


@dataclass(frozen=True)
class StoredDocument:
    id: int
    extractor_version: str | None
    published: dt.date | None
    # Of the origins asked about (``find_documents``), those recorded as its sources already.
    origins: frozenset[str] = frozenset()


# Hashes per look-up query: far below SQLite's and PostgreSQL's bound-parameter limits.
_LOOKUP_CHUNK = 500


def find_documents(
    *, engine: Engine, origins_by_sha256: Mapping[str, Iterable[str]]
) -> dict[str, StoredDocument]:
    """The stored documents among these content hashes, each with those of its given origins
    that are recorded already: one query (per 500 hashes), no transaction left open."""
    found: dict[str, StoredDocument] = {}
    digests = sorted(origins_by_sha256)
    with engine.connect() as conn:
        for i in range(0, len(digests), _LOOKUP_CHUNK):
            chunk = digests[i : i + _LOOKUP_CHUNK]
            origins = sorted({o for d in chunk for o in origins_by_sha256[d]})
            known = and_(DocumentSource.document_id == Document.id, DocumentSource.origin.in_(origins))
            rows = conn.execute(
                select(Document.sha256, Document.id, Document.extractor_version, Document.published,
                       DocumentSource.origin)
                .outerjoin(DocumentSource, known)
                .where(Document.sha256.in_(chunk))
            ).all()
            recorded: dict[str, set[str]] = {}
            for digest, doc_id, version, published, origin in rows:
                recorded.setdefault(digest, set())
                if origin is not None:
                    recorded[digest].add(origin)
                found[digest] = StoredDocument(int(doc_id), version, published)
            for digest, origins_found in recorded.items():
                doc = found[digest]
                found[digest] = StoredDocument(doc.id, doc.extractor_version, doc.published,
                                               frozenset(origins_found))
    return found


def add_source(
    *, session: Session, document_id: int, origin: str, source_path: str | None, run_id: int | None
) -> None:
    add_sources(session=session, sources=[(document_id, origin, source_path)], run_id=run_id)


def add_sources(
    *, session: Session, sources: Sequence[tuple[int, str, str | None]], run_id: int | None
) -> None:
    """Record (document id, origin, source path) triples; those recorded already stay as they are."""
    if not sources:
        return
    session.execute(
        _insert(session, DocumentSource).on_conflict_do_nothing(),
        [{"document_id": doc_id, "origin": origin, "source_path": path, "first_run_id": run_id}
         for doc_id, origin, path in sources],
    )


def upsert_document(
    *,
    session: Session,
    text: str,
    title: str | None,
    published: dt.date | None,
    published_source: str,
    content_type: str,
    encoding: str | None,
    notes: Sequence[str],
) -> int:
    """Insert the document if its content is new; return its id either way."""
    digest = sha256_text(text)
    _insert_ignore(
        session,
        Document,
        {
            "sha256": digest,
            "text": text,
            "title": title,
            "published": published,
            "published_source": published_source,
            "content_type": content_type,
            "encoding": encoding,
            "notes": list(notes),
            "char_count": len(text),
        },
    )
    doc_id = session.execute(select(Document.id).where(Document.sha256 == digest)).scalar_one()
    return int(doc_id)


# --- companies -----------------------------------------------------------

# Company ids by canonical name, per engine (so per database), for the life of the process.
# Only ids seen in a transaction that committed are kept (``transaction`` publishes them
# after the commit), and companies are never deleted, so a cached id always names its
# company; a name not cached is looked up.
_COMPANY_IDS: WeakKeyDictionary[Engine, dict[str, int]] = WeakKeyDictionary()
_PENDING_COMPANIES = "torihiki.company_ids"


def _company_cache(session: Session) -> dict[str, int]:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return _COMPANY_IDS.setdefault(engine, {})


def _publish_companies(engine: Engine, session: Session) -> None:
    """After a commit: the company ids the transaction saw are safe to reuse."""
    pending = session.info.pop(_PENDING_COMPANIES, None)
    if pending:
        _COMPANY_IDS.setdefault(engine, {}).update(pending)


def _select_company_ids(session: Session, names: Sequence[str]) -> dict[str, int]:
    if not names:
        return {}
    rows = session.execute(select(Company.name, Company.id).where(Company.name.in_(names)))
    return {name: int(company_id) for name, company_id in rows}


def company_ids(*, session: Session, entities: Sequence[Entity]) -> dict[str, int]:
    """Company ids by name for registry (or GiNZA-found) entities, creating the missing ones
    and their aliases once: one look-up of the names not cached, one insert per table.

    Companies are inserted in name order, so two writers creating the same companies
    take their locks in the same order and cannot deadlock.
    """
    cache = _company_cache(session)
    ids = {e.name: cache[e.name] for e in entities if e.name in cache}
    wanted = {e.name: e for e in entities if e.name not in ids}
    if not wanted:
        return ids
    found = _select_company_ids(session, sorted(wanted))
    missing = [wanted[name] for name in sorted(wanted) if name not in found]
    if missing:
        session.execute(
            _insert(session, Company).on_conflict_do_nothing(),
            [{"name": e.name, "kind": e.kind, "ticker": e.ticker, "verified": e.verified} for e in missing],
        )
        created = _select_company_ids(session, [e.name for e in missing])
        session.execute(
            _insert(session, CompanyAlias).on_conflict_do_nothing(),
            [{"company_id": created[e.name], "alias": alias, "alias_folded": fold_name(alias)}
             for e in missing for alias in (e.name, *e.aliases)],
        )
        found.update(created)
    session.info.setdefault(_PENDING_COMPANIES, {}).update(found)
    return {**ids, **found}


# --- derived rows --------------------------------------------------------


def _deal_key(m: DealMentionRecord) -> str:
    amount = m.amount
    value = "-" if amount is None or amount.value is None else format(amount.value.normalize(), "f")
    currency = "-" if amount is None or amount.currency is None else amount.currency
    return "|".join((m.source or "-", m.target or "-", m.deal_type, value, currency))


def _fields(record: object | None, **columns: str) -> dict[str, Any]:
    """``{column: record.attribute}`` for every ``column="attribute"``; all None without a record."""
    return {column: None if record is None else getattr(record, attribute)
            for column, attribute in columns.items()}


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _insert_rows(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """One executemany INSERT (every row with the same keys)."""
    if rows:
        session.execute(insert(_table(model)), rows)


def replace_extraction(
    *,
    session: Session,
    document_id: int,
    extraction: DocumentExtraction,
    entities: dict[str, Entity],
    extractor_version: str,
) -> int:
    """Replace every derived row of a document by ``extraction``; returns the deal-mention count.

    Runs inside the caller's transaction, so a document is rewritten whole or not at all.
    The document row is locked first, so two runs rewriting the same document
    take turns (the second deletes the first one's rows, never half of them),
    and companies are created in name order, so concurrent runs cannot deadlock.
    The consolidated deals of the blocks the document touches (old and new deals) are
    locked next and recomputed last (``db.consolidate``).  Rows are written with one
    INSERT per table (Core, executemany); dollar amounts and block keys are computed
    before they are written.
    """
    published = session.execute(
        select(Document.published).where(Document.id == document_id).with_for_update()
    ).scalar_one()
    blocks = consolidate.begin_document(session=session, document_id=document_id, extraction=extraction)
    for model in (DealMention, Deal, Metric, EntityMention):
        session.execute(delete(_table(model)).where(_table(model).c.document_id == document_id))

    named = {c.canonical for c in extraction.companies if c.kind != "person"}
    named.update(n for m in extraction.deals for n in (m.source, m.target) if n is not None)
    named.update(m.company for m in extraction.metrics if m.company is not None)
    ids = company_ids(session=session, entities=[entities[n] for n in sorted(named) if n in entities])

    def company_id(name: str | None) -> int | None:
        return None if name is None else ids.get(name)

    v = extractor_version
    base = {"document_id": document_id, "extractor_version": v}
    mentions = [
        {**base, "label": "COMPANY", "text": c.text, "canonical": c.canonical,
         "company_id": company_id(c.canonical) if c.kind != "person" else None, "value": c.kind,
         "char_start": c.start, "char_end": c.end, "is_conversion": False}
        for c in extraction.companies
    ]
    mentions += [
        {**base, "label": "MONEY", "text": money.text, "canonical": money.currency, "company_id": None,
         "value": None if money.value is None else format(money.value.normalize(), "f"),
         "char_start": money.start, "char_end": money.end, "is_conversion": money.is_conversion}
        for money in extraction.money
    ]
    mentions += [
        {**base, "label": "DURATION" if d.kind == "duration" else "DATE", "text": d.text, "canonical": None,
         "company_id": None, "value": d.value, "char_start": d.start, "char_end": d.end,
         "is_conversion": False}
        for d in extraction.dates
    ]
    _insert_rows(session, EntityMention, mentions)

    deals: dict[str, dict[str, Any]] = {}
    by_parties: dict[tuple[str | None, str | None, str], dict[str, Any]] = {}
    deal_rows: list[dict[str, Any]] = []
    mention_rows: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (its deal, the mention)
    money_refs = consolidate.money_refs(extraction)
    for ordinal, m in enumerate(extraction.deals):
        key = _deal_key(m)
        deal = deals.get(key)
        if deal is None and m.amount is None:
            # An amount-less mention joins the deal of the same parties and type.
            deal = by_parties.get((m.source, m.target, m.deal_type))
        if deal is None:
            deal = {
                **base, "deal_key": key, "source_company_id": company_id(m.source),
                "target_company_id": company_id(m.target), "source": m.source, "target": m.target,
                "deal_type": m.deal_type, "status": m.status,
                **_fields(m.amount, amount_value="value", currency="currency", amount_qualifier="qualifier"),
                "date": None, "mention_count": 0,
                "block_key": consolidate.block_key(m.source, m.target, m.deal_type),
            }
            deal_rows.append(deal)
            deals[key] = deal
            by_parties.setdefault((m.source, m.target, m.deal_type), deal)
        deal["mention_count"] += 1
        if deal["date"] is None and m.date is not None:
            deal["date"] = m.date.value
        mention = {
            **base, "ordinal": ordinal, "source": m.source, "target": m.target,
            "deal_type": m.deal_type, "status": m.status,
            **_fields(m.amount, amount_value="value", amount_low="low", amount_high="high",
                      currency="currency", amount_qualifier="qualifier", amount_text="text",
                      amount_start="start", amount_end="end"),
            **_fields(m.date, date="value", date_precision="precision", date_text="text"),
            "date_resolved": m.date is None or m.date.resolved,
            "term_text": m.term_text, "trigger": m.trigger, "evidence": m.evidence,
            "char_start": m.sentence_start, "char_end": m.sentence_end,
        }
        mention.update(consolidate.usd_columns(mention, money_refs, published))
        mention_rows.append((deal, mention))
    _insert_rows(session, Deal, deal_rows)
    if deal_rows:  # ids by natural key: one query (RETURNING in order is row by row on SQLite)
        deal_ids = dict(session.execute(
            select(Deal.deal_key, Deal.id).where(Deal.document_id == document_id)
        ).tuples().all())
    _insert_rows(session, DealMention, [{**mention, "deal_id": deal_ids[deal["deal_key"]]}
                                        for deal, mention in mention_rows])
    _insert_rows(session, Metric, [
        {**base, "company": metric.company, "company_id": company_id(metric.company),
         "kind": metric.kind,
         **_fields(metric.amount, amount_value="value", currency="currency", amount_qualifier="qualifier",
                   amount_text="text", amount_start="start", amount_end="end"),
         "evidence": metric.evidence, "char_start": metric.sentence_start, "char_end": metric.sentence_end}
        for metric in extraction.metrics
    ])
    consolidate.refresh_blocks(session=session, keys=blocks)
    session.execute(
        update(Document).where(Document.id == document_id).values(extractor_version=v, processed_at=_now())
    )
    return len(extraction.deals)


def documents_to_reprocess(
    *, engine: Engine, ids: Sequence[int] | None, stale_only: bool, extractor_version: str
) -> list[int]:
    with Session(engine) as s:
        q = select(Document.id).order_by(Document.id)
        if ids:
            q = q.where(Document.id.in_(list(ids)))
        if stale_only:
            q = q.where(
                (Document.extractor_version.is_(None)) | (Document.extractor_version != extractor_version)
            )
        return [int(i) for i in s.execute(q).scalars()]


def load_document(*, engine: Engine, document_id: int) -> tuple[str, dt.date | None, str]:
    """Text, publication date and first origin of a stored document."""
    with Session(engine) as s:
        doc = s.get(Document, document_id)
        if doc is None:
            raise KeyError(document_id)
        origin = s.execute(
            select(DocumentSource.origin)
            .where(DocumentSource.document_id == document_id)
            .order_by(DocumentSource.id)
            .limit(1)
        ).scalar()
        return doc.text, doc.published, origin or f"document:{document_id}"


def count_rows(*, engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            m.__tablename__: int(s.execute(select(func.count()).select_from(m)).scalar_one())
            for m in (
                Document,
                DocumentSource,
                Company,
                CompanyAlias,
                EntityMention,
                Deal,
                DealMention,
                Metric,
                Quarantine,
                ConsolidatedDeal,
                ConsolidatedDealMember,
            )
        }
