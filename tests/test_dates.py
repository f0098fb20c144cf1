"""Tests for extractors.dates: absolute, partial, relative, range and duration
expressions in Japanese news and spoken-style text."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.dates import find_dates, parse_date
from extractors.types import DateMention

# 2025-09-23 is a Tuesday; 2026-02-05 a Thursday (both used by the seed gold).
PUB = dt.date(2025, 9, 23)
PUB_FEB = dt.date(2026, 2, 5)


def _only(text: str, published: dt.date | None, expr: str) -> DateMention:
    """The single mention whose text is ``expr``."""
    hits = [m for m in find_dates(text, published) if m.text == expr]
    assert len(hits) == 1, (expr, find_dates(text, published))
    return hits[0]


@pytest.mark.parametrize(
    ("sentence", "expr", "value", "precision"),
    [
        ("ソフトバンクは2025年9月8日、新たな出資を発表した。", "2025年9月8日", "2025-09-08", "day"),
        ("両社は2025年10月6日付で供給契約を結んだ。", "2025年10月6日", "2025-10-06", "day"),
        ("登記簿には2025/9/8の日付がある。", "2025/9/8", "2025-09-08", "day"),
        ("届出日は2025-09-08と記載されている。", "2025-09-08", "2025-09-08", "day"),
        ("買収は2025年9月に完了する見通しだ。", "2025年9月", "2025-09", "month"),
        ("新工場は2025年に稼働を始めた。", "2025年", "2025", "year"),
        ("2025年度の設備投資は過去最高になる。", "2025年度", "2025", "year"),
        ("同社は2025年初頭に資金調達を終えた。", "2025年初頭", "2025", "year"),
        ("社債の償還は2025年末を予定している。", "2025年末", "2025-12", "month"),
        ("2025年前半に着工する。", "2025年前半", "2025", "year"),
        ("2026年度末までに完成する。", "2026年度", "2026", "year"),
        ("2029年までに10ギガワットを確保する計画だ。", "2029年までに", "2029", "year"),
        ("2019年以降、累計で130億ドルを投じてきた。", "2019年以降", "2019", "year"),
        ("契約は二〇二五年九月八日に結ばれた。", "二〇二五年九月八日", "2025-09-08", "day"),
        ("九月二十二日に基本合意書を交わした。", "九月二十二日", "2025-09-22", "day"),
        ("新制度は令和6年4月1日に施行された。", "令和6年4月1日", "2024-04-01", "day"),
        ("同社は平成31年に設立された。", "平成31年", "2019", "year"),
        ("令和元年に東証へ上場した。", "令和元年", "2019", "year"),
        # Spoken transcripts drop 年/月: 2025 + 7 + 23.
        ("ええと、2025723日に日米で合意した枠組みですね。", "2025723日", "2025-07-23", "day"),
        ("20251023日の会見で説明がありました。", "20251023日", "2025-10-23", "day"),
        ("発表は2025 年 9 月 8 日でした。", "2025 年 9 月 8 日", "2025-09-08", "day"),
        ("9月22日（月）に発表された。", "9月22日（月）", "2025-09-22", "day"),
        ("1955年10月29日の演説が引用された。", "1955年10月29日", "1955-10-29", "day"),
        ("同社の25年3月期決算は増益だった。", "25年3月期", "2025-03", "month"),
    ],
)
def test_dates_absolute(sentence: str, expr: str, value: str, precision: str) -> None:
    m = _only(sentence, PUB, expr)
    assert (m.value, m.precision, m.kind) == (value, precision, "absolute")
    assert m.resolved and not m.year_unknown


def test_dates_full_width_digits_keep_offsets() -> None:
    text = "両社は２０２５年１０月６日に提携した。"
    [m] = find_dates(text, None)
    assert m.value == "2025-10-06"
    # Offsets index the caller's full-width text, not a normalised copy.
    assert text[m.start : m.end] == m.text == "２０２５年１０月６日"


@pytest.mark.parametrize(
    ("sentence", "expr", "published", "value", "precision"),
    [
        ("エヌビディアは9月22日に出資を表明した。", "9月22日", PUB, "2025-09-22", "day"),
        ("オープンAIは3月に400億ドルを調達した。", "3月", dt.date(2025, 9, 26), "2025-03", "month"),
        ("22日に開かれた説明会で明らかにした。", "22日", PUB, "2025-09-22", "day"),
        # The 25th has not come yet on 09-23, so it must be August's.
        ("25日の取締役会で承認された。", "25日", PUB, "2025-08-25", "day"),
    ],
)
def test_dates_partial_takes_year_from_published(
    sentence: str, expr: str, published: dt.date, value: str, precision: str
) -> None:
    m = _only(sentence, published, expr)
    assert (m.value, m.precision) == (value, precision)
    assert not m.year_unknown


@pytest.mark.parametrize(
    ("sentence", "expr", "precision"),
    [
        ("エヌビディアは9月22日に出資を表明した。", "9月22日", "day"),
        ("オープンAIは3月に資金を集めた。", "3月", "month"),
        ("22日に開かれた説明会で明らかにした。", "22日", "day"),
    ],
)
def test_dates_partial_without_published_is_year_unknown(sentence: str, expr: str, precision: str) -> None:
    m = _only(sentence, None, expr)
    assert m.value is None and m.year_unknown and not m.resolved
    assert m.precision == precision


@pytest.mark.parametrize(
    ("sentence", "expr", "published", "value", "precision"),
    [
        ("昨日の発表で契約の拡大が明らかになった。", "昨日", PUB, "2025-09-22", "day"),
        ("前日に開示された資料によると、総額は224億ドルだ。", "前日", PUB, "2025-09-22", "day"),
        ("一昨日の会見で社長が説明した。", "一昨日", PUB, "2025-09-21", "day"),
        ("今日は決算の話をしましょう。", "今日", PUB, "2025-09-23", "day"),
        ("本日、両社は合意を発表した。", "本日", PUB, "2025-09-23", "day"),
        ("明日には詳細が公表される見込みだ。", "明日", PUB, "2025-09-24", "day"),
        ("3日前、提携が報じられた。", "3日前", PUB, "2025-09-20", "day"),
        ("2週間前に社債の条件が決まった。", "2週間前", PUB, "2025-09-09", "day"),
        # Approximate offsets only pin the month.
        ("2週間ほど前に20億ドルを出資したばかりです。", "2週間ほど前", PUB_FEB, "2026-01", "month"),
        ("数日後、記事で詳しく書きました。", "数日後", dt.date(2025, 9, 26), "2025-09", "month"),
        ("1日か2日後にロイターが報じました。", "1日か2日後", PUB_FEB, "2026-02", "month"),
        ("3カ月前に締結された契約だ。", "3カ月前", PUB, "2025-06", "month"),
        ("70年前に始まった計画だ。", "70年前", PUB, "1955", "year"),
        # Weeks resolve to their Monday (documented choice: no week precision).
        ("先週、この件についてお話ししました。", "先週", PUB, "2025-09-15", "day"),
        ("今週は大型案件が相次いだ。", "今週", PUB, "2025-09-22", "day"),
        ("決算は来週のどこかで出てくるでしょう。", "来週", PUB, "2025-09-29", "day"),
        ("先週末、マイクロソフト株が売られた。", "先週末", PUB, "2025-09-20", "day"),
        ("先週の金曜日に条件が固まった。", "先週の金曜日", PUB, "2025-09-19", "day"),
        ("先月、ブルームバーグが報じた。", "先月", PUB, "2025-08", "month"),
        ("今月中に正式契約を結ぶ。", "今月", PUB, "2025-09", "month"),
        ("来月には第2弾を発表する予定だ。", "来月", PUB, "2025-10", "month"),
        ("去年は赤字が膨らんだ。", "去年", PUB, "2024", "year"),
        ("同社は昨年約80億ドルを費やした。", "昨年", PUB, "2024", "year"),
        ("今年の損失は最大90億ドルに達する。", "今年", PUB, "2025", "year"),
        ("来年には上場を目指すという。", "来年", PUB, "2026", "year"),
        ("去年の11月にアンソロピックとの提携が発表されました。", "去年の11月", PUB_FEB, "2025-11", "month"),
        ("昨年11月に資本提携を結んだ。", "昨年11月", PUB, "2024-11", "month"),
        ("メタは今年6月時点で巨額の投資を計画していた。", "今年6月", PUB, "2025-06", "month"),
        ("来年3月に完了する見通しだ。", "来年3月", PUB, "2026-03", "month"),
        ("彼らは去年の末に大型契約を結んでいます。", "去年の末", PUB_FEB, "2025-12", "month"),
        ("昨年末に資金調達を終えた。", "昨年末", PUB, "2024-12", "month"),
        ("残りは年末までに払い込まれる見通しだ。", "年末までに", PUB, "2025-12", "month"),
        ("同社は年内に上場する計画だ。", "年内", PUB, "2025", "year"),
        # Weekdays: the latest such day on or before publication.
        ("最新の展開は火曜日の朝に明らかになった。", "火曜日", PUB, "2025-09-23", "day"),
        ("火曜に両社が声明を出した。", "火曜", PUB, "2025-09-23", "day"),
        ("彼らは日曜日に発表を出しました。", "日曜日", PUB_FEB, "2026-02-01", "day"),
    ],
)
def test_dates_relative(sentence: str, expr: str, published: dt.date, value: str, precision: str) -> None:
    m = _only(sentence, published, expr)
    assert (m.value, m.precision, m.kind) == (value, precision, "relative")
    assert m.resolved


@pytest.mark.parametrize(
    "expr", ["昨日", "3日前", "先週", "先月", "去年", "去年の11月", "火曜日", "2週間ほど前"]
)
def test_dates_relative_without_published_is_unresolved(expr: str) -> None:
    m = _only(f"{expr}、両社は契約を発表した。", None, expr)
    assert m.kind == "relative" and m.value is None and not m.resolved


@pytest.mark.parametrize(
    ("sentence", "expr"),
    [
        ("オラクルは数週間前に投資家へ説明していた。", "数週間前"),
        ("数カ月前から交渉が続いていた。", "数カ月前"),
        ("数年前に設立されたばかりの企業だ。", "数年前"),
    ],
)
def test_dates_vague_offsets_are_valueless_mentions(sentence: str, expr: str) -> None:
    m = _only(sentence, PUB, expr)
    assert m.kind == "vague" and m.value is None


@pytest.mark.parametrize(
    "sentence",
    [
        "最近、AI関連の大型契約が相次いでいる。",
        "少し前にこの話をしましたね。",
        "先に述べた通り、資金繰りは厳しい。",
        "近年、データセンター投資が急増している。",
    ],
)
def test_dates_vague_words_yield_nothing(sentence: str) -> None:
    assert find_dates(sentence, PUB) == []


@pytest.mark.parametrize("tilde", ["〜", "～", "-", "~", "－"])
def test_dates_month_range_same_for_every_tilde(tilde: str) -> None:
    m = _only(f"1{tilde}3月の売上高は前年を上回った。", PUB, f"1{tilde}3月")
    assert (m.value, m.end_value, m.precision) == ("2025-01", "2025-03", "month")


@pytest.mark.parametrize(
    ("sentence", "expr", "value", "end_value"),
    [
        ("2025年1月から3月にかけて出荷した。", "2025年1月から3月", "2025-01", "2025-03"),
        ("今年1月から6月までの収益は40億ドルにとどまる。", "今年1月から6月まで", "2025-01", "2025-06"),
        ("2023年から2028年までの累計損失は440億ドルを超える。", "2023年から2028年まで", "2023", "2028"),
        ("2023〜2028年の投資計画を公表した。", "2023〜2028年", "2023", "2028"),
        ("展示会は9月22〜25日に開かれた。", "9月22〜25日", "2025-09-22", "2025-09-25"),
        ("2026年第1四半期の売上高は過去最高だった。", "2026年第1四半期", "2026-01", "2026-03"),
        # An end month before the start month belongs to the next year.
        ("2025年11月から2月まで工事を止める。", "2025年11月から2月まで", "2025-11", "2026-02"),
    ],
)
def test_dates_ranges(sentence: str, expr: str, value: str, end_value: str) -> None:
    m = _only(sentence, PUB, expr)
    assert (m.value, m.end_value) == (value, end_value)


@pytest.mark.parametrize(
    ("sentence", "expr"),
    [
        ("オラクルは5年間で3000億ドルを受け取る。", "5年間"),
        ("4年間で総額15億ドルの契約だ。", "4年間"),
        ("彼らには返済まで6年しかない。", "6年"),
        ("両社は複数年の契約を拡大した。", "複数年"),
        ("3カ月間の試験運用を経て本格導入する。", "3カ月間"),
        ("わずか3か月で資金を使い果たした。", "3か月"),
        ("同社は10年にわたり赤字を続けてきた。", "10年にわたり"),
        ("政府は今後5年間で産業を育成する方針だ。", "今後5年間"),
        ("満期40年の社債を発行した。", "40年"),
        # Counted from a stated year, not from publication: a term.
        ("2030年から40年後に満期を迎える。", "40年後"),
        ("ここ数週間の発表ラッシュを振り返る。", "ここ数週間"),
    ],
)
def test_dates_durations(sentence: str, expr: str) -> None:
    m = _only(sentence, PUB, expr)
    assert (m.kind, m.value) == ("duration", None)


def test_dates_until_now_is_duration_with_end() -> None:
    m = _only("現在から2032年までに容量をすべて買い取る。", PUB, "現在から2032年までに")
    assert (m.kind, m.value, m.end_value) == ("duration", None, "2032")


@pytest.mark.parametrize(
    ("sentence", "expr", "kind"),
    [
        ("2025年に契約した。", "2025年", "absolute"),
        ("25年間の長期契約だ。", "25年間", "duration"),
        ("30年かけて回収する。", "30年", "duration"),
        ("令和7年に改正された。", "令和7年", "absolute"),
    ],
)
def test_dates_four_digit_year_is_date_short_number_is_duration(sentence: str, expr: str, kind: str) -> None:
    assert _only(sentence, PUB, expr).kind == kind


@pytest.mark.parametrize(
    "sentence",
    [
        # A decade, a period and a day-on-day comparison: none is a date or a term.
        "2000年代の通信バブルを思い出させる。",
        "米国では政権が4年ごとに変わる。",
        "株価は前日比3%高で引けた。",
        "1日で30%以上急騰した。",
    ],
)
def test_dates_non_dates_yield_nothing(sentence: str) -> None:
    assert find_dates(sentence, PUB) == []


@pytest.mark.parametrize("sentence", ["2025年2月30日に締結した。", "13月に発表する。", "2月30日の会合。"])
def test_dates_invalid_dates_are_skipped(sentence: str) -> None:
    assert find_dates(sentence, PUB) == []


def test_dates_anaphoric_offset_uses_preceding_date_and_self_correction() -> None:
    text = "彼らは2025年9月22日に発表し、その1週間後、おそらく2週間後、AMDとも契約した。"
    m = _only(text, PUB_FEB, "その1週間後、おそらく2週間後")
    # The speaker corrects 1 week to 2; anchored on 09-22, not on publication.
    assert (m.value, m.precision, m.resolved) == ("2025-10-06", "day", True)


def test_dates_anaphoric_without_anchor_is_unresolved() -> None:
    m = _only("その翌日、株価は急落した。", PUB, "その翌日")
    assert m.value is None and not m.resolved


def test_dates_mentions_sorted_and_disjoint() -> None:
    text = (
        "少し遡って9月22日のニュースですが、NVIDIAは最大1000億ドルを投じると発表しました。"
        "その後9月23日には、5年間で3000億ドルの契約が明らかになり、昨日はさらに拡大されました。"
    )
    ms = find_dates(text, dt.date(2025, 9, 26))
    assert [m.text for m in ms] == ["9月22日", "9月23日", "5年間", "昨日"]
    assert all(a.end <= b.start for a, b in itertools.pairwise(ms))


@pytest.mark.parametrize(
    ("expr", "value"),
    [("2025年9月8日", "2025-09-08"), ("昨日", "2025-09-22"), ("去年の11月", "2024-11"), ("5年間", None)],
)
def test_dates_parse_date_single_expression(expr: str, value: str | None) -> None:
    m = parse_date(expr, PUB)
    assert m is not None and m.text == expr and m.value == value


def test_dates_parse_date_none_for_non_dates() -> None:
    assert parse_date("最近", PUB) is None
    assert parse_date("", None) is None


# Characters the patterns care about, so generated text actually hits them.
_ALPHABET = st.sampled_from(
    list("0123456789０１２３年月日度週間前後ほど数カヶか〜～-/.:()（）")
    + list("その、おそらく先今来去昨本令和平成元一二十〇曜火金末以降までに から ")
)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(), st.text(alphabet=_ALPHABET, max_size=60)),
    published=st.one_of(st.none(), st.dates()),
)
def test_dates_never_raise_and_offsets_hold(text: str, published: dt.date | None) -> None:
    ms = find_dates(text, published)
    for m in ms:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.text
    assert all(a.end <= b.start for a, b in itertools.pairwise(ms))
    parse_date(text, published)


@pytest.mark.parametrize(
    ("text", "published", "value"),
    [
        ("12月に追加で払い込んだ", dt.date(2026, 2, 5), "2025-12"),
        ("12月24日に発表した", dt.date(2026, 2, 5), "2025-12-24"),
        ("8月に完了する予定", dt.date(2026, 2, 5), "2026-08"),
        ("3月に発表した", dt.date(2025, 9, 26), "2025-03"),
    ],
)
def test_dates_bare_month_far_ahead_is_last_year(text: str, published: dt.date, value: str) -> None:
    [m] = [d for d in find_dates(text, published) if d.kind != "duration"]
    assert m.value == value
