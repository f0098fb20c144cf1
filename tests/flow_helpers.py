"""Helpers for tests that run the real ingest flow against a real database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text as sql

from db.engine import engine_for


def ingest(url: str, *paths: Path | str, **kwargs: Any) -> Any:
    """Run the real ``ingest`` flow over ``paths`` into ``url``."""
    from pipelines.flows import ingest_flow

    return ingest_flow(paths=[str(p) for p in paths], database_url=url, **kwargs)


def rows(url: str, query: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine_for(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sql(query), params)]


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path
