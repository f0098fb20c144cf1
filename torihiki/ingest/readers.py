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

import itertools
import json
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path, PurePath

from torihiki.errors import (
    DecodeError,
    EmptyDocumentError,
    InputTooLargeError,
    JsonlRecordError,
    PathNotAllowedError,
    TorihikiError,
    UnsupportedInputError,
)
from torihiki.ingest.decode import decode_bytes, sniff_html_charset
from torihiki.ingest.html import extract_html, parse_published

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "RawDocument",
    "iter_documents",
    "iter_input_files",
    "iter_paths",
    "parse_bytes",
    "read_documents",
    "url_scheme",
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
    that does not exist, raises :class:`UnsupportedInputError`; a path that is
    not allowed (see :func:`iter_input_files`) raises
    :class:`PathNotAllowedError`.  Each file is yielded once.
    """
    for item in iter_input_files(paths):
        if isinstance(item, TorihikiError):
            raise item
        yield item


_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def url_scheme(given: str) -> str | None:
    """The lower-cased scheme of a URL-looking input (``https``, ``file`` ...), else None."""
    m = _URL_SCHEME.match(given)
    if m is None:
        return None
    scheme = m.group(1).lower()
    return scheme if scheme == "file" or given[m.end() :].startswith("//") else None


def _climbs_out(given: str) -> str | None:
    """The directory a ``..`` component climbs back out of, if any.

    A path may start with ``..`` (``../shared/seeds``: the user names a parent
    on purpose), but once it has named a directory it may not climb out of it
    again: ``inbox/../../etc/x.txt``, ``/srv/inbox/../secret.txt``.
    """
    pure = PurePath(given)
    parts = list(pure.parts[1:] if pure.anchor else pure.parts)
    while parts and parts[0] == "..":
        parts.pop(0)
    for before, part in itertools.pairwise(parts):
        if part == "..":
            return before
    return None


def _outside(path: Path, root: Path) -> bool:
    """Whether ``path``'s real location is outside the real directory ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return True
    return False


def _link_leaves(path: Path, root: Path, shown_root: str) -> PathNotAllowedError | None:
    if path.is_symlink() and _outside(path, root):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return PathNotAllowedError(
            str(path), f"symbolic link to {target} leaves the ingested root {shown_root}"
        )
    return None


def iter_input_files(paths: Sequence[str | Path]) -> Iterator[Path | TorihikiError]:
    """Like :func:`iter_paths`, but yields an error in place of each refused input.

    Refused with :class:`PathNotAllowedError`: a path whose ``..`` climbs out
    of the directory it names, ``file://`` and other URLs (only ``http(s)``
    URLs are inputs, read by :func:`iter_documents`), and symbolic links whose
    target is outside the ingested root -- the directory given, or for a file
    given by name, the directory it is in.  Symlinked directories inside the
    root are skipped (their files are reached directly).
    """
    for item in _walk_inputs(paths, urls=False):
        if not isinstance(item, str):
            yield item


def _walk_inputs(paths: Sequence[str | Path], *, urls: bool) -> Iterator[Path | str | TorihikiError]:
    """Files, errors, and (when ``urls``) the http(s) URLs as given, in order."""
    seen: set[Path] = set()

    def once(p: Path) -> bool:
        key = p.resolve()
        if key in seen:
            return False
        seen.add(key)
        return True

    for given in paths:
        shown = str(given)
        scheme = url_scheme(shown) if isinstance(given, str) else None
        if urls and scheme in ("http", "https"):
            yield shown
            continue
        if scheme is not None:
            reason = (
                "file:// URLs are not accepted; give the path itself"
                if scheme == "file"
                else f"{scheme}: URLs are not accepted here; only http and https pages are fetched"
            )
            yield PathNotAllowedError(shown, reason)
            continue
        escaped = _climbs_out(shown)
        if escaped is not None:
            yield PathNotAllowedError(shown, f"'..' climbs out of {escaped!r}; give the path without it")
            continue
        path = Path(given)
        if path.is_dir():
            found: list[Path] = []
            refused: list[TorihikiError] = []
            for root, dirs, files in os.walk(path):
                for d in dirs:
                    if not _is_hidden(d):
                        err = _link_leaves(Path(root) / d, path, shown)
                        if err is not None:
                            refused.append(err)
                dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
                found.extend(
                    Path(root) / f
                    for f in files
                    if not _is_hidden(f) and Path(f).suffix.lower() in SUPPORTED_SUFFIXES
                )
            yield from refused
            for f in sorted(found, key=lambda p: p.parts):
                err = _link_leaves(f, path, shown)
                if err is not None:
                    yield err
                elif f.is_file() and once(f):
                    yield f
        elif path.exists() or path.is_symlink():
            if _suffix(path) not in SUPPORTED_SUFFIXES:
                yield UnsupportedInputError(
                    shown,
                    f"unsupported file type {path.suffix or '(no extension)'!r}; "
                    f"expected one of {', '.join(sorted(SUPPORTED_SUFFIXES))}",
                )
                continue
            parent = path.parent
            err = _link_leaves(path, parent, str(parent))
            if err is not None:
                yield err
            elif not path.exists():
                yield UnsupportedInputError(shown, "dangling symbolic link")
            elif once(path):
                yield path
        else:
            yield UnsupportedInputError(shown, "no such file or directory")


def iter_documents(
    paths: Sequence[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[RawDocument | TorihikiError]:
    """Every document under ``paths`` (files, directories, http(s) URLs), or the
    error that stands for it; never raises for a bad input.

    Should a reader fail in a way it does not expect (a bug), the input is
    reported as :class:`UnsupportedInputError` with the exception, and the
    batch goes on with the next input.
    """
    for item in _walk_inputs(paths, urls=True):
        if isinstance(item, TorihikiError):
            yield item
            continue
        origin = str(item)
        try:
            if isinstance(item, str):
                from torihiki.ingest.fetch import fetch_documents  # the network only when asked

                yield from fetch_documents(item, max_bytes=max_bytes)
            else:
                yield from read_documents(item, max_bytes=max_bytes)
        except Exception as exc:  # one input's failure must not end the batch
            yield UnsupportedInputError(origin, f"reading failed unexpectedly: {exc!r}")


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

    kind = "text" if suffix in _TEXT_SUFFIXES else "html" if suffix in _HTML_SUFFIXES else "jsonl"
    yield from parse_bytes(data, origin=origin, kind=kind)


def parse_bytes(
    data: bytes, *, origin: str, kind: str, declared: str | None = None
) -> Iterator[RawDocument | TorihikiError]:
    """The documents in ``data`` read as ``kind`` (``text``, ``html`` or ``jsonl``).

    ``declared`` is a charset label from outside the bytes (an HTTP
    ``Content-Type``); for HTML it takes precedence over the page's own meta tag.
    """
    items: Iterator[RawDocument | TorihikiError]
    if kind == "text":
        items = iter([_read_text(data, origin, declared)])
    elif kind == "html":
        items = iter([_read_html(data, origin, declared)])
    elif kind == "jsonl":
        items = _read_jsonl(data, origin, declared)
    else:
        raise ValueError(f"unknown document kind {kind!r}")
    for item in items:
        yield _storable(item) if isinstance(item, RawDocument) else item


def _storable(doc: RawDocument) -> RawDocument | TorihikiError:
    """Text every database stores as given: no NUL (PostgreSQL refuses it) and
    no lone surrogates (JSON ``\\ud800`` escapes; not encodable as UTF-8)."""
    try:
        doc.text.encode("utf-8")
    except UnicodeEncodeError:
        return DecodeError(doc.origin, "text contains lone surrogates (invalid Unicode)")
    if "\x00" not in doc.text:
        return doc
    text = doc.text.replace("\x00", "")
    if not text.strip():
        return EmptyDocumentError(doc.origin, "only NUL characters and whitespace")
    note = f"removed {doc.text.count(chr(0))} NUL characters"
    return replace(doc, text=text, notes=(*doc.notes, note))


def _read_text(data: bytes, origin: str, declared: str | None = None) -> RawDocument | TorihikiError:
    try:
        decoded = decode_bytes(data, origin=origin, declared=declared)
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


def _read_html(data: bytes, origin: str, declared: str | None = None) -> RawDocument | TorihikiError:
    try:
        decoded = decode_bytes(data, origin=origin, declared=declared or sniff_html_charset(data))
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


def _read_jsonl(data: bytes, path: str, declared: str | None = None) -> Iterator[RawDocument | TorihikiError]:
    try:
        decoded = decode_bytes(data, origin=path, declared=declared)
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
    if record_id is not None and (isinstance(record_id, bool) or not isinstance(record_id, (str, int))):
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
