"""``torihiki bench`` and what it measures: process-tree memory, the JSON figures.

No test here asserts a time: timings depend on the machine and its load.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from torihiki.bench import TreeMemory, tree_rss_bytes


def test_tree_memory_counts_child_processes() -> None:
    code = "import sys; x = bytearray(150 * 2**20); print('ready', flush=True); sys.stdin.read()"
    with TreeMemory() as memory:
        before = tree_rss_bytes()
        child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True)
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
            with memory.phase("child"):  # sampled on entry and exit, while the child lives
                with_child = tree_rss_bytes()
        finally:
            child.communicate("")
    assert with_child - before >= 140 * 2**20
    peak = memory.peak_mb("child")
    assert peak is not None and peak * 2**20 >= before + 140 * 2**20


@pytest.mark.slow
def test_bench_writes_every_figure(prefect_harness: None, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from torihiki.cli import main

    out = tmp_path / "bench.json"
    doc = CORPUS / "documents" / "news_nvidia_groq_short.txt"
    assert main(["bench", str(doc), "--repeat", "1", "--workers", "0", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    for label in ("reference", "pipeline", "ratio to the reference", "re-run", "peak memory", "corpus F1"):
        assert label in table

    fig = json.loads(out.read_text(encoding="utf-8"))
    assert set(fig) == {"input", "machine", "reference", "pipeline", "ner_everywhere", "quality",
                        "memory", "dask", "targets"}
    assert fig["input"]["documents"] == 1 and fig["input"]["characters"] > 0
    assert fig["reference"]["characters"] == fig["input"]["characters"]
    for key in ("chars_per_second", "chars_per_cpu_second", "median_seconds", "model_load_seconds"):
        assert isinstance(fig["reference"][key], float), key
    for key in ("chars_per_second", "ratio_to_reference", "cpu_ratio_to_reference", "median_cold_seconds",
                "median_rerun_seconds", "rerun_share", "model_load_seconds", "prefect_first_run_seconds"):
        assert isinstance(fig["pipeline"][key], float), key
    assert fig["pipeline"]["counts"]["documents_new"] == 1
    assert isinstance(fig["memory"]["pipeline_peak_mb"], float)
    assert isinstance(fig["memory"]["reference_process_peak_mb"], float)
    assert isinstance(fig["ner_everywhere"]["chars_per_second"], float)
    corpus = fig["quality"]["corpus"]
    assert corpus["gated"]["documents"] == 1
    assert {"strict_f1", "amount_f1", "metric_confusions"} <= set(corpus["gated"])
    assert corpus["equal"] is True
    assert fig["dask"] == {"runs": [], "speedup": None, "speedup_workers": None,
                           "machine_parallel_efficiency": None}
    assert set(fig["targets"]) == {"ratio_at_least_10", "memory_at_most_1gb", "rerun_at_most_2_percent",
                                   "f1_equal_to_everywhere"}
