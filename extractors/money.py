"""Find and normalise money amounts in Japanese (and some English) text.

``find_money`` returns every monetary expression in a text as a
:class:`~extractors.types.MoneyAmount`; ``parse_money`` parses one expression.
The conventions are those of the gold annotations (shared/gold/README.md,
"Amounts"): ``text`` is the amount as written plus an adjacent 約/およそ/最大/最高
prefix and an adjacent 以上 suffix; ``value`` is a ``Decimal`` in currency units
(None for vague amounts and ranges); ``qualifier`` is one of exact, up_to,
approx, over, range, total (None for vague amounts).

Design notes:

* Matching runs on a *length-preserving* normalisation of the text (full-width
  ASCII -> ASCII, ideographic space -> space), so every offset found is also an
  offset into the caller's text.  NFKC is deliberately not used: it changes
  lengths (e.g. ㍿) and turns circled digits (①) into real digits.
* Several small regexes propose candidates; the earliest, then longest,
  candidate wins, which makes 数百億ドル beat the 百億ドル inside it.
* A number without a currency word is never money, with two exceptions that
  the gold requires and that are rarely anything else in finance text:
  ranges with a 億/兆 unit (``1500億から1600億``) and vague 数十億-style amounts
  next to a money cue (``数十億を失っています``).  They get ``currency=None``;
  inferring the currency from context is the caller's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, DecimalException, localcontext

from extractors.types import MoneyAmount, Qualifier

__all__ = ["find_money", "parse_money"]

# --- normalisation -----------------------------------------------------------

# Full-width ASCII (！..～) maps one-to-one onto ASCII; the ideographic space, NBSP and
# the full-width yen/pound signs are added by hand.  One char in, one char out.
_NORMALISE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_NORMALISE.update({0x3000: ord(" "), 0xA0: ord(" "), 0xFFE5: ord("¥"), 0xFFE1: ord("£")})


def _normalise(text: str) -> str:
    return text.translate(_NORMALISE)


# --- numbers -----------------------------------------------------------------

_KANJI_DIGITS = {
    "〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_KANJI_SMALL = {"十": 10, "百": 100, "千": 1000}
_BIG_EXP = {"万": 4, "億": 8, "兆": 12}
_ENGLISH_EXP = {
    "trillion": 12, "tn": 12, "t": 12,
    "billion": 9, "bn": 9, "b": 9,
    "million": 6, "mn": 6, "m": 6,
    "thousand": 3, "k": 3,
}  # fmt: skip

_KD = "〇一二三四五六七八九"
# Arabic number: strict thousands grouping or plain digits, optional decimals.
_AR = r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)"
# A group below 万: 2,800 / 1千 / 2千500 / 二千 / 千 / 十.  No nested
# quantifiers, so failing matches cannot backtrack exponentially.
_SG = rf"(?:{_AR}(?:[千百十][{_KD}十百千0-9]{{0,8}})?|[{_KD}十百千]{{1,12}})"
_SP = r" ?"
# One to three groups each followed by 万/億/兆 (at most 兆, 億, 万 in that
# order), then an optional tail group: 29万4,000 / 1兆2000億 / 1000 億.  The
# bounds keep backtracking linear on junk such as 1億1億1億...
_BIGSEQ = rf"(?:(?:{_SG}{_SP}[万億兆]){{1,3}}(?:{_SG})?)"
_JNUM = rf"(?:{_BIGSEQ}|{_SG})"
# A number may not start inside another number (or after 数/何, which makes it
# vague): this keeps 12,34億 from yielding 34億 and 数百億 from yielding 百億.
_NUM_START = rf"(?<![0-9.{_KD}十百千数何])(?<![0-9],)"

_AR_RE = re.compile(_AR)
_MAX_DIGITS = 30  # longer digit strings are not amounts (and keep Decimal exact)


def _parse_small(s: str) -> Decimal | None:
    """Value of a group below 万 such as ``2,800``, ``二千``, ``2千500``."""
    total = Decimal(0)
    current: Decimal | None = None
    last_mult = 10**9
    i = 0
    while i < len(s):
        m = _AR_RE.match(s, i)
        if m:
            if current is not None:
                return None
            current = Decimal(m.group().replace(",", ""))
            i = m.end()
            continue
        ch = s[i]
        if ch in _KANJI_DIGITS:
            # Consecutive kanji digits are positional (二〇〇〇 = 2000).
            j = i
            while j < len(s) and s[j] in _KANJI_DIGITS:
                j += 1
            if current is not None:
                return None
            current = Decimal("".join(str(_KANJI_DIGITS[c]) for c in s[i:j]))
            i = j
            continue
        if ch in _KANJI_SMALL:
            mult = _KANJI_SMALL[ch]
            if mult >= last_mult:  # 十千 is not a number
                return None
            total += (current if current is not None else Decimal(1)) * mult
            current = None
            last_mult = mult
            i += 1
            continue
        return None
    if current is not None:
        if last_mult < 10**9 and current >= last_mult:  # 1千2000
            return None
        total += current
    return total


def _parse_jnum(s: str) -> tuple[Decimal, int] | None:
    """Value and top unit exponent (万=4, 億=8, 兆=12, none=0) of a number."""
    s = s.replace(" ", "")
    if not s or sum(c.isdigit() for c in s) > _MAX_DIGITS:
        return None
    if not re.search(r"[0-9十百千万億兆]", s):
        return None  # a bare 一/二 is a word (関東一円), not an amount
    value = Decimal(0)
    top = 0
    last_exp = 99
    group = ""
    for ch in s:
        if ch in _BIG_EXP:
            exp = _BIG_EXP[ch]
            small = _parse_small(group)
            if small is None or exp >= last_exp:
                return None
            value += small * Decimal(10) ** exp
            top = top or exp
            last_exp = exp
            group = ""
        else:
            group += ch
    if group:
        small = _parse_small(group)
        if small is None:
            return None
        if top and small >= Decimal(10) ** last_exp:  # 1億20000
            return None
        value += small
    return _integral(value), top


def _integral(value: Decimal) -> Decimal:
    """Drop a spurious fractional part (16.7億 -> 1670000000, not ...0.0)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


# --- currencies --------------------------------------------------------------

_SUFFIX_CURRENCIES = {
    "米ドル": "USD", "USドル": "USD", "ドル": "USD",
    "豪ドル": "AUD", "オーストラリアドル": "AUD",
    "カナダドル": "CAD", "加ドル": "CAD",
    "香港ドル": "HKD", "台湾ドル": "TWD", "シンガポールドル": "SGD",
    "NZドル": "NZD", "ニュージーランドドル": "NZD",
    "円": "JPY", "ユーロ": "EUR", "英ポンド": "GBP", "ポンド": "GBP",
    "人民元": "CNY", "元": "CNY", "ウォン": "KRW",
    "スイスフラン": "CHF", "ルピー": "INR",
    "USD": "USD", "JPY": "JPY", "EUR": "EUR", "GBP": "GBP", "CNY": "CNY",
    "RMB": "CNY", "KRW": "KRW", "AUD": "AUD", "CAD": "CAD",
    "$": "USD", "€": "EUR", "£": "GBP",
}  # fmt: skip
_PREFIX_CURRENCIES = {
    "US$": "USD", "$": "USD", "A$": "AUD", "C$": "CAD", "HK$": "HKD",
    "S$": "SGD", "NZ$": "NZD", "€": "EUR", "£": "GBP", "¥": "JPY",
}  # fmt: skip


def _alternation(words: dict[str, str]) -> str:
    # Longest first so that 豪ドル wins over ドル and US$ over $.
    parts = []
    for word in sorted(words, key=len, reverse=True):
        part = re.escape(word)
        if word.isascii() and word[-1].isalpha():
            part += "(?![A-Za-z])"  # USD, not USDT
        parts.append(part)
    return "(?:" + "|".join(parts) + ")"


_CUR = _alternation(_SUFFIX_CURRENCIES)
_PCUR = _alternation(_PREFIX_CURRENCIES)
# Kanji that turn the currency word into another word: 元素, 二元論, 円形, 円滑.
_CURRENCY_BLOCKERS = {"元": "素論的化", "円": "形周柱筒盤錐滑満卓弧陣"}

# --- qualifiers --------------------------------------------------------------

# 約 ends many compounds (契約, 予約, 条約...); 過去最高/史上最大 are records,
# not upper bounds.  Those do not start an amount.
_PRE = (
    r"(?:(?P<pre>(?<![契予規集節要条公制盟協確誓婚解特先倹締密成売違旧新口内黙])約"
    r"|およそ|(?<!過去)(?<!史上)最大|(?<!過去)(?<!史上)最高) ?)?"
)
_PRE_QUALIFIER: dict[str, Qualifier] = {
    "約": "approx", "およそ": "approx", "最大": "up_to", "最高": "up_to",
}  # fmt: skip

# After the amount (規模/相当/もの may sit in between: 1兆ドル規模を超える).
_AFTER_FILLER = re.compile(r"(?:規模|相当)?(?:もの)?")
_END = r"(?=[のでにをがはと、。,.)」』】\s!?]|$)"
_SUFFIX_RULES: list[tuple[re.Pattern[str], Qualifier]] = [
    (re.compile(r"を?(?:優に)?(?:超|突破|上回)"), "over"),
    (re.compile(rf"(?:強|余り?){_END}"), "over"),
    (re.compile(r"(?:以下|未満)"), "up_to"),
    (re.compile(rf"(?:ほど|程度|前後|くらい|ぐらい)(?!前)|弱{_END}"), "approx"),
]
# Just before the amount but not part of ``text``.
_OUTSIDE_PREFIX_RULES: list[tuple[re.Pattern[str], Qualifier]] = [
    (re.compile(r"(?:最大で|最高で|上限|(?i:up to) ?)$"), "up_to"),
    (
        re.compile(r"(?:少なくとも|最低でも|最低|(?i:at least|more than|over) ?)$"),
        "over",
    ),
    (
        re.compile(r"(?:概ね|おおむね|ほぼ|(?i:about|around|approximately|roughly) ?)$"),
        "approx",
    ),
]
# 総額/総投資額/合計 a few characters before the amount mark a total; the gap
# may hold a particle or adjective (総投資額は、驚異的な224億ドル) but no digits,
# currency or sentence break.  A bare 総 must touch the amount (総理 is not 総).
_TOTAL_RE = re.compile(
    r"(?<!時価)(?:総(?:投資|事業|工|予算)?(?:額|費)|合計|総計)(?P<gap>[^0-9。．.!?！？\n$€£¥]{0,6})$"
    r"|総$"
)

# --- candidate patterns ------------------------------------------------------

_JA_AMOUNT = re.compile(rf"{_PRE}{_NUM_START}(?P<num>{_JNUM}){_SP}(?P<cur>{_CUR})")
_RANGE_SEP = r"(?:から|[~〜\-–―])"
_JA_RANGE = re.compile(
    rf"{_PRE}{_NUM_START}(?P<lo>{_JNUM}){_SP}(?:(?P<locur>{_CUR}){_SP})?"
    rf"(?P<sep>{_RANGE_SEP}){_SP}(?P<hi>{_JNUM}){_SP}(?P<cur>{_CUR})"
)
_BARE_RANGE = re.compile(rf"{_NUM_START}(?P<lo>{_JNUM}){_SP}(?P<sep>{_RANGE_SEP}){_SP}(?P<hi>{_BIGSEQ})")
_VAGUE = r"(?:十?[数何](?:[十百千][万億兆]?|[万億兆]))"
_VAGUE_AMOUNT = re.compile(rf"{_PRE}(?<![0-9{_KD}])(?P<vague>{_VAGUE}){_SP}(?P<cur>{_CUR})")
_BARE_VAGUE = re.compile(r"(?<![0-9〇一二三四五六七八九])(?P<vague>十?[数何][十百千]?[億兆])")
_ENGLISH_UNIT = r"(?i:trillion|billion|million|thousand|tn|bn|mn|[tbmk])(?![A-Za-z])"
_SYMBOL_AMOUNT = re.compile(
    rf"{_PRE}(?P<sym>{_PCUR}) ?(?P<num>{_AR})"
    rf"(?: ?(?:-|–|~|〜|to) ?(?:{_PCUR})?(?P<hinum>{_AR}))?"
    rf"(?: ?(?P<eng>{_ENGLISH_UNIT})|{_SP}(?P<big>[万億兆]))?"
)

# What may follow a currency-less amount: a particle, punctuation or a word
# that qualifies an amount.  Anything else (7億ユーザー, 2億人) is a counter.
_BARE_FOLLOW = re.compile(r"(?:[をがはにでもとへや、。,.)」』】\s!?]|規模|程度|ほど|以上|前後|くらい|$)")
_BARE_VAGUE_FOLLOW = re.compile(r"(?:[をがはもに、。\s]|規模|程度|ほど|以上|$)")
# Money words near a bare 数十億 (彼らは数十億を失っています).
_MONEY_CUE = re.compile(
    r"失|稼|払|調達|投資|投じ|出資|収益|売上|利益|損|費|資金|融資|借|負債|債|予算|"
    r"価値|額|燃や|買収|契約|コスト|現金|ドル|円|ユーロ|ポンド"
)
_VAGUE_TAIL = re.compile(r"(?:何がしか|なにがしか)")

# Between an amount and its restatement: 1000億ドル（約15兆円）, 10億ドル=約1500億円,
# 1000億ドル、日本円で約15兆円.
_CONVERSION_GAP = re.compile(
    r"(?:規模|相当)?\s*(?:[(\[【]\s*=?\s*|=\s*|、?(?=(?:日本円|円換算|邦貨換算|ドル換算)))"
    r"(?:(?:日本円|円換算|邦貨換算|ドル換算)(?:で|にして|では)?、?\s*)?"
)


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    value: Decimal | None
    currency: str | None
    pre: str | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    vague: bool = False


def _currency_ok(norm: str, m: re.Match[str]) -> bool:
    blockers = _CURRENCY_BLOCKERS.get(m.group("cur"), "")
    nxt = norm[m.end() : m.end() + 1]
    return not (nxt and nxt in blockers)


def _range_bounds(lo: str, hi: str) -> tuple[Decimal, Decimal] | None:
    """Bounds of lo〜hi; a lo without unit takes hi's (500から550億 = 500億..550億)."""
    lo_parsed, hi_parsed = _parse_jnum(lo), _parse_jnum(hi)
    if lo_parsed is None or hi_parsed is None:
        return None
    (low, lo_top), (high, hi_top) = lo_parsed, hi_parsed
    if not lo_top and hi_top:
        low = _integral(low * Decimal(10) ** hi_top)
    if low >= high:  # 2030から100億: not a range
        return None
    return low, high


def _candidates(norm: str) -> list[_Candidate]:
    found: list[_Candidate] = []

    for m in _JA_AMOUNT.finditer(norm):
        parsed = _parse_jnum(m.group("num"))
        if parsed is None or not _currency_ok(norm, m):
            continue
        cur = _SUFFIX_CURRENCIES[m.group("cur")]
        found.append(_Candidate(m.start(), m.end(), parsed[0], cur, m.group("pre")))

    for m in _JA_RANGE.finditer(norm):
        bounds = _range_bounds(m.group("lo"), m.group("hi"))
        if bounds is None or not _currency_ok(norm, m):
            continue
        # 5億ドルから10億ドルに増額 is a change between two amounts, not a range.
        if m.group("locur") and m.group("sep") == "から" and norm[m.end() : m.end() + 1] in "にへ":
            continue
        cur = _SUFFIX_CURRENCIES[m.group("cur")]
        if m.group("locur") and _SUFFIX_CURRENCIES[m.group("locur")] != cur:
            continue
        found.append(_Candidate(m.start(), m.end(), None, cur, m.group("pre"), bounds[0], bounds[1]))

    for m in _BARE_RANGE.finditer(norm):
        bounds = _range_bounds(m.group("lo"), m.group("hi"))
        top = _parse_jnum(m.group("hi"))
        if bounds is None or top is None or top[1] < 8:  # 億/兆 only
            continue
        if not _BARE_FOLLOW.match(norm, m.end()):
            continue
        found.append(_Candidate(m.start(), m.end(), None, None, None, bounds[0], bounds[1]))

    for m in _VAGUE_AMOUNT.finditer(norm):
        cur = _SUFFIX_CURRENCIES[m.group("cur")]
        if _currency_ok(norm, m):
            found.append(_Candidate(m.start(), m.end(), None, cur, m.group("pre"), vague=True))

    for m in _BARE_VAGUE.finditer(norm):
        if not _BARE_VAGUE_FOLLOW.match(norm, m.end()):
            continue
        window = norm[max(0, m.start() - 20) : m.end() + 20]
        if _MONEY_CUE.search(window):
            found.append(_Candidate(m.start(), m.end(), None, None, vague=True))

    for m in _SYMBOL_AMOUNT.finditer(norm):
        found.extend(_symbol_candidate(m))

    return found


def _symbol_candidate(m: re.Match[str]) -> list[_Candidate]:
    """$100 billion, US$1.5B, $5-6bn, ¥100億."""
    num, hinum = m.group("num"), m.group("hinum")
    if sum(c.isdigit() for c in num + (hinum or "")) > _MAX_DIGITS:
        return []
    exp = 0
    if m.group("eng"):
        exp = _ENGLISH_EXP[m.group("eng").lower()]
    elif m.group("big"):
        exp = _BIG_EXP[m.group("big")]
    scale = Decimal(10) ** exp
    cur = _PREFIX_CURRENCIES[m.group("sym")]
    low = _integral(Decimal(num.replace(",", "")) * scale)
    if hinum is None:
        return [_Candidate(m.start(), m.end(), low, cur, m.group("pre"))]
    high = _integral(Decimal(hinum.replace(",", "")) * scale)
    if low >= high:
        return []
    return [_Candidate(m.start(), m.end(), None, cur, m.group("pre"), low, high)]


def _select(cands: list[_Candidate]) -> list[_Candidate]:
    """Earliest, then longest, candidate wins; overlapping ones are dropped."""
    chosen: list[_Candidate] = []
    last_end = -1
    for c in sorted(cands, key=lambda c: (c.start, -c.end)):
        if c.start >= last_end:
            chosen.append(c)
            last_end = c.end
    return chosen


def _qualify(norm: str, c: _Candidate) -> tuple[int, Qualifier | None, bool]:
    """End offset (with 以上/何がしか), qualifier, and whether the amount is vague."""
    end = c.end
    after_fill = _AFTER_FILLER.match(norm, end)
    rest_at = after_fill.end() if after_fill else end
    vague = c.vague
    suffix: Qualifier | None = None
    if norm.startswith("以上", end):
        end += 2
        suffix = "over"
    elif norm.startswith("以上", rest_at):
        suffix = "over"
    elif tail := _VAGUE_TAIL.match(norm, end):  # 1000億ドル何がしか
        end = tail.end()
        vague = True
    else:
        for pattern, qualifier in _SUFFIX_RULES:
            if pattern.match(norm, rest_at):
                suffix = qualifier
                break

    if vague:
        return end, None, True
    if c.low is not None:
        return end, "range", False
    if c.pre:
        return end, _PRE_QUALIFIER[c.pre], False
    if suffix:
        return end, suffix, False
    before = norm[max(0, c.start - 16) : c.start]
    for pattern, qualifier in _OUTSIDE_PREFIX_RULES:
        if pattern.search(before):
            return end, qualifier, False
    if _TOTAL_RE.search(before):
        return end, "total", False
    return end, "exact", False


def _is_conversion(norm: str, prev: MoneyAmount, cur: MoneyAmount) -> bool:
    """Is ``cur`` a restatement of ``prev`` (1000億ドル（約15兆円）)?"""
    gap = norm[prev.end : cur.start]
    if _CONVERSION_GAP.fullmatch(gap) and gap.strip():
        return True
    # 1000億ドル、約15兆円: only when the currency changes, else it is a list.
    return (
        gap == "、"
        and cur.text.startswith(("約", "およそ"))
        and prev.currency is not None
        and cur.currency is not None
        and prev.currency != cur.currency
    )


def find_money(text: str) -> list[MoneyAmount]:
    """All money expressions in ``text``, sorted by start and non-overlapping.

    Offsets are into ``text``.  A restatement in another currency (the （約15兆円）
    of 1000億ドル（約15兆円）) is returned with ``is_conversion=True``.
    Never raises on arbitrary input.
    """
    if not text:
        return []
    norm = _normalise(text)
    with localcontext() as ctx:
        ctx.prec = 60  # exact for every amount below 10**30 of any unit
        try:
            cands = _select(_candidates(norm))
        except DecimalException:  # pragma: no cover - guarded by _MAX_DIGITS
            return []
    results: list[MoneyAmount] = []
    for c in cands:
        end, qualifier, vague = _qualify(norm, c)
        amount = MoneyAmount(
            start=c.start,
            end=end,
            text=text[c.start : end],
            value=None if vague else c.value,
            currency=c.currency,
            qualifier=qualifier,
            low=None if vague else c.low,
            high=None if vague else c.high,
        )
        if results and _is_conversion(norm, results[-1], amount):
            amount = replace(amount, is_conversion=True)
        results.append(amount)
    return results


def parse_money(text: str) -> MoneyAmount | None:
    """Parse one money expression such as ``最大1000億ドル`` or ``$1.5B``.

    Returns the first amount in ``text`` (the first that is not a conversion if
    there is one) with offsets relative to the matched part: ``start=0`` and
    ``end=len(result.text)``.  Words around it still inform the qualifier
    (``総額5000億ドル`` -> total), but only the amount is kept.  None when
    ``text`` holds no amount.
    """
    found = find_money(text)
    if not found:
        return None
    primary = next((a for a in found if not a.is_conversion), found[0])
    return replace(primary, start=0, end=len(primary.text), is_conversion=False)
