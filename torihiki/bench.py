"""``torihiki bench``: throughput, memory and quality of one run, read together.

On the same input (default: ``corpus/documents/`` plus ``../shared/seeds/`` when
present) it measures:

- the reference: plain ``spacy.load("ja_ginza")`` and ``nlp.pipe`` over all the
  text (in a child process, so its model does not count in the pipeline's memory);
- the pipeline: what ``torihiki ingest`` runs (:func:`torihiki.processing.run_ingest`)
  into a new SQLite database, cold, and again over the unchanged input (a re-run: its
  pre-flight finds every document stored and starts no flow run), and the re-run of the
  ``ingest`` flow itself, apart;
- the seeds' and the corpus's F1 from that cold run's database, and from a run
  with GiNZA on every sentence (``ner_everywhere``), when their gold files exist;
- the peak resident memory of the process tree (see :class:`TreeMemory`);
- the ingest flow on a local Dask cluster of 1 and of ``workers`` workers.

Timed figures exclude one-time costs, which are reported apart: loading a model,
starting Prefect's temporary server, starting a Dask cluster (and its workers'
models), creating the database schema.  Each timing is taken ``repeat`` times and
the median is reported; the machine is shared, so the load average is recorded too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DOCUMENTS = ROOT / "corpus" / "documents"
SHARED = ROOT.parent / "shared"


@dataclass(frozen=True)
class GoldSet:
    name: str
    deals: Path
    metrics: Path
    published: Path


GOLD_SETS = (
    GoldSet("seeds", SHARED / "gold" / "seeds_deals.jsonl", SHARED / "gold" / "seeds_metrics.jsonl",
            SHARED / "gold" / "seeds_published.json"),
    GoldSet("corpus", ROOT / "corpus" / "expected_deals.jsonl", ROOT / "corpus" / "expected_metrics.jsonl",
            CORPUS_DOCUMENTS / "published.json"),
)

TARGETS = {"ratio": 10.0, "memory_mb": 1024.0, "rerun_share": 0.02}


def default_inputs() -> list[str]:
    paths = [CORPUS_DOCUMENTS, SHARED / "seeds"]
    return [str(p) for p in paths if p.exists()]


def default_published_map() -> dict[str, dt.date]:
    """The publication dates of the bundled corpus and of the seeds, where present."""
    merged: dict[str, dt.date] = {}
    for gold in GOLD_SETS:
        if gold.published.exists():
            raw = json.loads(gold.published.read_text(encoding="utf-8"))
            merged.update({str(k): dt.date.fromisoformat(str(v)[:10]) for k, v in raw.items()})
    return merged


# --- memory ---------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    out: list[int] = []
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return out


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_bytes(root: int | None = None) -> int:
    """Resident memory of ``root`` (default: this process) and all its descendants, summed."""
    todo, total, seen = [root or os.getpid()], 0, set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_bytes(pid)
        todo += _children(pid)
    return total


class TreeMemory:
    """Peak resident memory of the whole process tree, per phase.

    A thread sums the resident set size (``/proc/PID/statm``) of this process and
    of every descendant (``/proc/PID/task/TID/children``: the Prefect server, the
    reference's child process, Dask workers) every ``interval`` seconds and keeps
    the largest sum seen in the current phase.  Summing RSS counts pages shared
    between processes once per process, so it is an upper bound.  Where ``/proc``
    is missing it falls back to ``getrusage`` (this process, and the largest child
    waited for), reported apart as ``ru_maxrss``.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.available = Path("/proc/self/statm").exists()
        self.peaks: dict[str, int] = {}
        self._phase: str | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="torihiki-bench-memory", daemon=True)

    def __enter__(self) -> TreeMemory:
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _sample(self) -> None:
        rss = tree_rss_bytes()
        with self._lock:
            if self._phase is not None and rss > self.peaks.get(self._phase, 0):
                self.peaks[self._phase] = rss

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        with self._lock:
            self._phase = name
        if self.available:
            self._sample()
        try:
            yield
        finally:
            if self.available:
                self._sample()
            with self._lock:
                self._phase = None

    def peak_mb(self, *phases: str) -> float | None:
        values = [self.peaks[p] for p in phases if p in self.peaks]
        return round(max(values) / 2**20, 1) if values else None


def ru_maxrss_mb() -> dict[str, float]:
    import resource

    scale = 1024 if sys.platform != "darwin" else 1  # kB on Linux, bytes on macOS
    return {
        "self": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20, 1),
        "largest_child": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale / 2**20, 1),
    }


# --- timing helpers -------------------------------------------------------


def _timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, float, Any]:
    """Wall and CPU seconds (this process) of ``fn(*args, **kwargs)``, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stderr(io.StringIO()):  # the flows' per-document progress lines
        result = fn(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


def _per_second(chars: int, seconds: float | None) -> float | None:
    return round(chars / seconds, 1) if seconds else None


def _burn(n: int) -> float:
    total = 0
    for i in range(n):
        total += i * i
    return float(total)


def parallel_efficiency(processes: int, n: int = 10_000_000) -> float:
    """How many times one CPU-bound process's work ``processes`` processes do at once here.

    ``processes`` on an idle machine with that many cores; less where other work
    shares the cores.  A few seconds' sample of what parallel speed-up the machine
    had to give while the Dask runs were measured.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_burn, [1] * processes))  # the processes are up before the clock starts
        one = time.perf_counter()
        list(pool.map(_burn, [n]))
        one = time.perf_counter() - one
        many = time.perf_counter()
        list(pool.map(_burn, [n] * processes))
        many = time.perf_counter() - many
    return round(processes * one / many, 3)


# --- the reference ----------------------------------------------------------


def _texts(paths: Sequence[str]) -> list[str]:
    from torihiki.errors import TorihikiError
    from torihiki.processing import iter_inputs

    return [item.text for item in iter_inputs(paths) if not isinstance(item, TorihikiError)]


def reference_run(paths: Sequence[str], repeat: int) -> dict[str, Any]:
    """Plain ``spacy.load`` of the model and ``nlp.pipe`` over every document's text.

    Texts above SudachiPy's input limit are cut at sentence ends (as the pipeline does).
    """
    import spacy

    from extractors.document import SUDACHI_SAFE_BYTES
    from extractors.text import chunk_spans
    from torihiki.settings import get_settings

    texts = [t[a:b] for t in _texts(paths) for a, b in chunk_spans(t, SUDACHI_SAFE_BYTES)]
    started = time.perf_counter()
    nlp = spacy.load(get_settings().spacy_model)
    load = time.perf_counter() - started
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        for _doc in nlp.pipe(texts):
            pass
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"model": get_settings().spacy_model, "pipes": nlp.pipe_names, "characters": sum(map(len, texts)),
            "model_load_seconds": round(load, 3), "seconds": walls, "cpu_seconds": cpus,
            "peak_rss_mb": ru_maxrss_mb()["self"]}


def _reference_in_child(paths: Sequence[str], repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "torihiki.bench", "--reference", "--repeat", str(repeat), *paths]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=os.getcwd())
    if done.returncode != 0:
        raise RuntimeError(f"the reference run failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- quality ----------------------------------------------------------------


def score_database(url: str, gold: GoldSet) -> dict[str, Any] | None:
    """Strict and amount-level F1 of the stored deal mentions of the gold set's documents.

    Only documents of the gold set that are in the database count, on both sides,
    so a smaller input is scored on its own documents.  None when there are none.
    """
    from db.engine import make_engine
    from db.queries import iter_export
    from torihiki.evalrun import _doc_keys, read_jsonl
    from torihiki.evaluation import score

    if not gold.deals.exists():
        return None
    gold_lines = read_jsonl(gold.deals)
    metric_lines = read_jsonl(gold.metrics) if gold.metrics.exists() else []
    gold_docs: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for g in gold_lines:
        gold_docs[str(g["doc"])].append(g)
    engine = make_engine(url)
    try:
        keys = _doc_keys(engine, gold_docs)
        present = {k for k in keys.values() if k in gold_docs}
        predicted: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rec in iter_export(engine, "deal-mentions"):
            key = keys.get(int(rec["document_id"]))
            if key in present:
                predicted[key].append(rec)
    finally:
        engine.dispose()
    if not present:
        return None
    result = score(predicted, [g for g in gold_lines if g["doc"] in present],
                   [m for m in metric_lines if m["doc"] in present])
    figures = result.as_dict()
    return {
        "documents": len(present),
        "strict_f1": round(figures["strict"]["f1"], 4),
        "amount_f1": round(figures["amount"]["f1"], 4),
        "strict": figures["strict"],
        "amount": figures["amount"],
        "metric_confusions": figures["metric_confusions"],
    }


def ingest_everywhere(paths: Sequence[str], url: str, published_map: Mapping[str, dt.date]) -> None:
    """Store every document with GiNZA on every sentence (no Prefect: the same library calls)."""
    from db.engine import make_engine
    from torihiki.errors import TorihikiError
    from torihiki.processing import get_nlp, iter_inputs, quarantine_error, store_document

    engine = make_engine(url)
    try:
        for item in iter_inputs(paths):
            if isinstance(item, TorihikiError):
                quarantine_error(engine=engine, error=item, run_id=None)
            else:
                store_document(engine=engine, raw=item, run_id=None, nlp=get_nlp(),
                               published_map=published_map, ner_everywhere=True)
    finally:
        engine.dispose()


# --- the bench --------------------------------------------------------------


@dataclass
class Bench:
    paths: list[str]
    workdir: Path
    repeat: int = 3
    published_map: dict[str, dt.date] = field(default_factory=dict)
    _n: int = 0

    def new_database(self) -> str:
        from db.migrate import upgrade

        self._n += 1
        url = f"sqlite:///{self.workdir / f'bench-{self._n}.db'}"
        upgrade(url)
        return url

    def ingest(self, url: str, **runner: Any) -> Any:
        """Exactly what ``torihiki ingest`` runs: migrations, the pre-flight, the flow if needed."""
        from torihiki.processing import run_ingest

        return run_ingest(self.paths, database_url=url, published_map=self.published_map, **runner)

    def ingest_flow(self, url: str) -> Any:
        """The ``ingest`` flow itself, without the pre-flight (as ``torihiki ingest`` runs it)."""
        from pipelines.flows import command_line_settings, ingest_flow

        with command_line_settings():
            return ingest_flow(paths=self.paths, database_url=url, published_map=self.published_map)


WARM_UP_TEXT = "エヌビディアはOpenAIに最大1000億ドルを投資すると発表した。\n"


def _warm_up(bench: Bench) -> None:
    """One flow run over one sentence: starts Prefect's local server and the lazy imports."""
    from pipelines.flows import command_line_settings, ingest_flow

    doc = bench.workdir / "warm-up.txt"
    doc.write_text(WARM_UP_TEXT, encoding="utf-8")
    with command_line_settings():
        ingest_flow(paths=[str(doc)], database_url=bench.new_database())


def _load_model() -> None:
    """Load the model in this process (a Dask worker) without sending it anywhere."""
    from torihiki.processing import get_nlp

    get_nlp()


def _pipeline_runs(bench: Bench, memory: TreeMemory) -> dict[str, Any]:
    """One-time costs, then ``repeat`` cold runs into new databases, each followed by a re-run
    (pre-flight, no flow run) and a re-run of the flow itself."""
    from torihiki.processing import get_nlp

    with memory.phase("pipeline"):
        model_load = _timed(get_nlp)[0]
        prefect_start = _timed(_warm_up, bench)[0]
        cold, cold_cpu, rerun, rerun_flow, urls = [], [], [], [], []
        counts: dict[str, int] = {}
        for _ in range(bench.repeat):
            urls.append(bench.new_database())
            wall, cpu, summary = _timed(bench.ingest, urls[-1])
            cold.append(wall)
            cold_cpu.append(cpu)
            counts = summary.counts()
            rerun.append(_timed(bench.ingest, urls[-1])[0])
            rerun_flow.append(_timed(bench.ingest_flow, urls[-1])[0])
    return {"runner": "in-process", "model_load_seconds": round(model_load, 3),
            "prefect_first_run_seconds": round(prefect_start, 3), "database": urls[0],
            "cold_seconds": cold, "cold_cpu_seconds": cold_cpu, "median_cold_seconds": _median(cold),
            "rerun_seconds": rerun, "median_rerun_seconds": _median(rerun),
            "rerun_method": "pre-flight, no flow run",
            "rerun_flow_seconds": rerun_flow, "median_rerun_flow_seconds": _median(rerun_flow),
            "counts": counts}


def _quality(bench: Bench, gated_url: str, memory: TreeMemory) -> tuple[dict[str, Any], float]:
    """F1 of the gated run's database and of a run with GiNZA on every sentence, per gold set."""
    with memory.phase("quality"):
        everywhere_url = bench.new_database()
        seconds = _timed(ingest_everywhere, bench.paths, everywhere_url, bench.published_map)[0]
        quality = {}
        for gold in GOLD_SETS:
            gated, every = score_database(gated_url, gold), score_database(everywhere_url, gold)
            if gated is not None and every is not None:
                same = (gated["strict"], gated["amount"]) == (every["strict"], every["amount"])
                quality[gold.name] = {"gated": gated, "everywhere": every, "equal": same}
    return quality, seconds


def _dask_runs(bench: Bench, workers: int, memory: TreeMemory) -> dict[str, Any]:
    """The ingest flow on a local cluster whose workers have loaded the model already."""
    import logging

    from distributed import Client, LocalCluster

    phase = f"dask_{workers}"
    with memory.phase(phase):
        started = time.perf_counter()
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,  # type: ignore[no-untyped-call]
                          dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:  # type: ignore[no-untyped-call]
            client.run(_load_model)
            startup = time.perf_counter() - started
            walls = [_timed(bench.ingest, bench.new_database(), dask_address=cluster.scheduler_address)[0]
                     for _ in range(bench.repeat)]
    return {"workers": workers, "startup_seconds": round(startup, 3), "seconds": walls,
            "median_seconds": _median(walls), "peak_memory_mb": memory.peak_mb(phase)}


def run_bench(
    paths: Sequence[str] | None = None,
    *,
    repeat: int = 3,
    workers: int = 2,
    published_map: Mapping[str, dt.date] | None = None,
) -> dict[str, Any]:
    """Measure everything on one input and return the figures (see the module docstring)."""
    from db.engine import dispose_engines

    paths = [str(p) for p in (paths or default_inputs())]
    chars = sum(map(len, _texts(paths)))
    machine: dict[str, Any] = {"cpus": os.cpu_count(), "repeat": max(1, repeat),
                               "load_average_start": os.getloadavg()}
    dask: dict[str, Any] = {"runs": [], "speedup": None, "speedup_workers": None,
                            "machine_parallel_efficiency": None}
    with tempfile.TemporaryDirectory(prefix="torihiki-bench-") as tmp, TreeMemory() as memory:
        bench = Bench(paths, Path(tmp), repeat=max(1, repeat),
                      published_map={**default_published_map(), **(published_map or {})})
        pipe = _pipeline_runs(bench, memory)
        quality, everywhere = _quality(bench, pipe.pop("database"), memory)
        with memory.phase("reference"):
            ref = _reference_in_child(paths, bench.repeat)
        for n in sorted({1, workers}) if workers >= 1 else []:
            dask["runs"].append(_dask_runs(bench, n, memory))
        if workers > 1:
            dask["machine_parallel_efficiency"] = parallel_efficiency(workers)
        dispose_engines()  # the flows' cached engines point into the temporary directory
    machine["load_average_end"] = os.getloadavg()
    if len(dask["runs"]) > 1 and dask["runs"][0]["median_seconds"] and dask["runs"][-1]["median_seconds"]:
        dask["speedup"] = round(dask["runs"][0]["median_seconds"] / dask["runs"][-1]["median_seconds"], 3)
        dask["speedup_workers"] = workers

    ref_cps = _per_second(ref["characters"], _median(ref["seconds"]))
    ref_cpu_cps = _per_second(ref["characters"], _median(ref["cpu_seconds"]))
    cps = _per_second(chars, pipe["median_cold_seconds"])
    cpu_cps = _per_second(chars, _median(pipe["cold_cpu_seconds"]))
    pipe.update({
        "chars_per_second": cps, "chars_per_cpu_second": cpu_cps,
        "ratio_to_reference": round(cps / ref_cps, 3) if cps and ref_cps else None,
        "cpu_ratio_to_reference": round(cpu_cps / ref_cpu_cps, 3) if cpu_cps and ref_cpu_cps else None,
        "rerun_share": round(pipe["median_rerun_seconds"] / pipe["median_cold_seconds"], 4)
        if pipe["median_rerun_seconds"] and pipe["median_cold_seconds"] else None,
        "rerun_flow_share": round(pipe["median_rerun_flow_seconds"] / pipe["median_cold_seconds"], 4)
        if pipe["median_rerun_flow_seconds"] and pipe["median_cold_seconds"] else None,
    })
    memory_out: dict[str, Any] = {
        "pipeline_peak_mb": memory.peak_mb("pipeline"),
        "quality_peak_mb": memory.peak_mb("quality"),
        "reference_phase_peak_mb": memory.peak_mb("reference"),
        "reference_process_peak_mb": ref.get("peak_rss_mb"),
        "dask_peak_mb": {str(r["workers"]): r["peak_memory_mb"] for r in dask["runs"]},
        "ru_maxrss_mb": ru_maxrss_mb(),
        "method": "sum of the resident set sizes (/proc/PID/statm) of this process and all its "
                  f"descendants, sampled every {memory.interval:g} s; the largest sum per phase",
    }
    return {
        "input": {"paths": paths, "documents": pipe["counts"].get("documents_seen"), "characters": chars},
        "machine": machine,
        "reference": {**ref, "median_seconds": _median(ref["seconds"]), "chars_per_second": ref_cps,
                      "chars_per_cpu_second": ref_cpu_cps},
        "pipeline": pipe,
        "ner_everywhere": {"seconds": round(everywhere, 3),
                           "chars_per_second": _per_second(chars, everywhere)},
        "quality": quality,
        "memory": memory_out,
        "dask": dask,
        "targets": {
            "ratio_at_least_10": _meets(pipe["ratio_to_reference"], TARGETS["ratio"], above=True),
            "memory_at_most_1gb": _meets(memory_out["pipeline_peak_mb"], TARGETS["memory_mb"], above=False),
            "rerun_at_most_2_percent": _meets(pipe["rerun_share"], TARGETS["rerun_share"], above=False),
            "f1_equal_to_everywhere": all(q["equal"] for q in quality.values()) if quality else None,
        },
    }


def _meets(value: float | None, target: float, *, above: bool) -> bool | None:
    if value is None:
        return None
    return value >= target if above else value <= target


# --- the table ----------------------------------------------------------------


def _f(value: float | None, fmt: str = ",.0f", suffix: str = "") -> str:
    return "-" if value is None else f"{value:{fmt}}{suffix}"


def _yes(ok: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[ok]


def format_table(fig: Mapping[str, Any]) -> str:
    p, r, m, d, t = fig["pipeline"], fig["reference"], fig["memory"], fig["dask"], fig["targets"]
    inp, mach = fig["input"], fig["machine"]
    rows: list[tuple[str, str, str, str]] = [
        ("reference: spacy.load + nlp.pipe", _f(r.get("chars_per_second"), suffix=" chars/s"), "", ""),
        ("pipeline: torihiki ingest -> SQLite, cold", _f(p["chars_per_second"], suffix=" chars/s"), "", ""),
        ("  ratio to the reference", _f(p["ratio_to_reference"], ".2f", "x"), ">= 10x",
         _yes(t["ratio_at_least_10"])),
        ("  ratio in CPU seconds", _f(p["cpu_ratio_to_reference"], ".2f", "x"), "", ""),
        ("re-run, unchanged input: pre-flight, no flow run",
         f"{_f(p['median_rerun_seconds'], '.3f', ' s')} = "
         f"{_f(None if p['rerun_share'] is None else 100 * p['rerun_share'], '.1f', ' %')} of cold",
         "<= 2 %", _yes(t["rerun_at_most_2_percent"])),
        ("  re-run of the ingest flow itself", f"{_f(p['median_rerun_flow_seconds'], '.3f', ' s')} = "
         f"{_f(None if p['rerun_flow_share'] is None else 100 * p['rerun_flow_share'], '.1f', ' %')} of cold",
         "", ""),
        ("peak memory, process tree (pipeline)", _f(m["pipeline_peak_mb"], ",.0f", " MB"), "<= 1024 MB",
         _yes(t["memory_at_most_1gb"])),
    ]
    for name, q in fig["quality"].items():
        g, e = q["gated"], q["everywhere"]
        rows.append((f"{name} F1 strict / amount, gated",
                     f"{g['strict_f1']:.3f} / {g['amount_f1']:.3f}", "", ""))
        rows.append((f"{name} F1 strict / amount, everywhere",
                     f"{e['strict_f1']:.3f} / {e['amount_f1']:.3f}", "equal", _yes(q["equal"])))
    for run in d["runs"]:
        rows.append((f"dask, {run['workers']} worker(s)", _f(run["median_seconds"], ".2f", " s"), "", ""))
    if d.get("speedup") is not None:
        rows.append((f"dask speed-up, {d['speedup_workers']} workers over 1",
                     _f(d["speedup"], ".2f", "x"), "", ""))
        rows.append((f"  {d['speedup_workers']} CPU-bound Python processes at once, here",
                     _f(d["machine_parallel_efficiency"], ".2f", "x"), "", ""))
    width = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        f"torihiki bench: {inp['documents']} documents, {inp['characters']:,} characters; "
        f"medians of {mach['repeat']} runs; {mach['cpus']} CPUs, load "
        f"{mach['load_average_start'][0]:.1f} -> {mach['load_average_end'][0]:.1f}",
        "",
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, width, strict=True)).rstrip() for row in rows]
    lines += [
        "",
        f"one-time: model load {_f(p['model_load_seconds'], '.1f', ' s')}, "
        f"reference model load {_f(r.get('model_load_seconds'), '.1f', ' s')}, "
        f"first flow run (Prefect start-up) {_f(p['prefect_first_run_seconds'], '.1f', ' s')}"
        + "".join(f", dask {x['workers']}-worker start {x['startup_seconds']:.1f} s" for x in d["runs"]),
        f"GiNZA on every sentence: {_f(fig['ner_everywhere']['chars_per_second'], suffix=' chars/s')} "
        f"(library calls, no Prefect)",
        f"memory: {m['method']}; the reference's own process "
        f"{_f(m['reference_process_peak_mb'], ',.0f', ' MB')}, "
        + ", ".join(f"dask {k} workers {_f(v, ',.0f', ' MB')}" for k, v in m["dask_peak_mb"].items()),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m torihiki.bench --reference PATH...``: the reference run, as JSON (used by the bench)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m torihiki.bench")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--reference", action="store_true", required=True)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(reference_run(args.paths, max(1, args.repeat))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
