"""Files on disk → :class:`RawDocument` objects (or errors to quarantine).

Supported: ``.txt``/``.md`` (plain text, Markdown is not rendered),
``.html``/``.htm`` and ``.jsonl`` (one document per line).  Readers *yield*
:class:`~torihiki.errors.TorihikiError` instances instead of raising them, so
one bad file or line never stops a batch.

Stored text: for plain text it is the decoded text with line endings
normalized to ``\\n`` (``\\r\\n`` and lone ``\\r``); for HTML the extracted main
text; for JSONL the record's ``text`` (line endings normalized too) or the
text extracted from its ``html``.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from torihiki.errors import (
    EmptyDocumentError,
    InputTooLargeError,
    JsonlRecordError,
    TorihikiError,
    UnsupportedInputError,
)
from torihiki.ingest.decode import decode_bytes, sniff_html_charset
from torihiki.ingest.html import extract_html, parse_published

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "RawDocument",
    "iter_paths",
    "read_documents",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_TEXT_SUFFIXES = frozenset({".txt", ".md"})
_HTML_SUFFIXES = frozenset({".html", ".htm"})
_JSONL_SUFFIXES = frozenset({".jsonl"})
SUPPORTED_SUFFIXES = _TEXT_SUFFIXES | _HTML_SUFFIXES | _JSONL_SUFFIXES


@dataclass(frozen=True)
class RawDocument:
    """One input document, before any NLP."""

    origin: str  # path as given, URL, or f"{path}#{id or line}" for a JSONL line
    text: str  # the text exactly as it will be stored
    title: str | None
    published: date | None
    source_path: str  # the file it was read from
    content_type: str  # "text", "html", "jsonl"
    encoding: str | None
    notes: tuple[str, ...] = ()


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def iter_paths(paths: Sequence[str | Path]) -> Iterator[Path]:
    """Supported files among ``paths``, expanding directories.

    Directories are walked recursively in sorted order, skipping hidden files
    and directories, unsupported extensions and symlinked directories (no
    loops).  A file named explicitly with an unsupported extension, or a path
    that does not exist, raises :class:`UnsupportedInputError`.  Each file is
    yielded once.
    """
    seen: set[Path] = set()

    def once(p: Path) -> bool:
        key = p.resolve()
        if key in seen:
            return False
        seen.add(key)
        return True

    for given in paths:
        path = Path(given)
        if path.is_dir():
            found: list[Path] = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
                found.extend(
                    Path(root) / f
                    for f in files
                    if not _is_hidden(f) and Path(f).suffix.lower() in SUPPORTED_SUFFIXES
                )
            for f in sorted(found, key=lambda p: p.parts):
                if f.is_file() and once(f):
                    yield f
        elif path.exists():
            if _suffix(path) not in SUPPORTED_SUFFIXES:
                raise UnsupportedInputError(
                    str(given),
                    f"unsupported file type {path.suffix or '(no extension)'!r}; "
                    f"expected one of {', '.join(sorted(SUPPORTED_SUFFIXES))}",
                )
            if once(path):
                yield path
        else:
            raise UnsupportedInputError(str(given), "no such file or directory")


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_documents(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[RawDocument | TorihikiError]:
    """Yield the documents of one file, or the errors that prevent reading them.

    The size limit is checked with ``stat`` before anything is read.
    """
    origin = str(path)
    suffix = _suffix(path)
    if suffix not in SUPPORTED_SUFFIXES:
        yield UnsupportedInputError(origin, f"unsupported file type {path.suffix!r}")
        return
    try:
        st = path.stat()
    except OSError as exc:
        yield UnsupportedInputError(origin, f"cannot stat: {exc.strerror or exc}")
        return
    if not stat.S_ISREG(st.st_mode):
        yield UnsupportedInputError(origin, "not a regular file")
        return
    if st.st_size > max_bytes:
        yield InputTooLargeError(origin, f"{st.st_size} bytes exceeds the limit of {max_bytes}")
        return
    try:
        with path.open("rb") as fh:
            # Read one byte past the limit: the file may have grown since stat.
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        yield UnsupportedInputError(origin, f"cannot read: {exc.strerror or exc}")
        return
    if len(data) > max_bytes:
        yield InputTooLargeError(origin, f"more than {max_bytes} bytes")
        return

    if suffix in _TEXT_SUFFIXES:
        yield _read_text(data, origin)
    elif suffix in _HTML_SUFFIXES:
        yield _read_html(data, origin)
    else:
        yield from _read_jsonl(data, origin)


def _read_text(data: bytes, origin: str) -> RawDocument | TorihikiError:
    try:
        decoded = decode_bytes(data, origin=origin)
    except TorihikiError as exc:
        return exc
    return RawDocument(
        origin=origin,
        text=_normalize_newlines(decoded.text),
        title=None,
        published=None,
        source_path=origin,
        content_type="text",
        encoding=decoded.encoding,
        notes=decoded.notes,
    )


def _read_html(data: bytes, origin: str) -> RawDocument | TorihikiError:
    try:
        decoded = decode_bytes(data, origin=origin, declared=sniff_html_charset(data))
        page = extract_html(decoded.text, origin=origin)
    except TorihikiError as exc:
        return exc
    if not page.text.strip():
        return EmptyDocumentError(origin, "no text content in the HTML page")
    return RawDocument(
        origin=origin,
        text=page.text,
        title=page.title,
        published=page.published,
        source_path=origin,
        content_type="html",
        encoding=decoded.encoding,
        notes=decoded.notes + page.notes,
    )


def _read_jsonl(data: bytes, path: str) -> Iterator[RawDocument | TorihikiError]:
    try:
        decoded = decode_bytes(data, origin=path)
    except TorihikiError as exc:
        yield exc
        return
    # Split on \n only: U+2028 and friends may legally sit inside JSON strings.
    for lineno, line in enumerate(decoded.text.split("\n"), start=1):
        if not line.strip():
            continue
        yield _jsonl_record(line, path, lineno, decoded.encoding, decoded.notes)


def _optional_str(record: dict[str, object], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"field {key!r} must be a string, not {type(value).__name__}")
    return value


def _jsonl_record(
    line: str, path: str, lineno: int, encoding: str, file_notes: tuple[str, ...]
) -> RawDocument | TorihikiError:
    where = f"{path}#{lineno}"
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return JsonlRecordError(where, f"invalid JSON: {exc}")
    if not isinstance(record, dict):
        return JsonlRecordError(where, f"expected a JSON object, got {type(record).__name__}")
    try:
        url = _optional_str(record, "url")
        title = _optional_str(record, "title")
        published_raw = _optional_str(record, "published")
        text = _optional_str(record, "text")
        html = _optional_str(record, "html")
    except ValueError as exc:
        return JsonlRecordError(where, str(exc))
    record_id = record.get("id")
    if record_id is not None and (
        isinstance(record_id, bool) or not isinstance(record_id, (str, int))
    ):
        return JsonlRecordError(where, "field 'id' must be a string or an integer")
    origin = url or f"{path}#{record_id if record_id not in (None, '') else lineno}"

    notes = list(file_notes)
    published: date | None = None
    if published_raw:
        published = parse_published(published_raw)
        if published is None:
            notes.append(f"unparseable published value {published_raw!r} ignored")

    if text is not None:
        body = _normalize_newlines(text)
    elif html is not None:
        try:
            page = extract_html(html, origin=origin)
        except TorihikiError as exc:
            return JsonlRecordError(where, f"HTML extraction failed: {exc.reason}")
        body = page.text
        title = title or page.title
        published = published or page.published
        notes.extend(page.notes)
    else:
        return JsonlRecordError(where, "record has neither 'text' nor 'html'")
    if not body.strip():
        return JsonlRecordError(where, "empty text")
    return RawDocument(
        origin=origin,
        text=body,
        title=title,
        published=published,
        source_path=path,
        content_type="jsonl",
        encoding=encoding,
        notes=tuple(notes),
    )
