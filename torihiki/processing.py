"""Library functions behind the flows: read, extract and store documents.

Flows and tasks are thin wrappers over these, so they can be called (and
tested) without Prefect.  Each document is stored in one transaction: its
row, its source and all its derived rows are written together or not at all.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db import store
from db.engine import engine_for
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


# --- documents stored already ----------------------------------------------


@dataclass(frozen=True)
class InputRef:
    """What the look-up needs of a decoded input: where it came from and its content hash."""

    origin: str
    source_path: str | None
    sha256: str

    @classmethod
    def of(cls, raw: RawDocument) -> InputRef:
        return cls(raw.origin, raw.source_path, store.sha256_text(raw.text))


def input_refs(items: Sequence[RawDocument | TorihikiError]) -> dict[int, InputRef]:
    """The decoded inputs among ``items``, by position."""
    return {i: InputRef.of(item) for i, item in enumerate(items) if isinstance(item, RawDocument)}


def find_stored(*, engine: Engine, refs: Mapping[int, InputRef]) -> dict[int, store.StoredDocument]:
    """The inputs whose content is stored already, by position, each with those of its
    origins that are recorded already: one query for the whole list."""
    origins: dict[str, set[str]] = {}
    for ref in refs.values():
        origins.setdefault(ref.sha256, set()).add(ref.origin)
    found = store.find_documents(engine=engine, origins_by_sha256=origins)
    return {i: found[ref.sha256] for i, ref in refs.items() if ref.sha256 in found}


def look_up(
    *, engine: Engine, items: Sequence[RawDocument | TorihikiError]
) -> dict[int, store.StoredDocument]:
    """:func:`find_stored` of the decoded inputs among ``items``, by position in ``items``."""
    return find_stored(engine=engine, refs=input_refs(items))


def is_current(stored: store.StoredDocument | None) -> bool:
    """Stored by this extractor version: nothing to extract again."""
    return stored is not None and stored.extractor_version == EXTRACTOR_VERSION


def new_sources(
    refs: Mapping[int, InputRef], stored: Mapping[int, store.StoredDocument]
) -> list[tuple[int, str, str | None]]:
    """(document id, origin, source path) of the inputs of ``stored`` whose origin is not recorded."""
    out: dict[tuple[int, str], str | None] = {}
    for i, doc in stored.items():
        ref = refs[i]
        if ref.origin not in doc.origins:
            out.setdefault((doc.id, ref.origin), ref.source_path)
    return [(doc_id, origin, path) for (doc_id, origin), path in out.items()]


def record_unchanged(
    *,
    engine: Engine,
    items: Sequence[RawDocument | TorihikiError],
    run_id: int | None,
    stored: Mapping[int, store.StoredDocument] | None = None,
) -> dict[int, DocumentOutcome]:
    """Outcomes (``skipped``) of the inputs stored already by this extractor version, by position.

    Their sources not yet recorded are added in one transaction; when every one is
    recorded already nothing is written.  ``stored`` is a :func:`look_up` of ``items``
    done by the caller (else it is done here).  The other inputs need extraction.
    """
    refs = input_refs(items)
    stored = find_stored(engine=engine, refs=refs) if stored is None else stored
    current = {i: doc for i, doc in stored.items() if is_current(doc)}
    sources = new_sources(refs, current)
    if sources:
        store.in_transaction(engine, lambda session: store.add_sources(
            session=session, sources=sources, run_id=run_id))
    return {i: DocumentOutcome(refs[i].origin, "skipped", doc.id) for i, doc in current.items()}


# --- the ingest entry point ----------------------------------------------------


def progress(i: int, total: int, outcome: DocumentOutcome) -> None:
    """One line per document on standard error, as soon as its outcome is known."""
    if outcome.error:
        detail = outcome.error
    elif outcome.status == "skipped":
        detail = "unchanged"
    else:
        detail = f"{outcome.deal_mentions} deal mentions"
    print(f"  [{i}/{total}] {outcome.status:<11} {outcome.origin}  {detail}",
          file=sys.stderr, flush=True)


def prepare_database(url: str) -> None:
    """Apply pending migrations (two runs starting at once on a new database take turns) and
    consolidate deals stored before consolidation existed; both are no-ops when up to date."""
    from db.consolidate import rebuild
    from db.engine import upgrade_lock
    from db.migrate import upgrade

    engine = engine_for(url)
    if not _at_head(engine):
        with upgrade_lock(url):
            upgrade(url)
    rebuild(engine=engine, pending_only=True)


@lru_cache(maxsize=1)
def _head_revision() -> str | None:
    from db.migrate import head_revision

    return head_revision()


def _at_head(engine: Engine) -> bool:
    """Whether the database is at the newest migration (a cheap check before Alembic's own)."""
    try:
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:  # no schema yet
        return False
    return current == [_head_revision()]


def run_ingest(
    paths: Sequence[str | Path],
    *,
    database_url: str | None = None,
    published: dt.date | None = None,
    published_map: Mapping[str, dt.date] | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
) -> RunSummary:
    """What ``torihiki ingest`` runs: migrations, a pre-flight, then the ``ingest`` flow if needed.

    The pre-flight reads, decodes and hashes the inputs and looks them up in one query.
    When every one is stored already by this extractor version there is nothing to
    orchestrate: the run is recorded (a ``runs`` row with its counts, ``pre_flight`` in its
    parameters) together with the new sources, in one transaction, and no Prefect flow run
    is started (nor Prefect's temporary server, nor a Dask cluster).  Otherwise the flow
    runs as it always does (and reads the inputs itself).  Scheduled deployments run the
    flow directly.
    """
    url = database_url or get_settings().database_url
    prepare_database(url)
    started = dt.datetime.now(dt.UTC)
    engine = engine_for(url)
    refs: dict[int, InputRef] = {}
    refused = False
    for i, item in enumerate(iter_inputs(paths)):  # only the hashes are kept, not the texts
        if isinstance(item, TorihikiError):
            refused = True  # quarantining it is the flow's work
            break
        refs[i] = InputRef.of(item)
    stored = {} if refused else find_stored(engine=engine, refs=refs)
    if refused or len(stored) < len(refs) or not all(is_current(doc) for doc in stored.values()):
        from pipelines.flows import command_line_settings, ingest_flow  # Prefect only when needed

        with command_line_settings():
            return ingest_flow(
                paths=[str(p) for p in paths], database_url=url, published=published,
                published_map=dict(published_map) if published_map else None,
                workers=workers, dask_address=dask_address,
            )
    outcomes = [DocumentOutcome(ref.origin, "skipped", stored[i].id) for i, ref in refs.items()]
    summary = RunSummary(0, outcomes)
    params: dict[str, object] = {"paths": [str(p) for p in paths],
                                 "published": published.isoformat() if published else None,
                                 "pre_flight": True}

    def write(session: Session) -> int:
        run_id = store.record_run(session=session, flow="ingest", params=params,
                                  extractor_version=EXTRACTOR_VERSION, started_at=started,
                                  counts=summary.counts(), errors=[])
        store.add_sources(session=session, sources=new_sources(refs, stored), run_id=run_id)
        return run_id

    summary.run_id = store.in_transaction(engine, write)
    for i, outcome in enumerate(outcomes, start=1):
        progress(i, len(outcomes), outcome)
    return summary


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
            existing = look_up(engine=engine, items=[raw]).get(0)
            if existing is not None and is_current(existing) and not force:
                return record_unchanged(engine=engine, items=[raw], run_id=run_id,
                                        stored={0: existing})[0]
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
