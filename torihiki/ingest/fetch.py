"""http(s) pages → :class:`RawDocument`: ``torihiki ingest https://…``.

A deliberately small client on :mod:`http.client`, because the fetcher is
pointed at addresses taken from the outside:

- only ``http`` and ``https``; no credentials in the URL;
- every address a host name resolves to is checked *before* connecting, and
  the connection goes to the checked address (no second DNS lookup to
  rebind): loopback, link-local, private, shared, reserved, multicast and
  unspecified addresses are refused unless ``TORIHIKI_FETCH_ALLOW_PRIVATE``;
- redirects are followed by hand, at most ``TORIHIKI_FETCH_MAX_REDIRECTS``,
  each hop checked like the first;
- one deadline, ``TORIHIKI_FETCH_TIMEOUT`` seconds, covers the whole fetch
  (every connection, redirect and read), so a server that trickles bytes
  cannot hold a run;
- the body is read up to the input size cap and no further (a larger
  ``Content-Length`` is refused before reading); compressed bodies are not
  requested and refused if sent anyway.

Errors are yielded, not raised, like the file readers: a bad URL is
quarantined and the batch goes on.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from urllib.parse import quote, urljoin, urlsplit

from torihiki.errors import (
    FetchError,
    InputTooLargeError,
    PathNotAllowedError,
    TorihikiError,
    UnsupportedInputError,
)
from torihiki.ingest.readers import RawDocument, parse_bytes
from torihiki.settings import get_settings

__all__ = ["Fetched", "check_address", "fetch", "fetch_documents"]

USER_AGENT = "torihiki/0.1 (+https://github.com/torihiki)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
# Characters left as they are in a request target; anything else (a Japanese path) is
# percent-encoded, and existing %XX escapes are kept.
_URL_SAFE = "/%:@!$&'()*+,;=-._~"

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
_JSONL_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/jsonl",
        "application/jsonlines",
        "application/x-jsonlines",
        "application/json-seq",
    }
)
_SUFFIX_KINDS = {".html": "html", ".htm": "html", ".txt": "text", ".md": "text", ".jsonl": "jsonl"}


@dataclass(frozen=True)
class Fetched:
    """A fetched body and what the server said about it."""

    url: str  # the final URL, after redirects
    content_type: str  # media type, lower-cased, without parameters ("" when absent)
    charset: str | None
    body: bytes
    redirects: tuple[str, ...] = ()


def check_address(address: str, *, allow_private: bool) -> str | None:
    """Why ``address`` (an IP literal) may not be fetched, or None when it may."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"not an IP address: {address!r}"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if allow_private:
        return None if not ip.is_multicast and not ip.is_unspecified else f"{ip} is not a host address"
    for flag, what in (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "non-global"),
    ):
        if flag:
            return f"{ip} is a {what} address (set TORIHIKI_FETCH_ALLOW_PRIVATE=1 to allow)"
    return None


class _Connection(http.client.HTTPConnection):
    """Over a socket we connected ourselves; we close it (and only we)."""

    def close(self) -> None:
        self.sock = None


class _Deadline:
    def __init__(self, seconds: float, origin: str) -> None:
        self.seconds = seconds
        self.origin = origin
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchError(self.origin, f"timed out after {self.seconds:g} s")
        return left


def _addresses(host: str, port: int, origin: str, allow_private: bool) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(origin, f"cannot resolve host {host!r}: {exc}") from exc
    allowed: list[str] = []
    refused: list[str] = []
    for info in infos:
        address = str(info[4][0])
        why = check_address(address, allow_private=allow_private)
        if why is None:
            if address not in allowed:
                allowed.append(address)
        else:
            refused.append(why)
    if not allowed:
        why = refused[0] if refused else "no address"
        raise PathNotAllowedError(origin, f"host {host!r} not allowed: {why}")
    return allowed


def _connect(
    host: str, port: int, https: bool, addresses: list[str], deadline: _Deadline, origin: str
) -> socket.socket:
    last: Exception | None = None
    for address in addresses:
        try:
            sock = socket.create_connection((address, port), timeout=deadline.remaining())
        except TimeoutError as exc:
            raise FetchError(origin, f"timed out connecting to {host}:{port}") from exc
        except OSError as exc:
            last = exc
            continue
        if not https:
            return sock
        try:
            context = ssl.create_default_context()
            sock.settimeout(deadline.remaining())
            return context.wrap_socket(sock, server_hostname=host)
        except (OSError, ssl.SSLError) as exc:
            sock.close()
            raise FetchError(origin, f"TLS with {host} failed: {exc}") from exc
    raise FetchError(origin, f"cannot connect to {host}:{port}: {last}")


def _parse_content_type(value: str | None) -> tuple[str, str | None]:
    if not value:
        return "", None
    media, *params = value.split(";")
    charset = None
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'")
    return media.strip().lower(), charset


def _read_body(
    resp: http.client.HTTPResponse, sock: socket.socket, max_bytes: int, deadline: _Deadline, origin: str
) -> bytes:
    length = resp.getheader("Content-Length")
    if length is not None and length.strip().isdigit() and int(length) > max_bytes:
        raise InputTooLargeError(origin, f"Content-Length {int(length)} exceeds the limit of {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    while True:
        sock.settimeout(deadline.remaining())
        chunk = resp.read1(min(_CHUNK, max_bytes + 1 - size))  # one recv: the deadline holds
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise InputTooLargeError(origin, f"more than {max_bytes} bytes")


def fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float | None = None,
    max_redirects: int | None = None,
    allow_private: bool | None = None,
) -> Fetched:
    """GET ``url`` under the rules of this module; raises a :class:`TorihikiError`."""
    settings = get_settings()
    timeout = settings.fetch_timeout if timeout is None else timeout
    max_redirects = settings.fetch_max_redirects if max_redirects is None else max_redirects
    allow_private = settings.fetch_allow_private if allow_private is None else allow_private
    deadline = _Deadline(timeout, url)
    current = url
    redirects: list[str] = []
    while True:  # bounded: each pass either returns, raises, or counts a redirect
        try:
            parts = urlsplit(current)
        except ValueError as exc:  # http://[::1
            raise FetchError(url, f"malformed URL {current!r}: {exc}") from exc
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise PathNotAllowedError(url, f"only http and https URLs are fetched, not {current!r}")
        if parts.username is not None or parts.password is not None:
            raise PathNotAllowedError(url, "credentials in URLs are not accepted")
        host = parts.hostname
        if not host:
            raise FetchError(url, f"no host in {current!r}")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as exc:
            raise FetchError(url, f"bad port in {current!r}") from exc
        addresses = _addresses(host, port, url, allow_private)
        sock = _connect(host, port, scheme == "https", addresses, deadline, url)
        conn = _Connection(host, port, timeout=deadline.remaining())
        conn.sock = sock  # already connected to the checked address
        try:
            target = quote(parts.path or "/", safe=_URL_SAFE)
            if parts.query:
                target += "?" + quote(parts.query, safe=_URL_SAFE)
            conn.request(
                "GET",
                target,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
                    "Accept-Encoding": "identity",
                    "Connection": "close",
                },
            )
            sock.settimeout(deadline.remaining())
            resp = conn.getresponse()
            if resp.status in _REDIRECTS:
                location = resp.getheader("Location")
                if not location:
                    raise FetchError(url, f"HTTP {resp.status} redirect without a Location")
                if len(redirects) >= max_redirects:
                    raise FetchError(url, f"more than {max_redirects} redirects (last to {location})")
                current = urljoin(current, location.strip())
                redirects.append(current)
                continue
            if not 200 <= resp.status < 300:
                raise FetchError(url, f"HTTP {resp.status} {resp.reason}".rstrip())
            encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
            if encoding not in ("", "identity"):
                raise FetchError(url, f"unrequested Content-Encoding {encoding!r}")
            media, charset = _parse_content_type(resp.getheader("Content-Type"))
            body = _read_body(resp, sock, max_bytes, deadline, url)
            return Fetched(current, media, charset, body, tuple(redirects))
        except TimeoutError as exc:
            raise FetchError(url, f"timed out after {timeout:g} s") from exc
        except (http.client.HTTPException, OSError, ValueError) as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc}") from exc
        finally:
            sock.close()


def _kind(fetched: Fetched, origin: str) -> str:
    media = fetched.content_type
    if media in _HTML_TYPES:
        return "html"
    if media in _TEXT_TYPES:
        return "text"
    if media in _JSONL_TYPES:
        return "jsonl"
    by_suffix = _SUFFIX_KINDS.get(PurePosixPath(urlsplit(fetched.url).path).suffix.lower())
    if media in ("", "application/octet-stream") or media.startswith("text/"):
        if by_suffix is not None:
            return by_suffix
        head = fetched.body[:1024].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
            return "html"
        if media.startswith("text/"):
            return "text"
    raise UnsupportedInputError(origin, f"content type {media or '(none)'!r} is not a text document")


def fetch_documents(url: str, *, max_bytes: int) -> Iterator[RawDocument | TorihikiError]:
    """The documents at ``url`` (one page, or the lines of a JSONL file), or the error."""
    try:
        fetched = fetch(url, max_bytes=max_bytes)
        kind = _kind(fetched, url)
    except TorihikiError as err:
        yield err
        return
    notes = [f"fetched over HTTP ({fetched.content_type or 'no content type'})"]
    if fetched.redirects:
        notes.append(f"redirected to {fetched.url}")
    for item in parse_bytes(fetched.body, origin=url, kind=kind, declared=fetched.charset):
        if isinstance(item, RawDocument):
            item = replace(item, notes=(*item.notes, *notes))
        yield item
