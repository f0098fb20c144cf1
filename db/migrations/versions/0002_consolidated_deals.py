"""consolidated deals across documents, USD amounts, conversion pairs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:00:00

Written by hand so that no existing table is rebuilt: on SQLite a batch
"copy and rename" of ``deals`` would run an implicit DELETE (foreign keys are
on) and cascade into ``deal_mentions``.  Every change to an existing table is
a plain ADD/DROP COLUMN, which both databases do in place; the link between a
per-document deal and its consolidated deal lives in a new table instead of a
foreign-key column on ``deals``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NAME = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
AMOUNT = sa.Numeric(precision=28, scale=6)


def upgrade() -> None:
    op.create_table(
        "consolidated_deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_key", sa.String(length=700), nullable=False),
        sa.Column("block_key", sa.String(length=500), nullable=False),
        sa.Column("source_company_id", sa.Integer(), nullable=True),
        sa.Column("target_company_id", sa.Integer(), nullable=True),
        sa.Column("source", NAME, nullable=True),
        sa.Column("target", NAME, nullable=True),
        sa.Column("deal_type", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("statuses", sa.String(length=200), nullable=False),
        sa.Column("amount_value", AMOUNT, nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount_qualifier", sa.String(length=8), nullable=True),
        sa.Column("amount_usd", AMOUNT, nullable=True),
        sa.Column("usd_rate_source", sa.String(length=8), nullable=True),
        sa.Column("amount_usd_min", AMOUNT, nullable=True),
        sa.Column("amount_usd_max", AMOUNT, nullable=True),
        sa.Column("conflicting_amounts", sa.Boolean(), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("first_seen", sa.String(length=10), nullable=True),
        sa.Column("last_seen", sa.String(length=10), nullable=True),
        sa.Column("mention_count", sa.Integer(), nullable=False),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_company_id"], ["companies.id"],
            name=op.f("fk_consolidated_deals_source_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["target_company_id"], ["companies.id"],
            name=op.f("fk_consolidated_deals_target_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consolidated_deals")),
        sa.UniqueConstraint("deal_key", name=op.f("uq_consolidated_deals_deal_key")),
        # Ids are never reused on SQLite either (as with a PostgreSQL sequence).
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_consolidated_deals_block_key"), "consolidated_deals", ["block_key"], unique=False
    )
    op.create_table(
        "consolidated_deal_members",
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("consolidated_deal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consolidated_deal_id"], ["consolidated_deals.id"],
            name=op.f("fk_consolidated_deal_members_consolidated_deal_id_consolidated_deals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"],
            name=op.f("fk_consolidated_deal_members_deal_id_deals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deal_id", name=op.f("pk_consolidated_deal_members")),
    )
    op.create_index(
        op.f("ix_consolidated_deal_members_consolidated_deal_id"),
        "consolidated_deal_members", ["consolidated_deal_id"], unique=False,
    )

    op.add_column("deals", sa.Column("block_key", sa.String(length=500), nullable=True))
    op.create_index(op.f("ix_deals_block_key"), "deals", ["block_key"], unique=False)

    op.add_column("deal_mentions", sa.Column("amount_usd", AMOUNT, nullable=True))
    op.add_column("deal_mentions", sa.Column("usd_rate", sa.Numeric(precision=24, scale=12), nullable=True))
    op.add_column("deal_mentions", sa.Column("usd_rate_source", sa.String(length=8), nullable=True))
    op.add_column("deal_mentions", sa.Column("usd_rate_date", sa.String(length=10), nullable=True))
    op.add_column("deal_mentions", sa.Column("usd_rate_text", sa.Text(), nullable=True))

    op.add_column(
        "entity_mentions",
        sa.Column("is_conversion", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 and PostgreSQL), never a table rebuild.
    op.execute("ALTER TABLE entity_mentions DROP COLUMN is_conversion")
    for column in ("usd_rate_text", "usd_rate_date", "usd_rate_source", "usd_rate", "amount_usd"):
        op.execute(f"ALTER TABLE deal_mentions DROP COLUMN {column}")
    op.drop_index(op.f("ix_deals_block_key"), table_name="deals")
    op.execute("ALTER TABLE deals DROP COLUMN block_key")
    op.drop_index(
        op.f("ix_consolidated_deal_members_consolidated_deal_id"), table_name="consolidated_deal_members"
    )
    op.drop_table("consolidated_deal_members")
    op.drop_index(op.f("ix_consolidated_deals_block_key"), table_name="consolidated_deals")
    op.drop_table("consolidated_deals")
