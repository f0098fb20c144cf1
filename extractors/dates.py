"""Date and duration expressions in Japanese news and transcripts.

``find_dates(text, published)`` returns every date, relative-date and duration
expression in ``text`` as :class:`~extractors.types.DateMention`, sorted and
non-overlapping, with offsets into ``text`` itself.  ``parse_date`` does the
same for a single expression.  Standard library only; never raises.

Conventions (shared with the gold annotations, see shared/gold/README.md):

* ``value`` is partial ISO at the precision the text supports: ``2025``,
  ``2025-09``, ``2025-09-22``.  Fiscal years (2025年度) and year parts
  (2025年前半, 2025年初頭) are year precision, except a year's end (2025年末,
  今年末, 年末までに), which is its December at month precision.  年内 is the
  publication's year, 年明け the next January.
* Partial dates take the missing parts from ``published``: 9月22日 → its year,
  22日 → its month (or the month before when the day is still to come).
  Without ``published`` they get ``value=None``, ``year_unknown=True``.
* Relative expressions (昨日, 3日前, 先月, 去年の11月, 火曜日 ...) are anchored on
  ``published``; without it ``value=None``, ``resolved=False``.  Approximate
  offsets (2週間ほど前, 1日か2日後, 数日後) drop to month precision; 数週間前,
  数カ月前, 数年前 are ``kind="vague"`` mentions with no value.
* Weeks (先週, 今週, 来週) resolve to the Monday of that week at day precision,
  because DatePrecision has no "week"; the mention text keeps the granularity.
  先週末 is that week's Saturday; a bare weekday (火曜日) is the most recent one
  on or before ``published``.
* その1週間後 / 翌日 / 同日 are anchored on the nearest preceding resolved date in
  the text; a speaker's self-correction (その1週間後、おそらく2週間後) takes the
  last figure.
* Ranges (1〜3月, 2025年1月から3月, 2023年から2028年まで) and quarters
  (2026年第1四半期 → 2026-01..2026-03) put the start in ``value`` and the end
  in ``end_value``.
* Durations (5年間, 6年, 複数年, 3カ月, 10年にわたり, 今後5年間) are
  ``kind="duration"`` with no value; 現在から2032年まで is a duration whose
  ``end_value`` is ``2032``.  A number below 1000 before 年 is a duration unless
  an era precedes it; a 4-digit year is a date.  A 2-digit year is a date only
  in the business forms 25年3月(期) and 25年度 (→ 2025).
* Vague words (最近, 少し前, 先に, 近年) yield nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple

from extractors.types import DateKind, DateMention, DatePrecision

__all__ = ["find_dates", "parse_date"]

# --- normalisation --------------------------------------------------------
# One character in, one character out, so offsets into the folded text are
# offsets into the caller's text.
_FOLD: dict[int, str] = {0xFF10 + i: str(i) for i in range(10)}
_FOLD.update({ord(c): "〜" for c in "~～〰"})
_FOLD.update({ord(c): "-" for c in "‐‑–−－"})
_FOLD.update({ord("／"): "/", ord("．"): ".", ord("（"): "(", ord("）"): ")", ord("　"): " "})

_KDIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KUNITS = {"十": 10, "百": 100, "千": 1000}
_ERAS = {"令和": 2019, "平成": 1989, "昭和": 1926, "大正": 1912, "明治": 1868}
_WEEKDAYS = "月火水木金土日"  # index == datetime.weekday()
_MIN_YEAR, _MAX_YEAR = 1000, 2999
_UNIT_PRECISION: dict[str, DatePrecision] = {"d": "day", "w": "day", "m": "month", "y": "year"}
_ANCHOR_WINDOW = 300  # その…後 looks this many characters back for its anchor

# --- regex building blocks ------------------------------------------------
_KN = "〇零一二三四五六七八九十百千"
_KD = "〇零一二三四五六七八九"
_NUM = rf"(?:[0-9]{{1,4}}|[{_KN}]{{1,6}})"
_NB = rf"(?<![0-9{_KN}.,])"  # a number starts here, not in the middle of one (2,000)
_SP = r"[ \t]?"  # transcripts sometimes space out 2025 年 9 月
_KAGETSU = r"(?:か|カ|ヶ|ヵ|ケ|箇)月"
_WD = rf"(?:{_SP}\([{_WEEKDAYS}](?:曜日?)?\)|{_SP}[{_WEEKDAYS}]曜日?)?"
_Y4 = (
    rf"(?:(?<![0-9])[0-9]{{4}}(?![0-9])"
    rf"|(?<![{_KN}])[{_KD}]{{4}}"
    rf"|(?<![{_KN}])[一二]千[{_KN}]{{0,4}})"
)
_YEARPART = rf"(?:(?P<era>令和|平成|昭和|大正|明治){_SP}(?P<ey>元|{_NUM})|(?P<y>{_Y4})){_SP}年"
_YPARTS = r"(?:初頭|初め|はじめ|末|前半|後半|上半期|下半期|上期|下期|半ば|終わり|暮れ)"
_YSUF = rf"(?:度|の?{_YPARTS}|頃|ごろ)"
_MSUF = r"(?:初め|はじめ|初旬|上旬|中旬|下旬|末|半ば|頃|ごろ)"
_TAIL = r"(?P<tail>以降|以来|以前|までに|まで)?"
_RELYEARS = r"再来年|一昨年|おととし|去年|昨年|今年|本年|来年"
_UNIT = rf"(?:日|週間|週|{_KAGETSU}|年)"
_APPROX = r"ほど|程度|ぐらい|くらい|ばかり|近く|余り|あまり|足らず|強|弱"

_ABS = (
    rf"{_YEARPART}(?!代)"
    rf"(?:{_SP}(?P<m>{_NUM}){_SP}月(?:{_SP}(?P<d>{_NUM}){_SP}日{_WD}|{_MSUF})?"
    rf"|の?第(?P<q>[1-4一二三四])四半期|(?P<ysuf>{_YSUF}))?"
    rf"{_TAIL}"
)


def _reln(tag: str, optional_dir: bool = False) -> str:
    """A quantified offset such as 3日前 / 2週間ほど前, groups suffixed by ``tag``."""
    return (
        rf"(?P<pre{tag}>約|およそ|おおよそ|ほぼ)?"
        rf"(?P<n{tag}>{_NUM}(?:{_SP}[〜\-]{_SP}{_NUM})?|十数|数十|数)"
        rf"(?P<u{tag}>{_UNIT})間?(?P<ap{tag}>{_APPROX})?(?P<dir{tag}>前|後){'?' if optional_dir else ''}"
    )


_SONO = r"(?P<sono>その(?:わずか|僅か|ちょうど|たった)?)?"
_HEDGE_CONN = (
    rf"(?P<conn>(?:だと思いますが)?[、,]?{_SP}(?:おそらく|多分|たぶん|いや|あるいは|もしくは|または)"
    r"|か|[〜\-])"
)


# --- candidates -----------------------------------------------------------
class _Rel(NamedTuple):
    """An offset from an anchor date: unit d/w/m/y, signed amount."""

    unit: str
    n: int
    approx: bool


@dataclass
class _Cand:
    start: int
    end: int
    kind: DateKind
    precision: DatePrecision | None
    y: int | None = None
    m: int | None = None
    d: int | None = None
    given: str = "ymd"  # parts written in the text; a range end inherits the rest
    resolved: bool = True
    year_unknown: bool = False
    end_value: str | None = None
    tail: str = ""
    anaphor: _Rel | None = None  # resolved later against a preceding date
    prio: int = 0


_Handler = Callable[[re.Match[str], dt.date | None], _Cand | None]


def _kanji_int(s: str) -> int:
    if all(c in _KDIGITS for c in s):  # positional: 二〇二五
        return int("".join(str(_KDIGITS[c]) for c in s))
    total = cur = 0
    for c in s:  # 二千二十五, 二十二, 十
        if c in _KDIGITS:
            cur = cur * 10 + _KDIGITS[c]
        else:
            total += (cur or 1) * _KUNITS[c]
            cur = 0
    return total + cur


def _int(s: str) -> int:
    s = s.strip()
    if s == "元":
        return 1
    if s.isascii() and s.isdigit():
        return int(s)
    return _kanji_int(s)


def _valid(y: int | None, m: int, d: int | None = None) -> bool:
    if not 1 <= m <= 12:
        return False
    if d is None:
        return True
    # Without a year, accept 2月29日 (2000 is a leap year).
    return 1 <= d <= calendar.monthrange(2000 if y is None else y, m)[1]


def _iso(y: int, m: int | None, d: int | None, precision: DatePrecision | None) -> str:
    if precision == "year" or m is None:
        return f"{y:04d}"
    if precision == "month" or d is None:
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}"


def _shift_month(y: int, m: int, k: int) -> tuple[int, int]:
    idx = y * 12 + (m - 1) + k
    return idx // 12, idx % 12 + 1


def _apply(
    anchor: tuple[int, int | None, int | None], precision: DatePrecision | None, rel: _Rel
) -> tuple[int, int | None, int | None, DatePrecision] | None:
    """Offset an anchor date; None when the anchor is too coarse for the unit."""
    y, m, d = anchor
    if rel.unit in ("d", "w"):
        if m is None or d is None or precision != "day":
            return None
        day = dt.date(y, m, d) + dt.timedelta(days=rel.n * (7 if rel.unit == "w" else 1))
        return day.year, day.month, day.day, "month" if rel.approx else "day"
    if rel.unit == "m":
        if m is None or precision == "year":
            return None
        y2, m2 = _shift_month(y, m, rel.n)
        return y2, m2, None, "month"
    return y + rel.n, None, None, "year"


def _relative(s: int, e: int, pub: dt.date | None, rel: _Rel, anaphoric: bool = False) -> _Cand | None:
    if anaphoric:
        return _Cand(s, e, "relative", None, resolved=False, anaphor=rel)
    if pub is None:
        precision = "month" if rel.approx else _UNIT_PRECISION[rel.unit]
        return _Cand(s, e, "relative", precision, resolved=False)
    got = _apply((pub.year, pub.month, pub.day), "day", rel)
    if got is None:
        return None
    y, m, d, p = got
    return _Cand(s, e, "relative", p, y, m, d)


# --- handlers -------------------------------------------------------------
def _abs_parts(m: re.Match[str]) -> tuple[int, int | None, int | None, DatePrecision] | None:
    if m["era"]:
        n = _int(m["ey"])
        if not 1 <= n <= 99:
            return None
        y = _ERAS[m["era"]] + n - 1
    else:
        y = _int(m["y"])
        if not _MIN_YEAR <= y <= _MAX_YEAR:
            return None
    if m["m"] is None:
        return y, None, None, "year"
    mo = _int(m["m"])
    day = _int(m["d"]) if m["d"] else None
    if not _valid(y, mo, day):
        return None
    return y, mo, day, "month" if day is None else "day"


def _h_abs(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    got = _abs_parts(m)
    if got is None:
        return None
    y, mo, d, p = got
    if m["q"]:
        # 2026年第1四半期 → the quarter's first and last month.
        q = _int(m["q"])
        return _Cand(*m.span(), "absolute", "month", y, 3 * q - 2, end_value=f"{y:04d}-{3 * q:02d}")
    if p == "year" and _YEAR_END.search(m.group()) and "年度" not in m.group():
        return _Cand(*m.span(), "absolute", "month", y, 12, tail=m["tail"] or "")
    return _Cand(*m.span(), "absolute", p, y, mo, d, tail=m["tail"] or "")


def _h_bare_year_part(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    """年末 / 年内 / 年明け with no year: the publication's year (年明け late in a year: the next)."""
    part = m["part"]
    if pub is None:
        return _Cand(*m.span(), "relative", "year" if part == "年内" else "month", resolved=False)
    if part == "年内":
        return _Cand(*m.span(), "relative", "year", pub.year, tail=m["tail"] or "")
    if part == "年明け":
        y = pub.year + 1 if pub.month >= 10 else pub.year
        return _Cand(*m.span(), "relative", "month", y, 1, tail=m["tail"] or "")
    return _Cand(*m.span(), "relative", "month", pub.year, 12, tail=m["tail"] or "")


def _h_until(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    # 現在から2032年まで: a period from now, so a duration with a known end.
    got = _abs_parts(m)
    if got is None or not (m["tail"] or "").startswith("まで"):
        return None
    y, mo, d, p = got
    return _Cand(*m.span(), "duration", None, end_value=_iso(y, mo, d, p))


def _h_shortyear(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    yy = int(m["yy"])
    y = 2000 + yy if yy < 70 else 1900 + yy
    if m["m"] is None:
        return _Cand(*m.span(), "absolute", "year", y)
    mo = int(m["m"])
    return _Cand(*m.span(), "absolute", "month", y, mo) if _valid(y, mo) else None


def _h_garbled(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    # 2025723日: 年 and 月 lost in transcription.  Try the month/day splits,
    # two-digit day first (7|23 before 72|3).
    y, md = int(m["y"]), m["md"]
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        return None
    for day_len in (2, 1):
        mo_s, d_s = md[:-day_len], md[-day_len:]
        if 1 <= len(mo_s) <= 2 and _valid(y, int(mo_s), int(d_s)):
            return _Cand(*m.span(), "absolute", "day", y, int(mo_s), int(d_s))
    return None


def _h_numeric(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    y, mo = int(m["y"]), int(m["m"])
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        return None
    if m["d"] is None:
        # 2025-26 or 2025.5 are not months; only 2025/9 is.
        if m["sep"] != "/" or not _valid(y, mo):
            return None
        return _Cand(*m.span(), "absolute", "month", y, mo)
    d = int(m["d"])
    return _Cand(*m.span(), "absolute", "day", y, mo, d) if _valid(y, mo, d) else None


def _h_monthday(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    mo, d = _int(m["m"]), _int(m["d"])
    tail = m["tail"] or ""
    if pub is None:
        if not _valid(None, mo, d):
            return None
        return _Cand(*m.span(), "absolute", "day", None, mo, d, "md", False, True, tail=tail)
    y = _year_of_month(pub, mo)
    if not _valid(y, mo, d):
        return None
    return _Cand(*m.span(), "absolute", "day", y, mo, d, "md", tail=tail)


def _year_of_month(pub: dt.date, month: int) -> int:
    """The year of a month named without one: the publication year, unless that month
    lies more than six months after publication — then it is last year's (a February
    article's "12月に" tells of the past December)."""
    return pub.year - 1 if month - pub.month > 6 else pub.year


def _h_month(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    mo = _int(m["m"])
    if not _valid(None, mo):
        return None
    tail = m["tail"] or ""
    if pub is None:
        return _Cand(*m.span(), "absolute", "month", None, mo, None, "m", False, True, tail=tail)
    return _Cand(*m.span(), "absolute", "month", _year_of_month(pub, mo), mo, None, "m", tail=tail)


def _h_bareday(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    d = int(m["d"])
    tail = m["tail"] or ""
    if pub is None:
        if not 1 <= d <= 31:
            return None
        return _Cand(*m.span(), "absolute", "day", None, None, d, "d", False, True, tail=tail)
    # 22日 is this month's 22nd, unless that is still to come: then last month's.
    y, mo = (pub.year, pub.month) if d <= pub.day else _shift_month(pub.year, pub.month, -1)
    if not _valid(y, mo, d):
        return None
    return _Cand(*m.span(), "absolute", "day", y, mo, d, "d", tail=tail)


_RELYEAR_OFFSET = {
    "再来年": 2,
    "来年": 1,
    "今年": 0,
    "本年": 0,
    "去年": -1,
    "昨年": -1,
    "一昨年": -2,
    "おととし": -2,
}


def _h_relyear(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    rel = _Rel("y", _RELYEAR_OFFSET[m["rel"]], False)
    if m.groupdict().get("m") is None:
        cand = _relative(*m.span(), pub, rel)
        if cand is not None and cand.y is not None and _YEAR_END.search(m.group()) and "度" not in m.group():
            return replace(cand, precision="month", m=12)  # 昨年末 → December of last year
        return cand
    mo = _int(m["m"])
    d = _int(m["d"]) if m["d"] else None
    p: DatePrecision = "month" if d is None else "day"
    if pub is None:
        return _Cand(*m.span(), "relative", p, resolved=False) if _valid(None, mo, d) else None
    y = pub.year + rel.n
    if not _valid(y, mo, d):
        return None
    return _Cand(*m.span(), "relative", p, y, mo, d, tail=m["tail"] or "")


_MONTHREL_OFFSET = {"先々月": -2, "先月": -1, "今月": 0, "来月": 1, "再来月": 2}


def _h_monthrel(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    k = _MONTHREL_OFFSET[m["mo"]]
    d = int(m["d"]) if m["d"] else None
    if pub is None:
        return _Cand(*m.span(), "relative", "month" if d is None else "day", resolved=False)
    y, mo = _shift_month(pub.year, pub.month, k)
    if d is None:
        return _Cand(*m.span(), "relative", "month", y, mo)
    return _Cand(*m.span(), "relative", "day", y, mo, d) if _valid(y, mo, d) else None


_WEEK_OFFSET = {"先々週": -2, "先週": -1, "今週": 0, "来週": 1, "再来週": 2}


def _h_week(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    if pub is None:
        return _Cand(*m.span(), "relative", "day", resolved=False)
    monday = pub - dt.timedelta(days=pub.weekday()) + dt.timedelta(weeks=_WEEK_OFFSET[m["wk"]])
    # 先週の金曜日 → that weekday; 先週末 → Saturday; 先週 → Monday.
    offset = _WEEKDAYS.index(m["wd"]) if m["wd"] else 5 if m["we"] else 0
    day = monday + dt.timedelta(days=offset)
    return _Cand(*m.span(), "relative", "day", day.year, day.month, day.day)


def _h_weekday(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    if pub is None:
        return _Cand(*m.span(), "relative", "day", resolved=False)
    back = (pub.weekday() - _WEEKDAYS.index(m["wd"])) % 7
    day = pub - dt.timedelta(days=back)
    return _Cand(*m.span(), "relative", "day", day.year, day.month, day.day)


# 前日 is read as 昨日 (the day before publication); 翌日/同日 need an anchor.
_DAYREL: dict[str, tuple[_Rel, bool]] = {
    "一昨日": (_Rel("d", -2, False), False),
    "おととい": (_Rel("d", -2, False), False),
    "昨日": (_Rel("d", -1, False), False),
    "前日": (_Rel("d", -1, False), False),
    "今日": (_Rel("d", 0, False), False),
    "本日": (_Rel("d", 0, False), False),
    "明日": (_Rel("d", 1, False), False),
    "明後日": (_Rel("d", 2, False), False),
    "翌日": (_Rel("d", 1, False), True),
    "翌々日": (_Rel("d", 2, False), True),
    "同日": (_Rel("d", 0, False), True),
    "翌週": (_Rel("w", 1, False), True),
    "翌月": (_Rel("m", 1, False), True),
    "同月": (_Rel("m", 0, False), True),
    "翌年": (_Rel("y", 1, False), True),
    "同年": (_Rel("y", 0, False), True),
}


def _h_dayrel(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    rel, anaphoric = _DAYREL[m["dr"]]
    return _relative(*m.span(), pub, rel, anaphoric or bool(m["sono"]))


_UNITS = {"日": "d", "週": "w", "週間": "w", "年": "y"}


def _offset(m: re.Match[str], tag: str) -> tuple[str, str, int, bool] | None:
    """(kind, unit, signed n, approx) of one _reln match; None if not an offset."""
    n_s, unit_s = m["n" + tag], m["u" + tag]
    unit = _UNITS.get(unit_s, "m")
    sign = -1 if m["dir" + tag] == "前" else 1
    approx = bool(m["pre" + tag] or m["ap" + tag])
    if n_s in ("十数", "数十"):
        return "vague", unit, 0, True
    if n_s == "数":
        # 数日後 still pins the month; 数週間前, 数カ月前, 数年前 pin nothing.
        return ("relative", "d", 3 * sign, True) if unit == "d" else ("vague", unit, 0, True)
    parts = re.split(rf"{_SP}[〜\-]{_SP}", n_s)
    if len(parts) > 1:
        approx = True
    n = _int(parts[0])
    if unit == "y" and n >= _MIN_YEAR:
        return None  # 2025年後… is a year, not an offset
    return "relative", unit, n * sign, approx


def _h_reln(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    s, e = m.span()
    if not m["sono"] and m.string[max(0, s - 2) : s] == "から":
        # 2030年から40年後: a span measured from a stated point, i.e. a term.
        return _Cand(s, e, "duration", None)
    got = _offset(m, "")
    if got is None:
        return None
    kind, unit, n, approx = got
    if kind == "vague":
        return _Cand(s, e, "vague", None, resolved=False)
    return _relative(s, e, pub, _Rel(unit, n, approx), bool(m["sono"]))


def _h_hedge(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    # 1日か2日後 is approximate; その1週間後、おそらく2週間後 corrects itself to
    # the last figure.
    got = _offset(m, "b")
    if got is None or _offset(m, "a") is None:
        return None
    kind, unit, n, approx = got
    if kind == "vague":
        return _Cand(*m.span(), "vague", None, resolved=False)
    approx = approx or m["conn"] in ("か", "〜", "-")
    return _relative(*m.span(), pub, _Rel(unit, n, approx), bool(m["sono"]))


def _h_duration(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    n_s = m["n"]
    if re.fullmatch(_NUM, n_s) and _int(n_s) >= _MIN_YEAR:
        return None  # a 4-digit year is a date, not a duration
    return _Cand(*m.span(), "duration", None)


def _h_range(m: re.Match[str], pub: dt.date | None) -> _Cand | None:
    # 1〜3月, 2025年1-3月, 9月22〜25日, 2023〜2028年, 3〜5年(間)
    a, b, unit = _int(m["a"]), _int(m["b"]), m["u"]
    s, e = m.span()
    if unit == "年":
        if a < _MIN_YEAR and b < _MIN_YEAR and not m["y"] and not m["rel"] and not m["mm"]:
            return _Cand(s, e, "duration", None)
        if m["y"] or m["mm"] or m["rel"] or not (_MIN_YEAR <= a < b <= _MAX_YEAR):
            return None
        return _Cand(s, e, "absolute", "year", a, end_value=f"{b:04d}")
    kind: DateKind = "absolute"
    if m["y"]:
        y: int | None = _int(m["y"])
    elif m["rel"]:
        kind = "relative"
        y = pub.year + _RELYEAR_OFFSET[m["rel"]] if pub else None
    else:
        y = pub.year if pub else None
    if unit == "月":
        if m["mm"] or not (_valid(None, a) and _valid(None, b)):
            return None
        y2 = None if y is None else y + (1 if b < a else 0)  # 11〜2月 crosses a year
        if y is None or y2 is None:
            return _Cand(s, e, kind, "month", resolved=False, year_unknown=kind == "absolute")
        return _Cand(s, e, kind, "month", y, a, end_value=f"{y2:04d}-{b:02d}")
    if not m["mm"] or a > b:
        return None
    mo = _int(m["mm"])
    if not (_valid(y, mo, a) and _valid(y, mo, b)):
        return None
    if y is None:
        return _Cand(s, e, kind, "day", resolved=False, year_unknown=kind == "absolute")
    return _Cand(s, e, kind, "day", y, mo, a, end_value=f"{y:04d}-{mo:02d}-{b:02d}")


_UNTIL = rf"(?:現在|今日|本日|今)から{_SP}{_ABS}"
# A year's end is its December ("2025年末", "今年末", "年末までに"); 年度末 (March) is not.
_YEAR_END = re.compile(r"(?<!年度)(?:末|暮れ|終わり)(?:以降|以来|以前|までに|まで)?$")
_BARE_YEAR_PART = rf"(?<![0-9{_KN}年度今昨来去本の])(?P<part>年末|年の瀬|年内|年明け){_TAIL}"
_SHORTYEAR = rf"(?<![0-9{_KN}])(?P<yy>[0-9]{{2}})年(?:(?P<m>[0-9]{{1,2}})月期?|度)"
_GARBLED = rf"(?<![0-9])(?P<y>[0-9]{{4}})年?(?P<md>[0-9]{{2,4}})日{_WD}"
_NUMERIC = (
    r"(?<![0-9./\-])(?P<y>[0-9]{4})(?P<sep>[/.\-])(?P<m>[0-9]{1,2})"
    r"(?:(?P=sep)(?P<d>[0-9]{1,2}))?(?![0-9])"
)
_MONTHDAY = rf"{_NB}(?P<m>{_NUM}){_SP}月{_SP}(?P<d>{_NUM}){_SP}日{_WD}{_TAIL}"
_MONTH = rf"{_NB}(?P<m>{_NUM}){_SP}月(?!{_SP}{_NUM}{_SP}日){_MSUF}?{_TAIL}"
# A bare 22日 is a date unless a counter reading follows (22日間, 1日で, 3日後 ...).
_BAREDAY = (
    rf"(?<![0-9{_KN}.,第月年])(?P<d>[0-9]{{1,2}}){_SP}日{_WD}"
    r"(?!間|後|前|で|以内|以上|未満|ほど|程度|ぐらい|くらい|ごと|毎|おき|分|目|当たり|あたり"
    r"|連続|中|も|超|弱|強|余り|足らず|かけ)"
    rf"{_TAIL}"
)
_RELYEAR = rf"(?P<rel>{_RELYEARS})度?(?:の?{_YPARTS})?"
_RELMONTH = (
    rf"(?P<rel>{_RELYEARS})の?{_SP}(?P<m>{_NUM}){_SP}月"
    rf"(?:{_SP}(?P<d>{_NUM}){_SP}日{_WD}|{_MSUF})?{_TAIL}"
)
_MONTHREL = rf"(?P<mo>先々月|先月|今月|来月|再来月)(?:の?{_SP}(?P<d>[0-9]{{1,2}}){_SP}日|の?{_MSUF})?"
_WEEK = rf"(?P<wk>先々週|先週|今週|来週|再来週)(?P<we>末)?(?:の?{_SP}(?P<wd>[{_WEEKDAYS}])曜日?)?"
_WEEKDAY = rf"(?<!毎週)(?<!毎週の)(?P<wd>[{_WEEKDAYS}])曜日?"
_DAYRELS = "|".join(sorted(_DAYREL, key=len, reverse=True))
# 前日比 is a day-on-day comparison, not a reference to a date.
_DAYREL_RE = rf"(?P<sono>その)?(?P<dr>{_DAYRELS})(?!比)"
_RELN = rf"{_SONO}{_NB}{_reln('')}"
_HEDGE = rf"{_SONO}{_NB}{_reln('a', optional_dir=True)}{_HEDGE_CONN}{_SP}(?:その)?{_reln('b')}"
_DURATION = (
    rf"(?:(?:今後|向こう|過去|ここ|この){_SP})?{_NB}"
    rf"(?P<n>{_NUM}(?:\.[0-9]+)?|十数|数十|何十|数|複数|半)"
    rf"(?:年(?:{_NUM}{_KAGETSU})?|{_KAGETSU}|(?:か|カ|ヶ|ヵ|ケ)年|週間|日間)半?間?"
    r"(?!前|後|月|度|代|ごと|毎|おき|目|ぶり|以降|以来|[0-9])"
    r"(?:にわたり|にわたって|にわたる|に及ぶ)?"
)
_RANGE = (
    rf"(?:(?:(?P<y>{_Y4}){_SP}年|(?P<rel>去年|昨年|今年|本年|来年)の?){_SP})?"
    rf"(?:(?P<mm>{_NUM}){_SP}月)?{_NB}(?P<a>{_NUM}){_SP}(?:[〜\-]|から){_SP}(?P<b>{_NUM}){_SP}"
    r"(?P<u>月|日|年)(?:期|間)?"
)

# Order is the tie-break between equally long matches.
_PATTERNS: list[tuple[str, _Handler]] = [
    (_ABS, _h_abs),
    (_UNTIL, _h_until),
    (_SHORTYEAR, _h_shortyear),
    (_GARBLED, _h_garbled),
    (_NUMERIC, _h_numeric),
    (_MONTHDAY, _h_monthday),
    (_MONTH, _h_month),
    (_BAREDAY, _h_bareday),
    (_RELYEAR, _h_relyear),
    (_BARE_YEAR_PART, _h_bare_year_part),
    (_RELMONTH, _h_relyear),
    (_MONTHREL, _h_monthrel),
    (_WEEK, _h_week),
    (_WEEKDAY, _h_weekday),
    (_DAYREL_RE, _h_dayrel),
    (_RELN, _h_reln),
    (_HEDGE, _h_hedge),
    (_DURATION, _h_duration),
    (_RANGE, _h_range),
]
_COMPILED = [(re.compile(p), h, i) for i, (p, h) in enumerate(_PATTERNS)]

_RANGE_SEP = re.compile(rf"{_SP}(?:〜|-|から|より){_SP}")


def _representable(c: _Cand) -> bool:
    """ISO needs a 4-digit year; 来月 from 9999-12 has none."""
    return c.y is None or 1 <= c.y <= 9999


def _candidates(folded: str, pub: dt.date | None) -> list[_Cand]:
    out: list[_Cand] = []
    for rx, handler, prio in _COMPILED:
        for m in rx.finditer(folded):
            if m.end() == m.start():
                continue
            try:
                c = handler(m, pub)
            except (ValueError, OverflowError):
                # Out-of-range arithmetic on odd input (year 9999 + 1 ...):
                # drop this expression rather than fail the document.
                continue
            if c is not None and _representable(c):
                c.prio = prio
                out.append(c)
    return out


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Longest first, then earliest; drop anything overlapping a kept one."""
    kept: list[_Cand] = []
    for c in sorted(cands, key=lambda c: (c.start - c.end, c.prio, c.start)):
        if all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


def _merge_ranges(folded: str, cands: list[_Cand]) -> list[_Cand]:
    # 2025年1月から3月 / 今年1月から6月まで: the end takes the parts it lacks
    # from the start and moves one year/month on if it would precede it.
    out: list[_Cand] = []
    for c in cands:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind in ("absolute", "relative")
            and c.kind == "absolute"
            and prev.anaphor is None
            and prev.end_value is None
            and c.end_value is None
            and not prev.tail
            and prev.y is not None
            and _RANGE_SEP.fullmatch(folded, prev.end, c.start)
        ):
            end = _range_end(prev, c)
            if end is not None:
                prev.end, prev.end_value = c.end, end
                continue
        out.append(c)
    return out


def _range_end(a: _Cand, b: _Cand) -> str | None:
    """ISO end of a range a〜b, b taking the parts it did not write from a."""
    y = b.y if "y" in b.given else a.y
    m = b.m if "m" in b.given else a.m
    d, p = b.d, b.precision
    if y is None or a.y is None:
        return None
    if p == "year":
        end = f"{y:04d}"
    else:
        if m is None or (p == "day" and d is None):
            return None
        if "y" not in b.given and a.m is not None:
            if "m" not in b.given and (d or 0) < (a.d or 0):
                y, m = _shift_month(y, m, 1)  # 28日から3日 → into next month
            elif "m" in b.given and (m, d or 0) < (a.m, a.d or 0):
                y += 1  # 11月から2月 → into next year
        if not _valid(y, m, d):
            return None
        end = _iso(y, m, d, p)
    return end if end >= _iso(a.y, a.m, a.d, a.precision) else None


def _resolve_anaphora(cands: list[_Cand]) -> None:
    anchor: _Cand | None = None
    for c in cands:
        if c.anaphor is not None:
            if anchor is not None and c.start - anchor.end <= _ANCHOR_WINDOW and anchor.y is not None:
                try:
                    got = _apply((anchor.y, anchor.m, anchor.d), anchor.precision, c.anaphor)
                except (ValueError, OverflowError):
                    got = None
                if got is not None and 1 <= got[0] <= 9999:
                    c.y, c.m, c.d, c.precision = got
                    c.resolved = True
            if not c.resolved:
                c.precision = _UNIT_PRECISION[c.anaphor.unit]
        if c.kind in ("absolute", "relative") and c.y is not None:
            anchor = c


def _to_mention(text: str, c: _Cand) -> DateMention:
    value = None if c.y is None or c.kind in ("duration", "vague") else _iso(c.y, c.m, c.d, c.precision)
    return DateMention(
        start=c.start,
        end=c.end,
        text=text[c.start : c.end],
        value=value,
        precision=c.precision,
        kind=c.kind,
        resolved=c.resolved,
        year_unknown=c.year_unknown,
        end_value=c.end_value,
    )


def find_dates(text: str, published: dt.date | None) -> list[DateMention]:
    """All date, relative-date and duration expressions in ``text``, sorted by
    offset and non-overlapping; offsets index ``text`` itself."""
    folded = text.translate(_FOLD)
    cands = _merge_ranges(folded, _select(_candidates(folded, published)))
    _resolve_anaphora(cands)
    return [_to_mention(text, c) for c in cands]


def parse_date(expr: str, published: dt.date | None) -> DateMention | None:
    """The longest expression in ``expr`` (offsets into ``expr``), or None."""
    mentions = find_dates(expr, published)
    if not mentions:
        return None
    return max(mentions, key=lambda m: (m.end - m.start, -m.start))
