"""Typed SQLAlchemy 2 models.

Natural keys never contain NULL: optional parts of a key are folded into a
``*_key`` string column (see ``db.store``) so that unique constraints hold on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Amount = Numeric(28, 6)
# USD per unit of a currency (1 JPY ≈ 0.0067 USD): more decimals than an amount.
Rate = Numeric(24, 12)
# Company names on the analyst tables compare byte-wise on PostgreSQL too (COLLATE "C"),
# as they do on SQLite, so that the views order and rotate cycles identically on both.
Name = String(200).with_variant(String(200, collation="C"), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[dt.date | None] = mapped_column(Date)
    # Where the publication date came from: document, option, unknown.
    published_source: Mapped[str] = mapped_column(String(16), default="unknown")
    content_type: Mapped[str] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    char_count: Mapped[int] = mapped_column(Integer)
    extractor_version: Mapped[str | None] = mapped_column(String(64))
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    sources: Mapped[list[DocumentSource]] = relationship(back_populates="document")


class DocumentSource(Base):
    """Every path or URL a document's content arrived from."""

    __tablename__ = "document_sources"
    __table_args__ = (UniqueConstraint("document_id", "origin"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(Text)
    source_path: Mapped[str | None] = mapped_column(Text)
    first_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    document: Mapped[Document] = relationship(back_populates="sources")


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="company")
    ticker: Mapped[str | None] = mapped_column(String(32))
    # False for names GiNZA found that the registry does not know.
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CompanyAlias(Base):
    __tablename__ = "company_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(200))
    alias_folded: Mapped[str] = mapped_column(String(200), unique=True)


class EntityMention(Base):
    __tablename__ = "entity_mentions"
    __table_args__ = (
        UniqueConstraint("document_id", "label", "char_start", "char_end"),
        Index("ix_entity_mentions_label_canonical", "label", "canonical"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    canonical: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    value: Mapped[str | None] = mapped_column(String(64))
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    extractor_version: Mapped[str] = mapped_column(String(64))
    # MONEY only: this amount restates the MONEY mention just before it in another
    # currency (the （約15兆円） of 1000億ドル（約15兆円）): the pair is the article's own rate.
    is_conversion: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ConsolidatedDeal(Base):
    """One real-world deal, consolidated from the per-document ``deals`` of every document.

    Built by ``db.consolidate``: per-document deals with the same canonical parties and a
    compatible type form a *block*; within a block, deals with compatible amounts and dates
    are one consolidated deal.  ``deal_key`` is derived from the content only, so the rows do
    not depend on the order documents arrived in.
    """

    __tablename__ = "consolidated_deals"
    __table_args__ = (UniqueConstraint("deal_key"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # block_key + representative amount + date, e.g. NVIDIA|OpenAI|equity|100000000000 USD|2025-09-22
    deal_key: Mapped[str] = mapped_column(String(700))
    # source|target|type family: the unit of (re)consolidation and of locking.
    block_key: Mapped[str] = mapped_column(String(500), index=True)
    source_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    target_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    source: Mapped[str | None] = mapped_column(Name)
    target: Mapped[str | None] = mapped_column(Name)
    deal_type: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24))
    # Every status the mentions report, sorted and comma-separated.
    statuses: Mapped[str] = mapped_column(String(200))
    amount_value: Mapped[Decimal | None] = mapped_column(Amount)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_qualifier: Mapped[str | None] = mapped_column(String(8))
    amount_usd: Mapped[Decimal | None] = mapped_column(Amount)
    usd_rate_source: Mapped[str | None] = mapped_column(String(8))
    amount_usd_min: Mapped[Decimal | None] = mapped_column(Amount)
    amount_usd_max: Mapped[Decimal | None] = mapped_column(Amount)
    conflicting_amounts: Mapped[bool] = mapped_column(Boolean, default=False)
    date: Mapped[str | None] = mapped_column(String(10))
    # Earliest and latest publication date of the documents reporting the deal (ISO).
    first_seen: Mapped[str | None] = mapped_column(String(10))
    last_seen: Mapped[str | None] = mapped_column(String(10))
    mention_count: Mapped[int] = mapped_column(Integer)
    document_count: Mapped[int] = mapped_column(Integer)


class Deal(Base):
    """One distinct deal within a document; ``consolidated_deal_members`` links it across documents."""

    __tablename__ = "deals"
    __table_args__ = (UniqueConstraint("document_id", "deal_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    # Stable natural key within the document: parties, type, amount, currency.
    deal_key: Mapped[str] = mapped_column(String(400))
    source_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    target_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    source: Mapped[str | None] = mapped_column(String(200))
    target: Mapped[str | None] = mapped_column(String(200))
    deal_type: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24))
    amount_value: Mapped[Decimal | None] = mapped_column(Amount)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_qualifier: Mapped[str | None] = mapped_column(String(8))
    date: Mapped[str | None] = mapped_column(String(10))
    mention_count: Mapped[int] = mapped_column(Integer, default=0)
    extractor_version: Mapped[str] = mapped_column(String(64))
    # source|target|type family (see ConsolidatedDeal); set by db.consolidate.
    block_key: Mapped[str | None] = mapped_column(String(500), index=True)


class ConsolidatedDealMember(Base):
    """Which consolidated deal each per-document deal belongs to (exactly one)."""

    __tablename__ = "consolidated_deal_members"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True)
    consolidated_deal_id: Mapped[int] = mapped_column(
        ForeignKey("consolidated_deals.id", ondelete="CASCADE"), index=True
    )


class DealMention(Base):
    __tablename__ = "deal_mentions"
    __table_args__ = (UniqueConstraint("document_id", "ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)  # position within the document
    source: Mapped[str | None] = mapped_column(String(200))
    target: Mapped[str | None] = mapped_column(String(200))
    deal_type: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24))
    amount_value: Mapped[Decimal | None] = mapped_column(Amount)
    amount_low: Mapped[Decimal | None] = mapped_column(Amount)
    amount_high: Mapped[Decimal | None] = mapped_column(Amount)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_qualifier: Mapped[str | None] = mapped_column(String(8))
    amount_text: Mapped[str | None] = mapped_column(Text)
    amount_start: Mapped[int | None] = mapped_column(Integer)
    amount_end: Mapped[int | None] = mapped_column(Integer)
    date: Mapped[str | None] = mapped_column(String(10))
    date_precision: Mapped[str | None] = mapped_column(String(8))
    date_text: Mapped[str | None] = mapped_column(Text)
    date_resolved: Mapped[bool] = mapped_column(Boolean, default=True)
    term_text: Mapped[str | None] = mapped_column(Text)
    trigger: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    extractor_version: Mapped[str] = mapped_column(String(64))
    # The amount in US dollars (torihiki.fx): usd_rate is USD per unit of ``currency``;
    # usd_rate_source is usd (already dollars), stated (a conversion in the same sentence,
    # quoted in usd_rate_text) or ecb (reference rate of usd_rate_date).  The rate is kept
    # whenever one is known, amount_usd only when the amount has a single value.
    amount_usd: Mapped[Decimal | None] = mapped_column(Amount)
    usd_rate: Mapped[Decimal | None] = mapped_column(Rate)
    usd_rate_source: Mapped[str | None] = mapped_column(String(8))
    usd_rate_date: Mapped[str | None] = mapped_column(String(10))
    usd_rate_text: Mapped[str | None] = mapped_column(Text)


class Metric(Base):
    __tablename__ = "metrics"
    __table_args__ = (UniqueConstraint("document_id", "amount_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    company: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    kind: Mapped[str] = mapped_column(String(24))
    amount_value: Mapped[Decimal | None] = mapped_column(Amount)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_qualifier: Mapped[str | None] = mapped_column(String(8))
    amount_text: Mapped[str] = mapped_column(Text)
    amount_start: Mapped[int] = mapped_column(Integer)
    amount_end: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    extractor_version: Mapped[str] = mapped_column(String(64))


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    documents_seen: Mapped[int] = mapped_column(Integer, default=0)
    documents_new: Mapped[int] = mapped_column(Integer, default=0)
    documents_processed: Mapped[int] = mapped_column(Integer, default=0)
    documents_skipped: Mapped[int] = mapped_column(Integer, default=0)
    documents_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    deal_mentions: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    extractor_version: Mapped[str] = mapped_column(String(64))


class Quarantine(Base):
    """Documents (or inputs) that failed, with the reason. One row per origin and cause."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("origin", "error_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(Text)
    error_code: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
