"""Regression guard: the seeds' scores may not drop more than 0.02 below the recorded figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import GOLD, SEEDS, needs_shared
from torihiki.cli import _published_map
from torihiki.evalrun import run_eval

BASELINE = json.loads((Path(__file__).parent / "quality_baseline.json").read_text())


@pytest.mark.slow
@needs_shared()
def test_quality_guard_seeds() -> None:
    result, _timing = run_eval(
        [str(SEEDS)], GOLD / "seeds_deals.jsonl", GOLD / "seeds_metrics.jsonl",
        _published_map(str(GOLD / "seeds_published.json")),
    )
    floor = BASELINE["seeds"]
    figures = result.as_dict()
    assert figures["strict"]["f1"] >= floor["strict_f1"] - 0.02, figures
    assert figures["amount"]["f1"] >= floor["amount_f1"] - 0.02, figures
    assert figures["metric_confusions"] <= floor["metric_confusions"], figures


@pytest.mark.slow
@pytest.mark.parametrize("name", ["heldout", "heldout2", "heldout3"])
def test_quality_guard_heldout(name: str) -> None:
    """The held-out sets were written blind to the extractor; they guard generality, not a target."""
    heldout = Path(__file__).resolve().parents[1] / "corpus" / name
    result, _timing = run_eval(
        [str(heldout / "documents")], heldout / "expected_deals.jsonl", heldout / "expected_metrics.jsonl",
        _published_map(str(heldout / "documents" / "published.json")),
    )
    floor = BASELINE[name]
    figures = result.as_dict()
    assert figures["strict"]["f1"] >= floor["strict_f1"] - 0.02, figures
    assert figures["amount"]["f1"] >= floor["amount_f1"] - 0.02, figures
    assert figures["metric_confusions"] <= floor["metric_confusions"], figures
