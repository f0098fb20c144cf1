"""analyst views: v_deals, v_deal_evidence, v_company_flows, v_cycles

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:00:00

The same SQL text on SQLite and PostgreSQL (docs/SQL.md documents every column).
Portable on purpose: no string_agg/group_concat (SQLite < 3.44 has no string_agg,
PostgreSQL no group_concat), no dialect casts; lists are built with a recursive CTE.
Company names compare byte-wise on both databases (consolidated_deals.source and
target are COLLATE "C" on PostgreSQL), so cycles start at the same company on both;
an absent company is written NULLIF(name, name), a NULL that keeps that collation
(a bare NULL would be text and would break UNION type resolution on PostgreSQL).

The SQL is frozen here, not imported: a later change to a view is a new revision.
"""

from __future__ import annotations

from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Deals that count as money moving: everything but the only-rumored and the doubted.
_FLOWING = "status NOT IN ('rumored', 'denied_or_doubted')"

V_DEALS = """
CREATE VIEW v_deals AS
SELECT
    cd.id AS deal_id,
    cd.deal_key,
    cd.source,
    cd.target,
    cd.deal_type,
    cd.status,
    cd.statuses,
    cd.amount_value,
    cd.currency,
    cd.amount_qualifier,
    cd.amount_usd,
    cd.usd_rate_source,
    cd.amount_usd_min,
    cd.amount_usd_max,
    CASE WHEN cd.conflicting_amounts THEN 1 ELSE 0 END AS conflicting_amounts,
    cd.date,
    cd.first_seen,
    cd.last_seen,
    cd.mention_count,
    cd.document_count
FROM consolidated_deals cd
"""

V_DEAL_EVIDENCE = """
CREATE VIEW v_deal_evidence AS
SELECT
    cm.consolidated_deal_id AS deal_id,
    dm.id AS mention_id,
    dm.deal_id AS document_deal_id,
    dm.document_id,
    (SELECT s.origin FROM document_sources s
      WHERE s.document_id = dm.document_id ORDER BY s.id LIMIT 1) AS document,
    doc.title,
    CAST(doc.published AS VARCHAR(10)) AS published,
    dm.ordinal,
    dm.evidence,
    dm.char_start,
    dm.char_end,
    dm.source,
    dm.target,
    dm.deal_type,
    dm.status,
    dm.amount_text,
    dm.amount_value,
    dm.currency,
    dm.amount_qualifier,
    dm.amount_usd,
    dm.usd_rate,
    dm.usd_rate_source,
    dm.usd_rate_date,
    dm.usd_rate_text,
    dm.date,
    dm.date_text,
    dm.term_text,
    dm."trigger" AS trigger_text
FROM deal_mentions dm
JOIN documents doc ON doc.id = dm.document_id
LEFT JOIN consolidated_deal_members cm ON cm.deal_id = dm.deal_id
"""

V_COMPANY_FLOWS = f"""
CREATE VIEW v_company_flows AS
WITH legs AS (
    SELECT source AS company, target AS counterparty, deal_type,
           1 AS deals_out, amount_usd AS usd_out, 0 AS deals_in, 0 AS usd_in
      FROM consolidated_deals WHERE source IS NOT NULL AND {_FLOWING}
    UNION ALL
    SELECT target AS company, source AS counterparty, deal_type,
           0 AS deals_out, 0 AS usd_out, 1 AS deals_in, amount_usd AS usd_in
      FROM consolidated_deals WHERE target IS NOT NULL AND {_FLOWING}
)
SELECT
    company,
    counterparty,
    deal_type,
    SUM(deals_out) AS deals_out,
    COALESCE(SUM(usd_out), 0) AS usd_out,
    SUM(deals_in) AS deals_in,
    COALESCE(SUM(usd_in), 0) AS usd_in,
    COALESCE(SUM(usd_in), 0) - COALESCE(SUM(usd_out), 0) AS net_usd
FROM legs
GROUP BY company, counterparty, deal_type
"""

V_CYCLES = f"""
CREATE VIEW v_cycles AS
WITH RECURSIVE
flows AS (
    SELECT id, source, target, amount_usd
      FROM consolidated_deals
     WHERE source IS NOT NULL AND target IS NOT NULL AND source <> target AND {_FLOWING}
),
ranked AS (
    SELECT source, target, id,
           ROW_NUMBER() OVER (PARTITION BY source, target ORDER BY id) AS rn
      FROM flows
),
lists (source, target, rn, deal_ids) AS (
    SELECT source, target, rn, CAST(id AS TEXT) FROM ranked WHERE rn = 1
    UNION ALL
    SELECT l.source, l.target, r.rn, l.deal_ids || ',' || CAST(r.id AS TEXT)
      FROM lists l
      JOIN ranked r ON r.source = l.source AND r.target = l.target AND r.rn = l.rn + 1
),
totals AS (
    SELECT source, target, COUNT(*) AS deals, SUM(amount_usd) AS usd
      FROM flows GROUP BY source, target
),
edges AS (
    SELECT t.source, t.target, t.deals, t.usd, l.deal_ids
      FROM totals t
      JOIN lists l ON l.source = t.source AND l.target = t.target AND l.rn = t.deals
)
SELECT
    2 AS length,
    e1.source || ' → ' || e1.target || ' → ' || e1.source AS cycle,
    e1.source AS company_1, e1.target AS company_2,
    NULLIF(e1.source, e1.source) AS company_3, NULLIF(e1.source, e1.source) AS company_4,
    e1.deal_ids AS deals_1, e2.deal_ids AS deals_2,
    CAST(NULL AS TEXT) AS deals_3, CAST(NULL AS TEXT) AS deals_4,
    e1.usd AS usd_1, e2.usd AS usd_2, CAST(NULL AS NUMERIC) AS usd_3, CAST(NULL AS NUMERIC) AS usd_4,
    e1.deals + e2.deals AS deal_count,
    COALESCE(e1.usd, 0) + COALESCE(e2.usd, 0) AS total_usd,
    CASE WHEN e1.usd IS NULL THEN 1 ELSE 0 END
      + CASE WHEN e2.usd IS NULL THEN 1 ELSE 0 END AS unpriced_edges
FROM edges e1
JOIN edges e2 ON e2.source = e1.target AND e2.target = e1.source
WHERE e1.source < e1.target
UNION ALL
SELECT
    3,
    e1.source || ' → ' || e1.target || ' → ' || e2.target || ' → ' || e1.source,
    e1.source, e1.target, e2.target, NULLIF(e1.source, e1.source),
    e1.deal_ids, e2.deal_ids, e3.deal_ids, CAST(NULL AS TEXT),
    e1.usd, e2.usd, e3.usd, CAST(NULL AS NUMERIC),
    e1.deals + e2.deals + e3.deals,
    COALESCE(e1.usd, 0) + COALESCE(e2.usd, 0) + COALESCE(e3.usd, 0),
    CASE WHEN e1.usd IS NULL THEN 1 ELSE 0 END + CASE WHEN e2.usd IS NULL THEN 1 ELSE 0 END
      + CASE WHEN e3.usd IS NULL THEN 1 ELSE 0 END
FROM edges e1
JOIN edges e2 ON e2.source = e1.target
JOIN edges e3 ON e3.source = e2.target AND e3.target = e1.source
WHERE e1.source < e1.target AND e1.source < e2.target
UNION ALL
SELECT
    4,
    e1.source || ' → ' || e1.target || ' → ' || e2.target || ' → ' || e3.target || ' → ' || e1.source,
    e1.source, e1.target, e2.target, e3.target,
    e1.deal_ids, e2.deal_ids, e3.deal_ids, e4.deal_ids,
    e1.usd, e2.usd, e3.usd, e4.usd,
    e1.deals + e2.deals + e3.deals + e4.deals,
    COALESCE(e1.usd, 0) + COALESCE(e2.usd, 0) + COALESCE(e3.usd, 0) + COALESCE(e4.usd, 0),
    CASE WHEN e1.usd IS NULL THEN 1 ELSE 0 END + CASE WHEN e2.usd IS NULL THEN 1 ELSE 0 END
      + CASE WHEN e3.usd IS NULL THEN 1 ELSE 0 END + CASE WHEN e4.usd IS NULL THEN 1 ELSE 0 END
FROM edges e1
JOIN edges e2 ON e2.source = e1.target
JOIN edges e3 ON e3.source = e2.target
JOIN edges e4 ON e4.source = e3.target AND e4.target = e1.source
WHERE e1.source < e1.target AND e1.source < e2.target AND e1.source < e3.target
  AND e1.target <> e3.target
"""

VIEWS = {
    "v_deals": V_DEALS,
    "v_deal_evidence": V_DEAL_EVIDENCE,
    "v_company_flows": V_COMPANY_FLOWS,
    "v_cycles": V_CYCLES,
}


def upgrade() -> None:
    for sql in VIEWS.values():
        op.execute(sql)


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW {name}")
