"""The ``torihiki`` command line.  Exit codes: 0 ok, 1 some documents quarantined, 2 usage error."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from torihiki.settings import get_settings


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {value!r}") from exc


def _published_map(value: str) -> dict[str, dt.date]:
    path = Path(value)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): dt.date.fromisoformat(str(v)[:10]) for k, v in raw.items()}
    except (OSError, ValueError, AttributeError) as exc:
        raise argparse.ArgumentTypeError(f"{value}: not a JSON object of ISO dates ({exc})") from exc


def _db(args: argparse.Namespace) -> str:
    return str(args.db or os.environ.get("TORIHIKI_DATABASE_URL") or get_settings().database_url)


def _quiet_prefect() -> None:
    # The flows report progress themselves; Prefect's INFO logs would drown it.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # A first start on a new machine migrates Prefect's own database: allow for it.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    # Dask (--workers, --dask-address) logs every worker start and stop at INFO.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="torihiki", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    db_help = "database URL (default: $TORIHIKI_DATABASE_URL or sqlite:///data/torihiki.db)"

    ing = sub.add_parser("ingest", help="ingest files, directories or .jsonl into the database")
    ing.add_argument("paths", nargs="+", help=".txt .md .html .htm .jsonl files or directories")
    ing.add_argument("--db", help=db_help)
    ing.add_argument(
        "--published", type=_date, help="publication date for documents that carry none (YYYY-MM-DD)"
    )
    ing.add_argument(
        "--published-map",
        type=_published_map,
        help="JSON file mapping file names or stems to publication dates",
    )

    rep = sub.add_parser("reprocess", help="re-extract stored documents")
    which = rep.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="every document")
    which.add_argument(
        "--stale", action="store_true", help="documents extracted by an older extractor version (default)"
    )
    which.add_argument("--doc", type=int, nargs="+", metavar="ID", help="these document ids")
    rep.add_argument("--db", help=db_help)
    for flow_parser in (ing, rep):  # the task runner (docs/SCALING.md); default: in this process
        runner = flow_parser.add_mutually_exclusive_group()
        runner.add_argument("--workers", type=int, metavar="N",
                            help="process the documents on a local Dask cluster of N worker processes")
        runner.add_argument("--dask-address", metavar="tcp://HOST:PORT",
                            help="process the documents on an existing Dask scheduler")

    exp = sub.add_parser("export", help="export records as JSON lines or CSV")
    exp.add_argument("kind", choices=["deals", "deal-mentions", "mentions", "metrics"])
    exp.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    exp.add_argument("--db", help=db_help)
    exp.add_argument("--out", help="write to this file instead of standard output")

    deals = sub.add_parser("deals", help="print the deals found, as a table")
    deals.add_argument("--db", help=db_help)

    ev = sub.add_parser("eval", help="score extraction against a gold file")
    ev.add_argument("docs", nargs="+", help="documents or directories to ingest")
    ev.add_argument("--gold", required=True, type=Path, help="gold deal mentions (.jsonl)")
    ev.add_argument("--metrics", type=Path, help="gold non-deal money metrics (.jsonl)")
    ev.add_argument(
        "--published-map", type=_published_map, help="JSON file mapping file stems to publication dates"
    )
    ev.add_argument("--verbose", action="store_true", help="list every miss and false positive")
    ev.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    ev.add_argument(
        "--ner-everywhere",
        action="store_true",
        help="run GiNZA on every sentence (to compare with the gated default)",
    )

    bench = sub.add_parser("bench", help="measure throughput, memory and F1 on one input (docs/SCALING.md)")
    bench.add_argument("docs", nargs="*", help="documents or directories (default: corpus/documents/ "
                       "and ../shared/seeds/ when present)")
    bench.add_argument("--repeat", type=int, default=3, metavar="N", help="timed runs each; medians (3)")
    bench.add_argument("--workers", type=int, default=2, metavar="N",
                       help="Dask workers to compare with one (2; 0 skips Dask)")
    bench.add_argument("--json", type=Path, metavar="OUT", help="also write the figures as JSON to this file")
    bench.add_argument("--published-map", type=_published_map,
                       help="JSON file mapping file names or stems to publication dates "
                       "(added to the corpus's and the seeds' maps)")

    dbp = sub.add_parser("db", help="database administration")
    dbsub = dbp.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="apply Alembic migrations up to head")
    up.add_argument("--db", help=db_help)
    up.add_argument("--revision", default="head")
    cons = dbsub.add_parser("consolidate", help="recompute dollar amounts and cross-document deals")
    cons.add_argument("--db", help=db_help)
    cons.add_argument("--all", action="store_true", help="every deal, not only those never consolidated")
    gro = dbsub.add_parser("grant-readonly", help="PostgreSQL: create or update a role that can only read")
    gro.add_argument("role")
    gro.add_argument("--db", help=db_help)
    gro.add_argument("--password-env", metavar="VAR", help="set the role's password from this variable")

    sql = sub.add_parser("sql", help="run one read-only SQL statement (views: docs/SQL.md)")
    sql.add_argument("query", help='e.g. "SELECT * FROM v_deals"')
    sql.add_argument("--format", choices=["table", "csv", "jsonl"], default="table")
    sql.add_argument("--db", help=db_help)
    sql.add_argument("--timeout", type=float, default=10.0, help="seconds before the query is stopped")
    sql.add_argument("--max-rows", type=int, default=10_000, help="rows printed at most")

    rpt = sub.add_parser("report", help="write the money-flow report: report.html and money_flow.png")
    rpt.add_argument("--out", default="report", help="output directory (default: report/)")
    rpt.add_argument("--db", help=db_help)
    rpt.add_argument("--no-png", action="store_true", help="skip the PNG (it needs Chromium)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {
        "ingest": cmd_ingest,
        "reprocess": cmd_reprocess,
        "export": cmd_export,
        "deals": cmd_deals,
        "db": cmd_db,
        "eval": cmd_eval,
        "bench": cmd_bench,
        "sql": cmd_sql,
        "report": cmd_report,
    }[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


def cmd_db(args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    if args.db_command == "grant-readonly":
        return cmd_grant_readonly(args)
    upgrade(_db(args), "head" if args.db_command == "consolidate" else args.revision)
    if args.db_command == "consolidate":
        print(f"{_consolidate(_db(args), everything=args.all)} deal blocks consolidated")
        return 0
    if args.revision == "head":
        _consolidate(_db(args))
    print(f"database at {args.revision}: {_redact(_db(args))}")
    return 0


def _consolidate(url: str, everything: bool = False) -> int:
    """Consolidate deals stored before consolidation existed (a no-op when there are none)."""
    from db.consolidate import rebuild
    from db.engine import make_engine

    engine = make_engine(url)
    try:
        return rebuild(engine=engine, pending_only=not everything)
    finally:
        engine.dispose()


def cmd_grant_readonly(args: argparse.Namespace) -> int:
    from torihiki.errors import TorihikiError
    from torihiki.sql import grant_readonly

    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if password is None:
            print(f"torihiki db grant-readonly: ${args.password_env} is not set", file=sys.stderr)
            return 2
    try:
        for stmt in grant_readonly(_db(args), args.role, password):
            print(stmt)
    except TorihikiError as err:
        print(f"torihiki db grant-readonly: {err}", file=sys.stderr)
        return 2
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    from torihiki.errors import QueryTimeoutError, TorihikiError
    from torihiki.sql import run_query, write_result

    try:
        result = run_query(_db(args), args.query, timeout=args.timeout, max_rows=args.max_rows)
    except TorihikiError as err:
        print(f"torihiki sql: {err}", file=sys.stderr)
        return 3 if isinstance(err, QueryTimeoutError) else 2
    write_result(result, args.format, sys.stdout)
    if result.truncated:
        print(f"torihiki sql: only the first {args.max_rows} rows were printed (--max-rows)",
              file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from torihiki.report import write_report

    written = write_report(_db(args), Path(args.out), png=not args.no_png)
    for path in written.files:
        print(path)
    for problem in written.problems:
        print(f"torihiki report: {problem}", file=sys.stderr)
    return 1 if written.problems else 0


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _print_summary(result: Any) -> int:
    counts = result.counts()
    print(
        f"run {result.run_id}: {counts['documents_seen']} documents, "
        f"{counts['documents_new']} new, {counts['documents_processed']} extracted, "
        f"{counts['documents_skipped']} unchanged, {counts['documents_quarantined']} quarantined, "
        f"{counts['deal_mentions']} deal mentions"
    )
    for o in result.quarantined:
        print(f"  quarantined: {o.error}")
    return 1 if result.quarantined else 0


def cmd_ingest(args: argparse.Namespace) -> int:
    _quiet_prefect()
    from torihiki.processing import run_ingest

    # Migrations, a pre-flight (nothing to extract: no flow run), else the ingest flow.
    result = run_ingest(
        [str(p) for p in args.paths],
        database_url=_db(args),
        published=args.published,
        published_map=args.published_map,
        workers=args.workers,
        dask_address=args.dask_address,
    )
    return _print_summary(result)


def cmd_reprocess(args: argparse.Namespace) -> int:
    _quiet_prefect()
    from db.engine import upgrade_lock
    from db.migrate import upgrade
    from pipelines.flows import command_line_settings, reprocess_flow

    url = _db(args)
    with upgrade_lock(url):
        upgrade(url)
        _consolidate(url)
    with command_line_settings():
        result = reprocess_flow(database_url=url, document_ids=args.doc,
                                stale_only=not (args.all or args.doc),
                                workers=args.workers, dask_address=args.dask_address)
    return _print_summary(result)


def cmd_export(args: argparse.Namespace) -> int:
    from db.engine import make_engine
    from db.queries import EXPORTS, iter_export

    engine = make_engine(_db(args))
    try:
        records = iter_export(engine, args.kind)
        if args.out:
            with open(args.out, "w", encoding="utf-8", newline="") as out:
                write_records(records, EXPORTS[args.kind], args.format, out)
        else:
            write_records(records, EXPORTS[args.kind], args.format, sys.stdout)
    finally:
        engine.dispose()
    return 0


def write_records(records: Iterable[dict[str, Any]], fields: Sequence[str], fmt: str, out: TextIO) -> None:
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(fields))
        writer.writeheader()
        for r in records:
            writer.writerow(r)
    else:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")


def cmd_eval(args: argparse.Namespace) -> int:
    from torihiki.evalrun import run_eval
    from torihiki.evaluation import format_report

    result, timing = run_eval(
        args.docs, args.gold, args.metrics, args.published_map, ner_everywhere=args.ner_everywhere
    )
    print(format_report(result, verbose=args.verbose))
    print(
        f"wall time {timing['seconds']:.1f} s for {timing['characters']:,} characters "
        f"({timing['chars_per_second']:,.0f} chars/s, model load excluded)"
    )
    if args.json:
        args.json.write_text(json.dumps({**result.as_dict(), **timing}, indent=2) + "\n", encoding="utf-8")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    _quiet_prefect()
    from torihiki.bench import format_table, run_bench

    figures = run_bench(args.docs, repeat=args.repeat, workers=args.workers,
                        published_map=args.published_map)
    print(format_table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


def cmd_deals(args: argparse.Namespace) -> int:
    from db.engine import make_engine
    from db.queries import iter_export

    engine = make_engine(_db(args))
    rows = list(iter_export(engine, "deal-mentions"))
    engine.dispose()
    print(format_deal_table(rows))
    return 0


def _amount(r: dict[str, Any]) -> str:
    if r["amount_value"] is None:
        return r["amount_text"] or ""
    prefix = {"up_to": "≤", "approx": "~", "over": ">", "total": "Σ"}.get(r["amount_qualifier"], "")
    return f"{prefix}{r['amount_value']:,} {r['currency'] or ''}".strip()


def format_deal_table(rows: Sequence[dict[str, Any]]) -> str:
    header = ("document", "source", "target", "type", "status", "amount", "date")
    table = [header] + [
        (
            Path(str(r["document"])).name[:28],
            r["source"] or "-",
            r["target"] or "-",
            r["deal_type"],
            r["status"],
            _amount(r),
            r["date"] or "-",
        )
        for r in rows
    ]
    widths = [max(_width(str(row[i])) for row in table) for i in range(len(header))]
    lines = []
    for n, row in enumerate(table):
        lines.append("  ".join(_pad(str(c), w) for c, w in zip(row, widths, strict=True)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(f"{len(rows)} deal mentions")
    return "\n".join(lines)


def _width(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))


if __name__ == "__main__":
    sys.exit(main())
