"""SQLAlchemy models (the schema itself is created only by Alembic migrations)."""

from models.orm import (
    Base,
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

__all__ = [
    "Base",
    "Company",
    "CompanyAlias",
    "ConsolidatedDeal",
    "ConsolidatedDealMember",
    "Deal",
    "DealMention",
    "Document",
    "DocumentSource",
    "EntityMention",
    "Metric",
    "Quarantine",
    "Run",
]
