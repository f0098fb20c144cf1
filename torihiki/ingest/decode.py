"""Bytes → text for Japanese inputs, refusing rather than producing mojibake.

Order of evidence: byte-order mark → declared charset → ISO-2022-JP escape
sequences → strict UTF-8 → detection among Japanese encodings (cp932, EUC-JP,
UTF-16 without BOM), cross-checked with charset-normalizer.  Every candidate
must decode strictly *and* look like text; otherwise :class:`DecodeError`.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

from torihiki.errors import BinaryInputError, DecodeError, EmptyDocumentError

__all__ = ["Decoded", "decode_bytes", "normalize_charset", "sniff_html_charset"]


@dataclass(frozen=True)
class Decoded:
    """Decoded text, the Python codec that produced it, and what we noticed."""

    text: str
    encoding: str
    notes: tuple[str, ...] = ()


_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Every label of the Shift_JIS family means Windows-31J in practice (㈱, ①, 髙).
_SJIS_LABELS = frozenset(
    [
        "shift-jis",
        "shiftjis",
        "sjis",
        "x-sjis",
        "ms-kanji",
        "windows-31j",
        "csshiftjis",
        "cswindows31j",
        "cp932",
        "ms932",
        "x-ms-cp932",
        "shift-jisx0213",
        "shift-jis-2004",
    ]
)
_EUC_LABELS = frozenset(
    [
        "euc-jp",
        "eucjp",
        "x-euc-jp",
        "cseucpkdfmtjapanese",
        "ujis",
        "euc-jis-2004",
        "euc-jisx0213",
        "eucjp-ms",
        "eucjp-win",
        "cp51932",
    ]
)
_ISO2022_LABELS = frozenset(
    [
        "iso-2022-jp",
        "csiso2022jp",
        "iso2022jp",
        "iso-2022-jp-1",
        "iso-2022-jp-2",
        "iso-2022-jp-3",
        "iso-2022-jp-2004",
        "iso-2022-jp-ext",
        "cp50220",
        "cp50221",
        "cp50222",
    ]
)
_UTF8_LABELS = frozenset({"utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8"})
# Single-byte labels that HTML treats as windows-1252; pages declaring them
# while actually sending UTF-8 are common, so valid UTF-8 wins over them.
_SINGLE_BYTE_HINT = ("iso-8859", "latin", "windows-125", "cp125", "ascii", "us-ascii")

# Codecs tried, in order, for each declared family.
_SJIS_CODECS = ("cp932",)
_EUC_CODECS = ("euc_jp", "euc_jis_2004")
_ISO2022_CODECS = ("iso2022_jp", "iso2022_jp_2004", "iso2022_jp_ext", "iso2022_jp_2")

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or Office document)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ\x90\x00", "Windows executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document (old Office)"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"\x00asm", "WebAssembly"),
    (b"SQLite format 3\x00", "SQLite database"),
)

# Matches a high byte outside A1-DF (the cp932 half-width katakana range).
_OUTSIDE_HALFWIDTH = re.compile(rb"[\x80-\xa0\xe0-\xff]")

# Legacy encodings tried without (or against) a declaration.
_LEGACY_CODECS = ("cp932", "euc_jp", "euc_jis_2004")

# Japanese-plausible encodings offered to charset-normalizer.
_DETECTABLE = ("cp932", "euc_jp", "euc_jis_2004", "iso2022_jp", "utf_16")

_ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I", b"\x1b$(D", b"\x1b$(Q")

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.IGNORECASE)


def sniff_html_charset(data: bytes, limit: int = 4096) -> str | None:
    """The charset label declared by ``<meta charset>``, an http-equiv
    ``content="...; charset=..."`` or an XML declaration in the first bytes."""
    head = data[:limit]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return m.group(1).decode("ascii").strip() if m else None


def normalize_charset(label: str) -> str:
    """Lower-case a charset label and unify ``_``/space to ``-``."""
    return re.sub(r"[\s_]+", "-", label.strip().strip("\"'").lower())


def _codecs_for(label: str) -> tuple[str, ...] | None:
    """Python codecs to try for a declared label; None when unknown."""
    norm = normalize_charset(label)
    if norm in _SJIS_LABELS:
        return _SJIS_CODECS
    if norm in _EUC_LABELS:
        return _EUC_CODECS
    if norm in _ISO2022_LABELS:
        return _ISO2022_CODECS
    if norm in _UTF8_LABELS:
        return ("utf-8",)
    if norm.startswith(("iso-8859-1", "latin1", "latin-1", "ascii", "us-ascii")):
        return ("cp1252",)  # what browsers do, per the WHATWG encoding spec
    try:
        return (codecs.lookup(norm).name,)
    except LookupError:
        return None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


# --- plausibility --------------------------------------------------------------

# C0 controls other than ordinary whitespace (and ESC, seen in terminal logs).
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
# C1 controls, private use, surrogates, noncharacters: what a wrong legacy
# decoding produces (cp932 maps 0x80 to U+0080 and 0xA0/0xFD-0xFF to the PUA).
_SUSPICIOUS = re.compile("[\x80-\x9f\ud800-\uf8ff\ufdd0-\ufdef\ufffe\uffff]")
# EUC-JP or UTF-8 read as cp932 turns into runs of half-width katakana.
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]")


@dataclass(frozen=True)
class _Quality:
    """How text-like a decoding is; ``bad`` makes it unacceptable."""

    score: float  # 1.0 = plausible; lowered by half-width katakana share
    bad: str | None


def _quality(text: str) -> _Quality:
    """Judge a decoding with regex counts (fast on a 20 MB document)."""
    if "\ufffd" in text:
        return _Quality(0.0, "contains U+FFFD replacement characters")
    controls = len(_CONTROLS.findall(text))
    if controls > max(2, len(text) // 200):
        return _Quality(0.0, f"{controls} control characters")
    non_ascii = _non_ascii_count(text)
    suspicious = len(_SUSPICIOUS.findall(text))
    if suspicious > max(1, non_ascii // 100):
        return _Quality(0.0, f"{suspicious} control/private-use characters")
    if not non_ascii:
        return _Quality(1.0, None)
    halfwidth = len(_HALFWIDTH_KANA.findall(text))
    return _Quality(max(0.0, 1.0 - 3.0 * halfwidth / non_ascii), None)


# Kana, CJK ideographs and punctuation, full-width forms, ①/㈱/㍿, and the
# symbols, Greek and Cyrillic of the JIS X 0208 repertoire (―…※→★♪§°×).
_JAPANESE = re.compile(
    "[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff5e"
    "\u2460-\u24ff\u3200-\u33ff\u2010-\u203b\u2100-\u22ff\u2500-\u26ff"
    "\u0391-\u03c9\u0401-\u0451\u00a7\u00a8\u00b0\u00b1\u00b4\u00b6\u00d7\u00f7]"
)


def _non_ascii_count(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _japanese_ratio(text: str) -> float:
    """Share of the non-ASCII characters that are ordinary Japanese."""
    non_ascii = _non_ascii_count(text)
    japanese = len(text) - len(_JAPANESE.sub("", text))
    return japanese / non_ascii if non_ascii else 1.0


def _legacy_rival(data: bytes, utf8: str) -> tuple[str, str] | None:
    """A cp932/EUC-JP reading that is clean, confident and more Japanese than
    the UTF-8 one.  Short cp932 text can be valid UTF-8 by accident
    (﨑ア is ED 95 83 41, i.e. 핃A), while real UTF-8 Japanese read as cp932
    turns into half-width katakana and fails the score."""
    # With little non-ASCII text even a half-width-heavy reading is a rival.
    short = _non_ascii_count(utf8) < _MIN_EVIDENCE_CHARS
    for codec in _LEGACY_CODECS:
        text = _strict(data, codec)  # usually fails within the first bytes
        if text is None or text == utf8:
            continue
        q = _quality(text)
        if q.bad is not None:
            continue
        utf8_ratio = _japanese_ratio(utf8)
        ratio = _japanese_ratio(text)
        if short and ratio >= utf8_ratio:
            return codec, text  # too little text to prefer either reading
        if q.score >= _CONFIDENT_SCORE and ratio >= utf8_ratio + _AMBIGUITY_MARGIN:
            return codec, text
    return None


def _looks_like_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when NULs sit consistently on one byte parity."""
    if len(data) % 2:
        return None
    sample = data[:8192]
    even = sum(1 for i in range(0, len(sample), 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, len(sample), 2) if sample[i] == 0)
    if odd and not even:
        return "utf-16-le"
    if even and not odd:
        return "utf-16-be"
    return None


_ASCII_TEXT = re.compile(r"[\t\n\r\x20-\x7e]")


def _plausible_utf16(text: str) -> bool:
    """BOM-less UTF-16 must read as ASCII/Japanese text: random binary with
    NULs on one parity would otherwise decode to arbitrary code points."""
    if not text or _CONTROLS.search(text) or _quality(text).bad:
        return False
    plain = len(text) - len(_ASCII_TEXT.sub("", _JAPANESE.sub("", text)))
    return plain >= 0.9 * len(text)


def _sniff_binary(data: bytes, origin: str) -> None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise BinaryInputError(origin, f"binary content ({kind}), not text")


# --- main entry ----------------------------------------------------------------

# An undeclared legacy decoding scoring at least this is accepted outright;
_CONFIDENT_SCORE = 0.6
# between this and the above only if charset-normalizer agrees; below, refused.
_MARGINAL_SCORE = 0.2
# Two clean decodings with different text closer than this: refuse.
_AMBIGUITY_MARGIN = 0.25
# ... and also when the winner has fewer non-ASCII characters than this.
_MIN_EVIDENCE_CHARS = 8


def decode_bytes(data: bytes, *, origin: str, declared: str | None = None) -> Decoded:
    """Decode ``data`` (a whole document) to text.

    ``declared`` is a charset label from HTTP/HTML metadata.  Raises
    :class:`EmptyDocumentError` for empty/whitespace-only input,
    :class:`BinaryInputError` for binary content, :class:`DecodeError` when no
    decoding is clean and confident.  Line endings are left untouched.
    """
    if not data.strip():
        raise EmptyDocumentError(origin, "empty or whitespace-only file")
    decoded = _decode(data, origin, declared)
    if not decoded.text.replace("\ufeff", "").strip():
        raise EmptyDocumentError(origin, f"only whitespace after decoding as {decoded.encoding}")
    return decoded


def _accept(text: str, encoding: str, origin: str, notes: list[str]) -> Decoded:
    q = _quality(text)
    if q.bad:
        raise DecodeError(origin, f"decoding as {encoding} looks like mojibake: {q.bad}")
    return Decoded(text, encoding, tuple(notes))


def _decode(data: bytes, origin: str, declared: str | None) -> Decoded:
    notes: list[str] = []

    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _strict(data, codec)
            if text is None:
                raise DecodeError(origin, f"has a {codec} byte-order mark but is not valid {codec}")
            return _accept(text, codec, origin, notes)

    _sniff_binary(data, origin)
    if b"\x00" in data:
        utf16 = _looks_like_utf16(data)
        text = _strict(data, utf16) if utf16 else None
        if utf16 is None or text is None or not _plausible_utf16(text):
            raise BinaryInputError(origin, "contains NUL bytes (binary, not text)")
        notes.append(f"no byte-order mark; detected {utf16}")
        return _accept(text, utf16, origin, notes)

    utf8 = _strict(data, "utf-8")
    has_non_ascii = not data.isascii()

    if declared:
        result = _try_declared(data, declared, utf8, has_non_ascii, origin, notes)
        if result is not None:
            return result

    if data.isascii() and any(esc in data for esc in _ISO2022_ESCAPES):
        # 7-bit ISO-2022-JP is also valid ASCII, so this must precede UTF-8.
        for codec in _ISO2022_CODECS:
            text = _strict(data, codec)
            if text is not None and not _quality(text).bad:
                return Decoded(text, codec, tuple(notes))
        raise DecodeError(origin, "ISO-2022-JP escape sequences but not valid ISO-2022-JP")

    if utf8 is not None:
        trusted = declared is not None and _codecs_for(declared) == ("utf-8",)
        rival = None if trusted or not has_non_ascii else _legacy_rival(data, utf8)
        if rival is not None:
            raise DecodeError(
                origin,
                f"low confidence: valid utf-8 but the {rival[0]} reading looks more Japanese",
            )
        return _accept(utf8, "utf-8", origin, notes)

    return _detect(data, origin, notes)


def _try_declared(
    data: bytes,
    declared: str,
    utf8: str | None,
    has_non_ascii: bool,
    origin: str,
    notes: list[str],
) -> Decoded | None:
    label = normalize_charset(declared)
    shown = declared.strip().lower()  # as written, for notes
    candidates = _codecs_for(label)
    if candidates is None:
        notes.append(f"unknown declared charset {declared!r} ignored")
        return None
    if candidates == ("utf-8",):
        if utf8 is None:
            notes.append(f"declared charset {shown} did not match; detecting")
        return None  # the UTF-8 step decides
    if label.startswith(("utf-16", "utf-32")):
        # Without a BOM or NULs a UTF-16 label cannot be right (WHATWG: use UTF-8).
        notes.append(f"declared charset {shown} ignored (no byte-order mark)")
        return None
    if not has_non_ascii:
        return None  # ASCII-only: every candidate agrees; let UTF-8 take it
    if utf8 is not None:
        # Pages that declare Shift_JIS but are served as UTF-8 are common, and
        # long legacy-encoded Japanese is essentially never valid UTF-8; only
        # keep the declared reading when it is clean and more Japanese.
        rival = _legacy_rival(data, utf8)
        if rival is not None and rival[0] in candidates:
            return Decoded(rival[1], rival[0], tuple(notes))
        notes.append(f"declared charset {shown} did not match; decoded as utf-8")
        return None
    for codec in candidates:
        text = _strict(data, codec)
        if text is None:
            continue
        q = _quality(text)
        if q.bad is not None:
            continue
        if q.score < _CONFIDENT_SCORE:
            # Half-width-katakana heavy: EUC-JP mislabeled as Shift_JIS looks
            # like this.  Trust the label unless another reading is clearly right.
            other = _better_reading(data, codec, text)
            if other is not None:
                notes.append(f"declared charset {shown} did not match; decoded as {other[0]}")
                return Decoded(other[1], other[0], tuple(notes))
        return Decoded(text, codec, tuple(notes))
    notes.append(f"declared charset {shown} did not match; detecting")
    return None


def _better_reading(data: bytes, codec: str, text: str) -> tuple[str, str] | None:
    """A clean, confident legacy reading other than ``codec`` that is more Japanese."""
    ratio = _japanese_ratio(text)
    for other in _LEGACY_CODECS:
        if other == codec:
            continue
        alt = _strict(data, other)
        if alt is None or alt == text:
            continue
        q = _quality(alt)
        if q.bad is None and q.score >= _CONFIDENT_SCORE and _japanese_ratio(alt) > ratio:
            return other, alt
    return None


def _detect(data: bytes, origin: str, notes: list[str]) -> Decoded:
    """Choose among cp932 / EUC-JP for undeclared, non-UTF-8 bytes."""
    clean: dict[str, tuple[str, float]] = {}
    for codec in _LEGACY_CODECS:
        text = _strict(data, codec)
        if text is None or any(text == t for t, _ in clean.values()):
            continue  # euc_jis_2004 only matters where it differs from euc_jp
        q = _quality(text)
        if q.bad is None:
            clean[codec] = (text, q.score)
    if not clean:
        raise DecodeError(origin, "not valid UTF-8 and no Japanese encoding decodes it cleanly")
    ranked = sorted(clean.items(), key=lambda kv: kv[1][1], reverse=True)
    best_codec, (best_text, best_score) = ranked[0]
    if len(ranked) > 1 and (
        best_score - ranked[1][1][1] < _AMBIGUITY_MARGIN or _non_ascii_count(best_text) < _MIN_EVIDENCE_CHARS
    ):
        raise DecodeError(
            origin,
            "low confidence: decodes cleanly but differently as " + " and ".join(c for c, _ in ranked),
        )
    if best_codec != "cp932" and "cp932" in clean and _OUTSIDE_HALFWIDTH.search(data) is None:
        # Every high byte is in A1-DF: cp932 half-width katakana and EUC-JP
        # kanji pairs read the same bytes; nothing tells them apart.
        raise DecodeError(origin, f"low confidence: reads as {best_codec} or as cp932 half-width katakana")
    lead = "detected" if notes else "no charset declared; detected"
    if best_score >= _CONFIDENT_SCORE:
        notes.append(f"{lead} {best_codec}")
        return Decoded(best_text, best_codec, tuple(notes))
    if best_score >= _MARGINAL_SCORE:
        # A second opinion for text heavy in half-width katakana.
        guess = charset_normalizer.from_bytes(data, cp_isolation=list(_DETECTABLE)).best()
        if guess is not None and codecs.lookup(guess.encoding).name == best_codec:
            notes.append(f"{lead} {best_codec} (low confidence)")
            return Decoded(best_text, best_codec, tuple(notes))
    raise DecodeError(origin, f"low confidence: best guess {best_codec} looks unlike Japanese text")
