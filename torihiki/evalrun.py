"""``torihiki eval``: ingest documents into a temporary database, export, score against gold."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.migrate import upgrade
from db.queries import iter_export
from models import Document, DocumentSource
from torihiki.errors import TorihikiError
from torihiki.evaluation import Score, score
from torihiki.processing import get_nlp, iter_inputs, quarantine_error, store_document


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _doc_keys(engine: Any, gold_docs: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[int, str]:
    """Stored document id → gold ``doc`` key, by file name, else by the gold evidence it contains."""
    with Session(engine) as s:
        origins: dict[int, list[str]] = defaultdict(list)
        for doc_id, origin in s.execute(select(DocumentSource.document_id, DocumentSource.origin)):
            origins[doc_id].append(origin)
        texts = dict(s.execute(select(Document.id, Document.text)).tuples().all())
    keys: dict[int, str] = {}
    for key, lines in gold_docs.items():
        for doc_id, names in origins.items():
            if any(Path(o).name == key or o.endswith("/" + key) or o == key for o in names):
                keys[doc_id] = key
                break
        else:
            evidence = [str(g["evidence"]) for g in lines]
            for doc_id, text in texts.items():
                if doc_id not in keys and all(e in text for e in evidence):
                    keys[doc_id] = key
                    break
    for doc_id, names in origins.items():
        keys.setdefault(doc_id, Path(names[0]).name)
    return keys


def run_eval(
    docs: Sequence[str],
    gold: Path,
    metrics: Path | None = None,
    published_map: Mapping[str, dt.date] | None = None,
    database_url: str | None = None,
    ner_everywhere: bool = False,
) -> tuple[Score, dict[str, Any]]:
    """Ingest ``docs`` into a fresh database and score the exported deal mentions."""
    gold_lines = read_jsonl(gold)
    metric_lines = read_jsonl(metrics) if metrics else []
    with tempfile.TemporaryDirectory(prefix="torihiki-eval-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'eval.db'}"
        upgrade(url)
        engine = make_engine(url)
        nlp = get_nlp()
        started = time.perf_counter()
        chars = 0
        for item in iter_inputs(list(docs)):
            if isinstance(item, TorihikiError):
                quarantine_error(engine=engine, error=item, run_id=None)
                continue
            chars += len(item.text)
            store_document(engine=engine, raw=item, run_id=None, nlp=nlp,
                           published_map=published_map, ner_everywhere=ner_everywhere)
        elapsed = time.perf_counter() - started
        gold_docs: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for g in gold_lines:
            gold_docs[str(g["doc"])].append(g)
        keys = _doc_keys(engine, gold_docs)
        predicted: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rec in iter_export(engine, "deal-mentions"):
            predicted[keys.get(int(rec["document_id"]), str(rec["document"]))].append(rec)
        engine.dispose()
    result = score(predicted, gold_lines, metric_lines)
    timing = {"seconds": elapsed, "characters": chars,
              "chars_per_second": chars / elapsed if elapsed else 0.0}
    return result, timing
