"""The analyst data set shared by the consolidation, view, SQL and report tests.

The bundled corpus, the seeds when ../shared is present, and three short documents
written for these tests: two that report one NVIDIA–Lambda leaseback with figures a
factor of ten apart (a conflict), and one with a yen amount and its stated dollar
conversion.  Each document is extracted once per test session (extraction is a pure
function of the text and the publication date), then stored as often as the tests need,
through the real ``store_document``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import torihiki.processing as processing
from db.engine import make_engine
from tests.conftest import CORPUS, GOLD, SEEDS
from torihiki.ingest.readers import RawDocument

EXTRA_DOCS = {
    "tests/lambda_leaseback_a.txt": (
        dt.date(2025, 9, 11),
        "2025年9月10日\nエヌビディアとラムダは、総額150億ドルで4年間のGPUリースバック契約を結んだ。\n",
    ),
    "tests/lambda_leaseback_b.txt": (
        dt.date(2025, 9, 13),
        "2025年9月12日\nエヌビディアはラムダに4年間で総額15億ドルを支払うGPUリースバック契約を結んだ。\n",
    ),
    "tests/softbank_ampere_yen.txt": (
        dt.date(2025, 8, 2),
        "2025年8月1日\nソフトバンクグループはアンペアを9750億円（約65億ドル）で買収すると発表した。\n",
    ),
}

_EXTRACTIONS: dict[tuple[str, dt.date | None, bool], Any] = {}


@contextmanager
def cached_extraction() -> Iterator[None]:
    """Memoise ``extract_document`` (pure) for the duration of the block."""
    original = processing.extract_document

    def extract(text: str, published: dt.date | None, **kwargs: Any) -> Any:
        key = (text, published, kwargs.get("nlp") is not None)
        if key not in _EXTRACTIONS:
            _EXTRACTIONS[key] = original(text, published, **kwargs)
        return _EXTRACTIONS[key]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(processing, "extract_document", extract)
        yield


def has_seeds() -> bool:
    return SEEDS.exists() and (GOLD / "seeds_published.json").exists()


def published_map() -> dict[str, dt.date]:
    raw = json.loads((CORPUS / "documents" / "published.json").read_text(encoding="utf-8"))
    if has_seeds():
        raw.update(json.loads((GOLD / "seeds_published.json").read_text(encoding="utf-8")))
    return {k: dt.date.fromisoformat(v) for k, v in raw.items()}


def documents() -> list[RawDocument]:
    """Every document of the data set, in a fixed order."""
    paths = [str(CORPUS / "documents")] + ([str(SEEDS)] if has_seeds() else [])
    docs = [d for d in processing.iter_inputs(paths) if isinstance(d, RawDocument)]
    for origin, (published, text) in EXTRA_DOCS.items():
        docs.append(RawDocument(origin=origin, text=text, title=None, published=published,
                                source_path=origin, content_type="text", encoding="utf-8"))
    return docs


def ingest(url: str, docs: Sequence[RawDocument], nlp: Any) -> None:
    """Store ``docs`` in this order through ``store_document``; every one must succeed."""
    engine = make_engine(url)
    pub = published_map()
    try:
        with cached_extraction():
            for raw in docs:
                outcome = processing.store_document(engine=engine, raw=raw, run_id=None, nlp=nlp,
                                                    published_map=pub)
                assert outcome.status in ("new", "processed", "skipped"), outcome.error
    finally:
        engine.dispose()


_BUILT: dict[str, str] = {}


def sqlite_dataset(tmp_path_factory: pytest.TempPathFactory, nlp: Any) -> str:
    """A migrated SQLite database holding the whole data set (built once per session)."""
    if "sqlite" not in _BUILT:
        from db.migrate import upgrade

        url = f"sqlite:///{tmp_path_factory.mktemp('analyst') / 'analyst.db'}"
        upgrade(url)
        ingest(url, documents(), nlp)
        _BUILT["sqlite"] = url
    return _BUILT["sqlite"]


def query(url: str, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    from sqlalchemy import text

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), params or {})]
    finally:
        engine.dispose()


def plain_rows(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows with numbers normalised (PostgreSQL decimals, SQLite floats) for comparison."""
    from torihiki.sql import plain

    def cell(v: Any) -> Any:
        v = plain(v)
        return round(v, 4) if isinstance(v, float) else v

    return [tuple(cell(v) for v in row) for row in rows]


DOCS = Path(__file__).resolve().parents[1] / "docs" / "SQL.md"
