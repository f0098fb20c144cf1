"""``torihiki report``: the money-flow graph and the deal, cycle and conflict tables.

Writes, into one directory:

- ``report.html``: one self-contained page (inline CSS and SVG, no script, no network):
  the graph, then tables of cycles, conflicting amounts and deals, each linking to the
  evidence sentences listed at the end;
- ``money_flow.svg``: the graph alone;
- ``money_flow.png``: the graph rendered by headless Chromium (``--no-png`` skips it).

The graph is drawn here, without a plotting library: companies on a circle (those on
money loops first, in loop order, so loops read around the rim), one curved arrow per
payer → payee with its width growing with the square root of the dollars, loops in red.
Everything is read through the analyst views (``v_deals``, ``v_deal_evidence``,
``v_cycles``), so the page shows exactly what SQL shows.
"""

from __future__ import annotations

import html
import math
import shutil
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text

from db.engine import make_engine

CYCLE = "#d62728"
EDGE = "#5b6b82"
UNPRICED = "#a7afbd"
SVG_SIZE = (1300, 1200)
NOT_FLOWING = ("rumored", "denied_or_doubted")  # as in the views: not counted as money moving
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--hide-scrollbars",
)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    usd: Decimal | None
    deal_ids: tuple[int, ...]
    on_cycle: bool


@dataclass
class ReportFiles:
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def usd_label(value: Any) -> str:
    """$474.0B, $6.5B, $750M, $12,000 — or an en dash when unknown."""
    if value is None:
        return "–"
    v = float(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(v) >= size:
            return f"${v / size:,.1f}{suffix}"
    return f"${v:,.0f}"


# --- reading --------------------------------------------------------------------------


def _rows(conn: Any, sql: str) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(text(sql))]


def load(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                "deals": _rows(conn, "SELECT * FROM v_deals ORDER BY deal_id"),
                "evidence": _rows(
                    conn,
                    "SELECT deal_id, mention_id, document, published, evidence, amount_text, "
                    "amount_usd, usd_rate_source, date_text, status FROM v_deal_evidence "
                    "WHERE deal_id IS NOT NULL ORDER BY deal_id, document_id, ordinal",
                ),
                "cycles": _rows(conn, "SELECT * FROM v_cycles ORDER BY total_usd DESC, cycle"),
            }
    finally:
        engine.dispose()


def cycle_companies(cycle: dict[str, Any]) -> list[str]:
    return [cycle[f"company_{i}"] for i in range(1, int(cycle["length"]) + 1)]


def flow_edges(deals: Iterable[dict[str, Any]], cycles: Iterable[dict[str, Any]]) -> list[Edge]:
    """Payer → payee edges of the deals counted as money moving (the views' rule)."""
    on_cycle = set()
    for c in cycles:
        names = cycle_companies(c)
        on_cycle |= {(a, names[(i + 1) % len(names)]) for i, a in enumerate(names)}
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for d in deals:
        if d["source"] and d["target"] and d["source"] != d["target"] and d["status"] not in NOT_FLOWING:
            grouped[(d["source"], d["target"])].append(d)
    edges = []
    for (s, t), ds in sorted(grouped.items()):
        priced = [Decimal(str(d["amount_usd"])) for d in ds if d["amount_usd"] is not None]
        edges.append(Edge(s, t, sum(priced, Decimal(0)) if priced else None,
                          tuple(sorted(int(d["deal_id"]) for d in ds)), (s, t) in on_cycle))
    return edges


# --- drawing --------------------------------------------------------------------------


def node_order(edges: Sequence[Edge], cycles: Sequence[dict[str, Any]]) -> list[str]:
    """The companies around the circle, clockwise from the top.

    Companies on loops (biggest loop first, in loop order) are spread evenly around the
    rim, so that a loop is drawn as a polygon across the circle; the others, by money
    moved, fill the places between them.
    """
    looped: list[str] = []
    for c in cycles:
        looped += [n for n in cycle_companies(c) if n not in looped]
    flow: dict[str, float] = defaultdict(float)
    for e in edges:
        for n in (e.source, e.target):
            flow[n] += float(e.usd or 0)
    rest = sorted((n for n in flow if n not in looped), key=lambda n: (-flow[n], n))
    total = len(looped) + len(rest)
    slots: list[str | None] = [None] * total
    for i, name in enumerate(looped):
        slots[i * total // len(looped)] = name
    others = iter(rest)
    return [name if name is not None else next(others) for name in slots]


def money_flow_svg(edges: Sequence[Edge], cycles: Sequence[dict[str, Any]]) -> str:
    """The money-flow graph as a standalone SVG document (deterministic output)."""
    names = node_order(edges, cycles)
    n = max(len(names), 1)
    width, height = SVG_SIZE
    cx, cy, radius = width / 2, height / 2 + 40, height / 2 - 160
    pos = {
        name: (cx + radius * math.cos(-math.pi / 2 + 2 * math.pi * i / n),
               cy + radius * math.sin(-math.pi / 2 + 2 * math.pi * i / n))
        for i, name in enumerate(names)
    }
    top = max((float(e.usd) for e in edges if e.usd), default=1.0)
    flow: dict[str, float] = defaultdict(float)
    for e in edges:
        flow[e.source] += float(e.usd or 0)
        flow[e.target] += float(e.usd or 0)
    top_flow = max(flow.values(), default=1.0) or 1.0
    node_r = {name: 4 + 12 * math.sqrt(flow[name] / top_flow) for name in names}

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="money-flow" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Noto Sans, DejaVu Sans, Arial, sans-serif">',
        "<defs>",
    ]
    for key, color in (("cycle", CYCLE), ("edge", EDGE), ("unpriced", UNPRICED)):
        out.append(
            f'<marker id="arrow-{key}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" '
            f'markerHeight="11" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>'
        )
    out += [
        "</defs>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="24" y="36" font-size="22" font-weight="bold" fill="#1b2433">Money flows: '
        f"{len(names)} companies, {sum(len(e.deal_ids) for e in edges)} deals, "
        f"{len(cycles)} loops</text>",
        f'<g font-size="13" fill="#1b2433"><line x1="26" y1="60" x2="66" y2="60" stroke="{CYCLE}" '
        f'stroke-width="4"/><text x="74" y="64">payments on a loop</text>'
        f'<line x1="230" y1="60" x2="270" y2="60" stroke="{EDGE}" stroke-width="4"/>'
        f'<text x="278" y="64">other payments (width ∝ √USD)</text>'
        f'<line x1="520" y1="60" x2="560" y2="60" stroke="{UNPRICED}" stroke-width="1.5" '
        f'stroke-dasharray="5,4"/><text x="568" y="64">amount unknown</text></g>',
    ]
    for e in sorted(edges, key=lambda e: (e.on_cycle, float(e.usd or 0))):
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        # Bend toward the centre and to the left of the direction of payment, so that
        # A → B and B → A are two distinct curves.
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        qx = mx + (cx - mx) * 0.35 + dy / length * 26
        qy = my + (cy - my) * 0.35 - dx / length * 26
        sx, sy = _towards(x1, y1, qx, qy, node_r[e.source] + 2)
        tx, ty = _towards(x2, y2, qx, qy, node_r[e.target] + 3)
        kind = "cycle" if e.on_cycle else ("edge" if e.usd else "unpriced")
        color = {"cycle": CYCLE, "edge": EDGE, "unpriced": UNPRICED}[kind]
        stroke = 1.5 if not e.usd else 1.5 + 10 * math.sqrt(float(e.usd) / top)
        dash = ' stroke-dasharray="5,4"' if not e.usd else ""
        opacity = "0.9" if e.on_cycle else "0.55"
        label = (f"{e.source} → {e.target}: {len(e.deal_ids)} deal{'s' if len(e.deal_ids) > 1 else ''}, "
                 f"{usd_label(e.usd)}")
        out.append(
            f'<a href="#deal-{e.deal_ids[0]}"><path class="edge {kind}" data-source="{_a(e.source)}" '
            f'data-target="{_a(e.target)}" d="M{sx:.1f},{sy:.1f} Q{qx:.1f},{qy:.1f} {tx:.1f},{ty:.1f}" '
            f'fill="none" stroke="{color}" stroke-width="{stroke:.1f}" stroke-opacity="{opacity}"{dash} '
            f'marker-end="url(#arrow-{kind})"><title>{_t(label)}</title></path></a>'
        )
    on_loop = {n for c in cycles for n in cycle_companies(c)}
    for name in names:
        x, y = pos[name]
        angle = math.atan2(y - cy, x - cx)
        lx, ly = x + math.cos(angle) * (node_r[name] + 8), y + math.sin(angle) * (node_r[name] + 8)
        anchor = "start" if math.cos(angle) >= -1e-9 else "end"
        fill = CYCLE if name in on_loop else "#2f4b7c"
        out.append(
            f'<g class="node" data-name="{_a(name)}"><circle cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{node_r[name]:.1f}" fill="{fill}" stroke="#ffffff" stroke-width="1.5">'
            f"<title>{_t(name)}: {usd_label(flow[name])} in and out</title></circle>"
            f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="13" text-anchor="{anchor}" '
            f'dominant-baseline="middle" fill="#1b2433">{_t(name)}</text></g>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _towards(x: float, y: float, tx: float, ty: float, distance: float) -> tuple[float, float]:
    d = math.hypot(tx - x, ty - y) or 1.0
    return x + (tx - x) / d * distance, y + (ty - y) / d * distance


def _t(s: Any) -> str:
    return html.escape(str(s), quote=False)


def _a(s: Any) -> str:
    return html.escape(str(s), quote=True)


# --- the page ------------------------------------------------------------------------

CSS = """
body{font-family:"Noto Sans","Noto Sans CJK JP","DejaVu Sans",Arial,sans-serif;margin:24px auto;
max-width:1200px;color:#1b2433;line-height:1.45}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px;border-bottom:2px solid #e3e7ee}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e3e7ee;
padding:4px 6px;text-align:left;vertical-align:top}th{background:#f4f6f9}td.num{text-align:right;
white-space:nowrap}.flag{color:#d62728;font-weight:bold}.muted{color:#6b778a}
#graph svg{max-width:100%;height:auto;border:1px solid #e3e7ee}
.evidence li{margin:4px 0}.evidence q{background:#fff7e0}
a{color:#1f5fbf;text-decoration:none}a:hover{text-decoration:underline}
"""


def _deal_link(deal_id: Any) -> str:
    return f'<a href="#deal-{int(deal_id)}">#{int(deal_id)}</a>'


def _amount(d: dict[str, Any]) -> str:
    """A deal's amount as ``torihiki deals`` prints it (≤100,000,000,000 USD)."""
    from torihiki.cli import _amount as cli_amount
    from torihiki.sql import plain

    return str(cli_amount({"amount_text": "–", **d, "amount_value": plain(d["amount_value"])}))


def render_html(data: dict[str, list[dict[str, Any]]], svg: str, edges: Sequence[Edge]) -> str:
    deals, evidence, cycles = data["deals"], data["evidence"], data["cycles"]
    by_deal: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in evidence:
        by_deal[int(e["deal_id"])].append(e)
    documents = {e["document"] for e in evidence}
    conflicts = [d for d in deals if int(d["conflicting_amounts"])]
    edge_usd = {(e.source, e.target): e.usd for e in edges}

    parts = [
        "<!doctype html>",
        '<html lang="ja"><head><meta charset="utf-8">',
        "<title>torihiki — money flows</title>",
        f"<style>{CSS}</style></head><body>",
        "<header><h1>Money flows between companies</h1>",
        f'<p class="muted">{len(deals)} deals consolidated from {len(evidence)} mentions in '
        f"{len(documents)} documents; {len(cycles)} money loops; {len(conflicts)} deals whose "
        "sources disagree on the amount. Dollar amounts: the article's own conversion, else ECB "
        "reference rates.</p></header>",
        f'<section id="graph"><h2>Money-flow graph</h2>{svg}</section>',
        '<section id="cycles"><h2>Money loops</h2>',
        '<table id="cycles-table"><thead><tr><th>loop</th><th>length</th><th>payments on each leg'
        '</th><th class="num">total USD</th></tr></thead><tbody>',
    ]
    for c in cycles:
        names = cycle_companies(c)
        legs = []
        for i, a in enumerate(names):
            b = names[(i + 1) % len(names)]
            ids = [int(x) for x in str(c[f"deals_{i + 1}"]).split(",") if x]
            legs.append(f"{_t(a)} → {_t(b)} ({usd_label(edge_usd.get((a, b)))}): "
                        + ", ".join(_deal_link(x) for x in ids))
        parts.append(
            f'<tr class="cycle"><td>{_t(c["cycle"])}</td><td class="num">{int(c["length"])}</td>'
            f'<td>{"<br>".join(legs)}</td><td class="num">{usd_label(c["total_usd"])}</td></tr>'
        )
    if not cycles:
        parts.append('<tr><td colspan="4" class="muted">no money loops</td></tr>')
    parts += [
        "</tbody></table></section>",
        '<section id="conflicts"><h2>Conflicting amounts</h2>',
        '<table id="conflicts-table"><thead><tr><th>deal</th><th>parties</th><th>figures reported'
        '</th><th>evidence</th></tr></thead><tbody>',
    ]
    for d in conflicts:
        quotes = [e for e in by_deal[int(d["deal_id"])] if e["amount_text"]]
        figures = sorted({e["amount_text"] for e in quotes})
        parts.append(
            f'<tr class="conflict"><td>{_deal_link(d["deal_id"])}</td><td>{_t(d["source"] or "?")} → '
            f'{_t(d["target"] or "?")} ({_t(d["deal_type"])})</td><td>{_t(" / ".join(figures))}</td>'
            f"<td>" + "<br>".join(
                f'<a href="#mention-{int(e["mention_id"])}">{_t(e["amount_text"])}</a> '
                f'<span class="muted">{_t(e["document"])}</span>' for e in quotes
            ) + "</td></tr>"
        )
    if not conflicts:
        parts.append('<tr><td colspan="4" class="muted">no conflicting amounts</td></tr>')
    parts += [
        "</tbody></table></section>",
        '<section id="deals"><h2>Deals</h2>',
        '<table id="deals-table"><thead><tr><th>deal</th><th>payer</th><th>payee</th><th>type</th>'
        '<th>status</th><th class="num">amount</th><th class="num">USD</th><th>date</th>'
        '<th class="num">mentions</th><th class="num">documents</th><th>conflict</th></tr></thead><tbody>',
    ]
    ordered = sorted(deals, key=lambda d: (-float(d["amount_usd"] or 0), int(d["deal_id"])))
    for d in ordered:
        flag = '<span class="flag">conflicting amounts</span>' if int(d["conflicting_amounts"]) else ""
        parts.append(
            f'<tr id="deal-{int(d["deal_id"])}" class="deal"><td><a href="#evidence-{int(d["deal_id"])}">'
            f'#{int(d["deal_id"])}</a></td><td>{_t(d["source"] or "–")}</td><td>{_t(d["target"] or "–")}'
            f'</td><td>{_t(d["deal_type"])}</td><td>{_t(d["status"])}</td><td class="num">{_t(_amount(d))}'
            f'</td><td class="num">{usd_label(d["amount_usd"])}</td><td>{_t(d["date"] or "–")}</td>'
            f'<td class="num">{int(d["mention_count"])}</td><td class="num">{int(d["document_count"])}</td>'
            f"<td>{flag}</td></tr>"
        )
    parts += ["</tbody></table></section>", '<section id="evidence" class="evidence"><h2>Evidence</h2>']
    for d in sorted(deals, key=lambda d: int(d["deal_id"])):
        parts.append(
            f'<div id="evidence-{int(d["deal_id"])}"><h3>{_deal_link(d["deal_id"])} '
            f'{_t(d["source"] or "?")} → {_t(d["target"] or "?")}, {_t(d["deal_type"])}, '
            f"{_t(_amount(d))}</h3><ol>"
        )
        for e in by_deal[int(d["deal_id"])]:
            published = f", {_t(e['published'])}" if e["published"] else ""
            amount = f"; {_t(e['amount_text'])} = {usd_label(e['amount_usd'])}" if e["amount_text"] else ""
            parts.append(
                f'<li id="mention-{int(e["mention_id"])}"><q>{_t(e["evidence"])}</q> '
                f'<span class="muted">— {_t(e["document"])}{published}{amount}</span></li>'
            )
        parts.append("</ol></div>")
    parts += ["</section></body></html>"]
    return "\n".join(parts) + "\n"


# --- PNG -------------------------------------------------------------------------------


def find_chromium() -> str | None:
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def screenshot(target: Path, png: Path, width: int, height: int, chromium: str | None = None) -> None:
    """Render a local file with headless Chromium into ``png`` (no network, throwaway profile)."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("Chromium not found (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="torihiki-chromium-") as profile:
        cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
               f"--screenshot={png}", target.resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    if proc.returncode != 0 or not png.exists():
        raise RuntimeError(f"Chromium failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")


def write_report(url: str, out: Path, *, png: bool = True) -> ReportFiles:
    out.mkdir(parents=True, exist_ok=True)
    data = load(url)
    edges = flow_edges(data["deals"], data["cycles"])
    svg = money_flow_svg(edges, data["cycles"])
    result = ReportFiles()
    svg_path, html_path, png_path = out / "money_flow.svg", out / "report.html", out / "money_flow.png"
    svg_path.write_text(svg, encoding="utf-8")
    html_path.write_text(render_html(data, svg, edges), encoding="utf-8")
    result.files += [html_path, svg_path]
    if png:
        try:
            png_path.unlink(missing_ok=True)
            screenshot(svg_path, png_path, *SVG_SIZE)
            result.files.append(png_path)
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
            result.problems.append(f"money_flow.png not written: {exc}")
    return result
