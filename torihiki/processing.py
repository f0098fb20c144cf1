"""Library functions behind the flows: read, extract and store documents.

Flows and tasks are thin wrappers over these, so they can be called (and
tested) without Prefect.  Each document is stored in one transaction: its
row, its source and all its derived rows are written together or not at all.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db import store
from extractors import EXTRACTOR_VERSION
from extractors.document import extract_document
from extractors.pipeline import build_nlp
from extractors.registry import Entity, Registry, default_registry
from extractors.types import DocumentExtraction
from torihiki.errors import ExtractionError, StorageError, TorihikiError
from torihiki.ingest.readers import RawDocument, iter_documents
from torihiki.settings import get_settings

log = logging.getLogger("torihiki")


def get_nlp(model: str | None = None) -> Language:
    """The spaCy pipeline, loaded once per process (and so once per Dask worker)."""
    # Cached by model name: get_nlp() and get_nlp(None) are the same pipeline, not two.
    return _load_nlp(model or get_settings().spacy_model)


@lru_cache(maxsize=2)
def _load_nlp(model: str) -> Language:
    return build_nlp(model)


@dataclass
class DocumentOutcome:
    origin: str
    status: str  # new, processed, skipped, quarantined
    document_id: int | None = None
    deal_mentions: int = 0
    error: str | None = None


@dataclass
class RunSummary:
    run_id: int
    outcomes: list[DocumentOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def quarantined(self) -> list[DocumentOutcome]:
        return [o for o in self.outcomes if o.status == "quarantined"]

    @property
    def deal_mentions(self) -> int:
        return sum(o.deal_mentions for o in self.outcomes)

    def counts(self) -> dict[str, int]:
        return {
            "documents_seen": len(self.outcomes),
            "documents_new": self.count("new"),
            "documents_processed": self.count("new") + self.count("processed"),
            "documents_skipped": self.count("skipped"),
            "documents_quarantined": self.count("quarantined"),
            "deal_mentions": self.deal_mentions,
        }


def iter_inputs(paths: Sequence[str | Path]) -> Iterator[RawDocument | TorihikiError]:
    """Every document (or the error that stands for it) under ``paths``: files,
    directories and http(s) URLs; one bad input never hides the others."""
    yield from iter_documents(paths, max_bytes=get_settings().max_input_bytes)


def _entities_for(extraction: DocumentExtraction, registry: Registry) -> dict[str, Entity]:
    entities: dict[str, Entity] = {}
    for c in extraction.companies:
        if c.canonical in entities:
            continue
        known = registry.entities.get(c.canonical)
        entities[c.canonical] = known or Entity(
            name=c.canonical, kind=c.kind, aliases=(c.text,), verified=c.verified
        )
    return entities


def store_document(
    *,
    engine: Engine,
    raw: RawDocument,
    run_id: int | None,
    nlp: Language | None,
    published: dt.date | None = None,
    published_map: Mapping[str, dt.date] | None = None,
    force: bool = False,
    ner_everywhere: bool = False,
) -> DocumentOutcome:
    """Store one document and its extraction; never raises for a bad document."""
    try:
        try:
            existing = store.find_document(engine=engine, sha256=store.sha256_text(raw.text))
            if existing and existing.extractor_version == EXTRACTOR_VERSION and not force:
                store.in_transaction(engine, lambda session: store.add_source(
                    session=session, document_id=existing.id, origin=raw.origin,
                    source_path=raw.source_path, run_id=run_id))
                return DocumentOutcome(raw.origin, "skipped", existing.id)
        except Exception as exc:  # the database failed us: quarantine and go on
            raise StorageError(raw.origin, f"looking up the document failed: {exc!r}") from exc

        pub, pub_source = _publication_date(raw, published, published_map)
        if existing is not None and existing.published is not None:
            pub = existing.published
        try:
            extraction = extract_document(raw.text, pub, nlp=nlp, ner_everywhere=ner_everywhere)
        except Exception as exc:  # any extractor failure quarantines this document only
            raise ExtractionError(raw.origin, f"extraction failed: {exc!r}") from exc
        registry = default_registry()

        def write(session: Session) -> tuple[int, int]:
            doc_id = store.upsert_document(
                session=session, text=raw.text, title=raw.title, published=pub,
                published_source=pub_source, content_type=raw.content_type,
                encoding=raw.encoding, notes=raw.notes,
            )
            store.add_source(session=session, document_id=doc_id, origin=raw.origin,
                             source_path=raw.source_path, run_id=run_id)
            n = store.replace_extraction(
                session=session, document_id=doc_id, extraction=extraction,
                entities=_entities_for(extraction, registry),
                extractor_version=EXTRACTOR_VERSION,
            )
            store.resolve_quarantine(session=session, origin=raw.origin)
            return doc_id, n

        try:  # one transaction, retried whole if a concurrent run got in the way
            doc_id, n = store.in_transaction(engine, write)
        except Exception as exc:  # rolled back: quarantine and go on
            raise StorageError(raw.origin, f"storing failed: {exc!r}") from exc
        return DocumentOutcome(raw.origin, "processed" if existing else "new", doc_id, n)
    except TorihikiError as err:
        return quarantine_error(engine=engine, error=err, run_id=run_id)


def quarantine_error(*, engine: Engine, error: TorihikiError, run_id: int | None) -> DocumentOutcome:
    log.warning("quarantined %s", error)
    store.quarantine(engine=engine, origin=error.origin, code=error.code, reason=str(error),
                     run_id=run_id)
    return DocumentOutcome(error.origin, "quarantined", error=str(error))


def _publication_date(
    raw: RawDocument, option: dt.date | None, published_map: Mapping[str, dt.date] | None
) -> tuple[dt.date | None, str]:
    if raw.published is not None:
        return raw.published, "document"
    if published_map:
        for key in (raw.origin, Path(raw.source_path).name, Path(raw.source_path).stem):
            if key in published_map:
                return published_map[key], "map"
    if option is not None:
        return option, "option"
    return None, "unknown"


def reprocess_document(*, engine: Engine, document_id: int, nlp: Language | None,
                       run_id: int | None) -> DocumentOutcome:
    """Re-extract a stored document and replace its derived rows atomically."""
    text, published, origin = store.load_document(engine=engine, document_id=document_id)
    try:
        try:
            extraction = extract_document(text, published, nlp=nlp)
        except Exception as exc:
            raise ExtractionError(origin, f"extraction failed: {exc!r}") from exc

        def write(session: Session) -> int:
            n = store.replace_extraction(
                session=session, document_id=document_id, extraction=extraction,
                entities=_entities_for(extraction, default_registry()),
                extractor_version=EXTRACTOR_VERSION,
            )
            store.resolve_quarantine(session=session, origin=origin)
            return n

        try:  # rolled back whole on failure: the previous rows stay
            n = store.in_transaction(engine, write)
        except Exception as exc:
            raise StorageError(origin, f"storing failed: {exc!r}") from exc
        return DocumentOutcome(origin, "processed", document_id, n)
    except TorihikiError as err:
        return quarantine_error(engine=engine, error=err, run_id=run_id)
