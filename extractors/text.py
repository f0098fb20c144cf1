"""Text utilities shared by the extractors: folding, sentence and chunk spans.

Everything here is pure (stdlib only) and works on character offsets into the
text it is given.  Extractors run on :func:`fold_for_nlp`'s folded copy and map
their offsets back to the stored raw text with :meth:`FoldedText.to_raw`.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

__all__ = [
    "MAX_SENTENCE_CHARS",
    "SUDACHI_MAX_BYTES",
    "FoldedText",
    "chunk_spans",
    "fold_for_nlp",
    "split_sentences",
]

# SudachiPy refuses input longer than this many UTF-8 bytes.
SUDACHI_MAX_BYTES = 49149

# A "sentence" longer than this is split at 、 or whitespace (transcripts often
# have no 。 and no line breaks at all).
MAX_SENTENCE_CHARS = 1000
# When such a run is split, pieces aim for about this many characters ...
_TARGET_PIECE_CHARS = 400
# ... and are never shorter than this unless the run itself ends.
_MIN_PIECE_CHARS = 100

_VOICED = "\u3099"  # combining dakuten (what NFKC makes of ﾞ)
_SEMI_VOICED = "\u309a"  # combining handakuten (what NFKC makes of ﾟ)
# Spacing forms used when ﾞ/ﾟ cannot combine with the preceding character.
_SPACING_MARK = {_VOICED: "\u309b", _SEMI_VOICED: "\u309c"}


@dataclass(frozen=True)
class FoldedText:
    """A folded copy of a raw text plus the map from folded to raw offsets.

    Folding only ever merges two raw characters into one (ｶﾞ → ガ), so the map
    is stored sparsely: ``_merge_ends`` holds, in increasing order, each folded
    offset just after a merged character; the raw offset of folded offset ``i``
    is ``i`` plus the number of merges that end at or before ``i``.
    """

    text: str
    raw_length: int
    _merge_ends: tuple[int, ...] = ()

    def to_raw(self, i: int) -> int:
        """Map folded offset ``i`` (0 ≤ i ≤ len(text)) to the raw text offset."""
        if not 0 <= i <= len(self.text):
            raise IndexError(f"offset {i} outside folded text of length {len(self.text)}")
        return i + bisect_right(self._merge_ends, i)

    def span_to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Map a folded ``[start, end)`` span to the raw span covering the same characters."""
        if start > end:
            raise ValueError(f"span start {start} after end {end}")
        return self.to_raw(start), self.to_raw(end)


def _fold_char(ch: str) -> str:
    """Fold one character; half-width katakana go through NFKC, which never
    touches ① or ㈱ because we only apply it to that block."""
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII
        return chr(code - 0xFEE0)
    if code == 0x3000:  # ideographic space
        return " "
    if 0xFF61 <= code <= 0xFF9F:  # half-width CJK punctuation and katakana
        return unicodedata.normalize("NFKC", ch)
    return ch


def fold_for_nlp(text: str) -> FoldedText:
    """Fold full-width ASCII, the ideographic space and half-width katakana.

    Other compatibility characters (①, ㈱, ㍿, ⅰ ...) are deliberately left
    alone: NFKC would turn ``①100億円`` into ``1100億円``.  A half-width voiced
    mark that cannot combine with the previous character becomes the spacing
    mark ゛/゜ rather than a dangling combining character.
    """
    out: list[str] = []
    merge_ends: list[int] = []
    for ch in text:
        folded = _fold_char(ch)
        if folded in _SPACING_MARK:
            if out:
                combined = unicodedata.normalize("NFC", out[-1] + folded)
                if len(combined) == 1:
                    out[-1] = combined
                    merge_ends.append(len(out))
                    continue
            folded = _SPACING_MARK[folded]
        out.append(folded)
    return FoldedText("".join(out), len(text), tuple(merge_ends))


# --- sentences ---------------------------------------------------------------

_TERMINATORS = frozenset("。！？｡!?")
_ASCII_TERMINATORS = frozenset("!?")
# Closing quotes/brackets that belong to the sentence they follow (。」).
_CLOSERS = frozenset("」』）)］]】〕〉》｣\"'’”»")
_QUOTE_CLOSERS = frozenset('」』｣"’”»')
# After 「...。」 these continue the same sentence: 「…した。」と述べた。
_QUOTE_CONTINUATIONS = ("と", "って", "など")
# ... unless the と starts a new sentence: 「…。」ところが、…
_NEW_SENTENCE_STARTS = ("ところ", "とはいえ", "ともあれ", "とにかく", "とりあえず")
# Bullet markers that start a new sentence wherever they follow whitespace;
# ・ (also the nakaguro in ソフトバンク・グループ) only at the start of a line.
_BULLETS = frozenset("•●■◆◇□▪▫▶►◦‣○◎★☆※")
_LINE_BULLETS = _BULLETS | frozenset("・･-*+–—")
_SOFT_BREAKS = frozenset("、，,､")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_SPECIAL = re.compile("[" + re.escape("".join(sorted(_TERMINATORS | _BULLETS | _LINE_BREAKS))) + "]")


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _sentence_end(text: str, i: int) -> int | None:
    """If a sentence ends at the terminator ``text[i]``, return its end offset."""
    n = len(text)
    ch = text[i]
    if ch in _ASCII_TERMINATORS:
        # Folded text has ASCII !? where the raw had ！？, so a glued !/? still
        # ends a sentence next to Japanese (本当か?AIは / AI!次に) -- but not in
        # a URL (watch?v=) or in Yahoo!ニュース.
        nxt = text[i + 1] if i + 1 < n else ""
        prev = text[i - 1] if i > 0 else ""
        glued = nxt and not nxt.isspace() and nxt not in _TERMINATORS and nxt not in _CLOSERS
        yahoo = text[max(0, i - 5) : i].lower() == "yahoo"
        if glued and prev.isascii() and (nxt.isascii() or yahoo):
            return None
    j = i + 1
    while j < n and text[j] in _TERMINATORS:
        j += 1
    quoted = False
    while j < n and text[j] in _CLOSERS:
        quoted = quoted or text[j] in _QUOTE_CLOSERS
        j += 1
    if quoted and text.startswith(_QUOTE_CONTINUATIONS, j) and not text.startswith(_NEW_SENTENCE_STARTS, j):
        return None
    return j


def _strip_span(text: str, start: int, end: int, *, line_start: bool) -> tuple[int, int]:
    """Trim whitespace and leading bullet markers from ``[start, end)``."""
    while True:
        while start < end and text[start].isspace():
            start += 1
        if start < end and (text[start] in _BULLETS or (line_start and text[start] in _LINE_BULLETS)):
            # A dash/asterisk is a bullet only when followed by a space ("- 項目").
            if text[start] in "-*+–—" and (start + 1 < end and not text[start + 1].isspace()):
                break
            start += 1
            continue
        break
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split an over-long run at 、/whitespace near the target length."""
    pieces: list[tuple[int, int]] = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = _find_cut(text, start, start + MAX_SENTENCE_CHARS)
        piece_end = cut
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1  # a cut at a space leaves it trailing
        if piece_end > start:
            pieces.append((start, piece_end))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces


def _is_hiragana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u3096"


# A character that can start a word after a particle: kanji, katakana (not ー),
# Latin letters and digits, full-width too, and opening brackets.
_WORD_START = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u30a1-\u30fa\uff66-\uff9d"
    r"A-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a「『（(【]"
)


def _word_boundary(text: str, k: int) -> bool:
    """Whether a cut after ``text[k]`` falls between a hiragana ending or particle
    and the start of a new word (``…は|オープンAI``): no name or amount is cut."""
    return k + 1 < len(text) and _is_hiragana(text[k]) and _WORD_START.match(text[k + 1]) is not None


def _find_cut(text: str, start: int, limit: int) -> int:
    """Best cut in ``(start, limit]``: a soft break near the target, else a space,
    else a hiragana-to-word boundary (a transcript with no punctuation at all),
    else the hard limit."""
    lo = start + _MIN_PIECE_CHARS
    target = start + _TARGET_PIECE_CHARS
    for tier in range(3):
        best = -1
        for k in range(lo, limit):
            ch = text[k]
            if tier == 0:
                hit = ch in _SOFT_BREAKS
            elif tier == 1:
                hit = ch.isspace()
            else:
                hit = _word_boundary(text, k)
            if hit:
                if k < target:
                    best = k + 1  # the last break before the target ...
                else:
                    if best == -1:
                        best = k + 1  # ... else the first one after it
                    break
        if best != -1:
            return best
    return limit


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Rule-based sentence spans ``(start, end)`` over ``text``.

    Breaks after 。！？!? (with any closing quotes/brackets that follow), at line
    breaks and before bullets; spans exclude surrounding whitespace and
    leading bullet markers and are never empty.  A run longer than
    :data:`MAX_SENTENCE_CHARS` (a transcript without 。 or newlines) is split at
    、 or whitespace, else where a word follows hiragana (never inside a name or
    an amount), or hard at the limit.
    """
    spans: list[tuple[int, int]] = []

    def emit(a: int, b: int, line_start: bool) -> None:
        a, b = _strip_span(text, a, b, line_start=line_start)
        if a < b:
            spans.extend(_split_long(text, a, b))

    start = 0
    line_start = True
    # Only look at the few characters that can end a sentence (fast on 20 MB).
    for m in _SPECIAL.finditer(text):
        i = m.start()
        if i < start:
            continue  # already consumed as part of a terminator group
        ch = text[i]
        if ch in _LINE_BREAKS:
            emit(start, i, line_start)
            start, line_start = i + 1, True
        elif ch in _BULLETS:
            if i > start and text[i - 1].isspace():
                emit(start, i, line_start)
                start, line_start = i, False
        else:
            end = _sentence_end(text, i)
            if end is not None:
                emit(start, end, line_start)
                start, line_start = end, False
    emit(start, len(text), line_start)
    return spans


# --- chunks ------------------------------------------------------------------


def _utf8_len(s: str) -> int:
    # surrogatepass: never raise on lone surrogates, count them as 3 bytes.
    return len(s.encode("utf-8", "surrogatepass"))


def _hard_split(text: str, start: int, end: int, max_bytes: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into pieces of at most ``max_bytes`` at char boundaries."""
    data = text[start:end].encode("utf-8", "surrogatepass")
    out: list[tuple[int, int]] = []
    pos = 0
    char_pos = start
    while pos < len(data):
        cut = min(pos + max_bytes, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1  # back off a UTF-8 continuation byte
        nchars = len(data[pos:cut].decode("utf-8", "surrogatepass"))
        out.append((char_pos, char_pos + nchars))
        char_pos += nchars
        pos = cut
    return out


def chunk_spans(text: str, max_bytes: int = 40000) -> list[tuple[int, int]]:
    """Consecutive spans covering ``text`` exactly, each at most ``max_bytes`` UTF-8 bytes.

    Chunks end at sentence boundaries (the whitespace after a sentence stays
    with it) when possible, else at any character boundary.  Empty text gives
    no chunks.
    """
    if max_bytes < 4:
        raise ValueError("max_bytes must be at least 4 (one UTF-8 character)")
    if not text:
        return []
    if _utf8_len(text) <= max_bytes:
        return [(0, len(text))]
    # Candidate cut points: the start of every sentence after the first.
    sentences = split_sentences(text)
    cuts = [s for s, _ in sentences[1:]] + [len(text)]
    chunks: list[tuple[int, int]] = []
    chunk_start = 0
    chunk_bytes = 0
    prev = 0
    for cut in cuts:
        if cut <= prev:
            continue
        piece = _utf8_len(text[prev:cut])
        if chunk_bytes + piece > max_bytes and chunk_bytes > 0:
            chunks.append((chunk_start, prev))
            chunk_start, chunk_bytes = prev, 0
        if piece > max_bytes:
            parts = _hard_split(text, prev, cut, max_bytes)
            chunks.extend(parts[:-1])
            chunk_start = parts[-1][0]
            chunk_bytes = _utf8_len(text[chunk_start:cut])
        else:
            chunk_bytes += piece
        prev = cut
    if chunk_start < len(text):
        chunks.append((chunk_start, len(text)))
    return chunks
