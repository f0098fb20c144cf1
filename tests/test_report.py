"""``torihiki report``: the page renders in headless Chromium with its graph and tables."""

from __future__ import annotations

import re
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from tests import analyst_data
from tests.conftest import in_ci
from torihiki.cli import main
from torihiki.report import CHROMIUM_FLAGS, Edge, find_chromium, money_flow_svg, node_order, screenshot

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium, installed here when it is missing."""
    path = find_chromium()
    if path is None:
        for cmd in (["apt-get", "install", "-y", "chromium"], ["apt-get", "update"],
                    ["apt-get", "install", "-y", "chromium"]):
            try:
                subprocess.run(cmd, capture_output=True, text=True, timeout=1200, check=False)
            except OSError:
                break
            path = find_chromium()
            if path:
                break
    if path is None:
        message = "chromium is not installed and `apt-get install -y chromium` did not install it"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, nlp: Any, chromium: str) -> tuple[str, Path]:
    url = analyst_data.sqlite_dataset(tmp_path_factory, nlp)
    out = tmp_path_factory.mktemp("report")
    assert main(["report", "--db", url, "--out", str(out)]) == 0
    return url, out


def read_png(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int]]]]:
    """A minimal PNG decoder (8-bit RGB/RGBA, not interlaced): width, height, RGB rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0
    channels = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * channels
    rows: list[list[tuple[int, int, int]]] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * channels : x * channels + 3]) for x in range(width)])  # type: ignore[misc]
        prev = line
    return width, height, rows


def _pixels(rows: list[list[tuple[int, int, int]]], top: int, bottom: int) -> tuple[int, int, int]:
    """(red-ish, non-white, all) pixels between two rows, sampling every other pixel."""
    red = ink = total = 0
    for row in rows[top:bottom:2]:
        for r, g, b in row[::2]:
            total += 1
            ink += (r, g, b) != (255, 255, 255)
            red += r > 180 and g < 110 and b < 110
    return red, ink, total


def test_report_png_shows_the_graph_with_loops(report: tuple[str, Path]) -> None:
    _, out = report
    assert {p.name for p in out.iterdir()} == {"report.html", "money_flow.svg", "money_flow.png"}
    width, height, rows = read_png((out / "money_flow.png").read_bytes())
    assert (width, height) == (1300, 1200)
    red, ink, total = _pixels(rows, 0, height)
    assert red > 500, "no loop drawn in red"
    assert 0.03 < ink / total < 0.6, "the picture is blank or a block of colour"


def test_report_page_renders_with_graph_and_tables(report: tuple[str, Path], chromium: str) -> None:
    url, out = report
    page = out / "report.html"
    source = page.read_text(encoding="utf-8")
    # Self-contained: no scripts, stylesheets, images or frames from anywhere.
    assert not re.search(r"<(script|link|img|iframe)\b", source)
    assert not re.search(r"\b(src|href)=\"(https?:)?//", source)

    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=180, check=True,
        ).stdout
    soup = BeautifulSoup(dom, "html.parser")
    svg = soup.select_one("#graph svg#money-flow")
    assert svg is not None
    deals = analyst_data.query(url, "SELECT deal_id, conflicting_amounts FROM v_deals")
    cycles = analyst_data.query(url, "SELECT cycle FROM v_cycles")
    assert len(svg.select("path.edge.cycle")) >= 3
    drawn = {(p["data-source"], p["data-target"]) for p in svg.select("path.edge")}
    assert ("NVIDIA", "OpenAI") in drawn and ("Oracle", "NVIDIA") in drawn
    assert len(soup.select("#deals-table tbody tr.deal")) == len(deals)
    assert len(soup.select("#cycles-table tbody tr.cycle")) == len(cycles)
    assert "NVIDIA → OpenAI → Oracle → NVIDIA" in {td.get_text() for td in soup.select("#cycles-table td")}
    conflicts = soup.select("#conflicts-table tbody tr.conflict")
    assert len(conflicts) == sum(int(d["conflicting_amounts"]) for d in deals) >= 1
    # Every link to evidence lands on an element of the page.
    ids = {tag["id"] for tag in soup.select("[id]")}
    for link in soup.select('a[href^="#"]'):
        assert link["href"][1:] in ids, link["href"]

    shot = out / "page.png"
    screenshot(page, shot, 1300, 1500, chromium)
    _, height, rows = read_png(shot.read_bytes())
    red, ink, total = _pixels(rows, 0, height)
    assert red > 300 and ink / total > 0.03


def test_report_svg_is_deterministic_and_puts_loops_around_the_rim() -> None:
    edges = [Edge("A", "B", None, (1,), True), Edge("B", "C", None, (2,), True),
             Edge("C", "A", None, (3,), True), Edge("D", "A", None, (4,), False),
             Edge("E", "D", None, (5,), False), Edge("F", "E", None, (6,), False)]
    cycles = [{"length": 3, "company_1": "A", "company_2": "B", "company_3": "C"}]
    assert node_order(edges, cycles) == ["A", "D", "B", "E", "C", "F"]
    svg = money_flow_svg(edges, cycles)
    assert svg == money_flow_svg(edges, cycles)
    assert svg.count('class="edge cycle"') == 3 and svg.count('class="edge unpriced"') == 3
