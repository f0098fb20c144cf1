"""Input layer: files and bytes in, :class:`RawDocument` objects out."""

from torihiki.ingest.decode import Decoded, decode_bytes
from torihiki.ingest.html import HtmlDocument, extract_html
from torihiki.ingest.readers import RawDocument, iter_paths, read_documents

__all__ = [
    "Decoded",
    "HtmlDocument",
    "RawDocument",
    "decode_bytes",
    "extract_html",
    "iter_paths",
    "read_documents",
]
