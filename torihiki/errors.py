"""Every error torihiki raises, with stable codes.

A failing document is quarantined with ``str(error)``, which always names the
input (file path or URL) and the reason.  Components raise these; the flow
decides what to do with them (quarantine and continue).
"""

from __future__ import annotations


class TorihikiError(Exception):
    """Base class; ``code`` is stable and stored with quarantined documents."""

    code = "T000"

    def __init__(self, origin: str, reason: str) -> None:
        self.origin = origin
        self.reason = reason
        super().__init__(f"[{self.code}] {origin}: {reason}")


class UnsupportedInputError(TorihikiError):
    code = "T101"  # unknown extension, directory entry we cannot read


class InputTooLargeError(TorihikiError):
    code = "T102"


class EmptyDocumentError(TorihikiError):
    code = "T103"


class BinaryInputError(TorihikiError):
    code = "T104"


class DecodeError(TorihikiError):
    code = "T105"  # cannot be decoded cleanly / low confidence


class HtmlExtractionError(TorihikiError):
    code = "T106"


class JsonlRecordError(TorihikiError):
    code = "T107"  # one bad line of a .jsonl file


class PathNotAllowedError(TorihikiError):
    code = "T108"  # ../ escapes, symlinks leaving the root, file:// URLs, disallowed URLs/addresses


class FetchError(TorihikiError):
    code = "T109"  # an http(s) page could not be fetched: timeout, HTTP status, redirects


class ExtractionError(TorihikiError):
    code = "T201"


class StorageError(TorihikiError):
    code = "T301"


class QueryRefusedError(TorihikiError):
    code = "T401"  # torihiki sql: not one read-only statement (a write, ATTACH, PRAGMA write …)


class QueryTimeoutError(TorihikiError):
    code = "T402"  # torihiki sql: the statement ran past its time limit
