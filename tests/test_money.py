"""Tests for extractors.money (find_money / parse_money).

All sentences are written for these tests in news or spoken style; none is
copied from the seed documents.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.money import find_money, parse_money
from extractors.types import MoneyAmount


def _only(sentence: str, text: str) -> MoneyAmount:
    """The single amount whose text is ``text`` in ``sentence``."""
    hits = [a for a in find_money(sentence) if a.text == text]
    assert len(hits) == 1, (text, find_money(sentence))
    return hits[0]


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# (sentence, amount text, value, currency, qualifier)
VALUES = [
    ("米新興企業への出資額は29万4,000ドルにとどまった。", "29万4,000ドル", "294000"),
    ("同社の有利子負債は1兆2000億円に膨らんでいる。", "1兆2000億円", "1200000000000"),
    ("アップルの時価総額は一時4.3兆ドルに達した。", "4.3兆ドル", "4300000000000"),
    ("両社は1,000億ドルの共同ファンドを立ち上げる。", "1,000億ドル", "100000000000"),
    ("投資額は1000 億ドルと見られている。", "1000 億ドル", "100000000000"),
    ("買収額は1億5000万ドルだったという。", "1億5000万ドル", "150000000"),
    ("月あたりに直すと16.7億ドルになりますね。", "16.7億ドル", "1670000000"),
    ("彼は10,000万ポンドを送ったと言い張った。", "10,000万ポンド", "100000000"),
    ("1個あたり7.77ドルのコストがかかる計算だ。", "7.77ドル", "7.77"),
    ("CEOの報酬は3,000,000ドルだった。", "3,000,000ドル", "3000000"),
    ("政府は二千億円の基金を新設する。", "二千億円", "200000000000"),
    ("三兆円の経済対策が閣議決定された。", "三兆円", "3000000000000"),
    ("同社は十億ドルの社債を発行した。", "十億ドル", "1000000000"),
    ("新工場には1千億ドルが必要になる。", "1千億ドル", "100000000000"),
    ("ざっくり言って千億円の話なんですよ。", "千億円", "100000000000"),
    ("予算は一兆二千億円に上る。", "一兆二千億円", "1200000000000"),
    ("二〇〇〇億円の赤字を計上した。", "二〇〇〇億円", "200000000000"),
]


@pytest.mark.parametrize(("sentence", "text", "value"), VALUES)
def test_money_values_units_and_numerals(sentence: str, text: str, value: str) -> None:
    amount = _only(sentence, text)
    assert amount.value == Decimal(value)
    assert sentence[amount.start : amount.end] == text


FULL_WIDTH = [
    ("トヨタは１０００億円を電池工場に投じる。", "１０００億円", "100000000000"),
    ("調達額は１，０００億円を見込む。", "１，０００億円", "100000000000"),
    ("売上高は３．５兆円だった。", "３．５兆円", "3500000000000"),
    ("ファンド規模は＄３００Mです。", "＄３００M", "300000000"),
    ("およそ　１兆円の資金が動く。", "およそ　１兆円", "1000000000000"),
    ("損失は５０　億ドルに達した。", "５０　億ドル", "5000000000"),
]


@pytest.mark.parametrize(("sentence", "text", "value"), FULL_WIDTH)
def test_money_full_width_offsets_stay_in_original(sentence: str, text: str, value: str) -> None:
    amount = _only(sentence, text)
    assert amount.value == Decimal(value)
    assert amount.start == sentence.index(text)
    assert sentence[amount.start : amount.end] == text


SYMBOLS = [
    ("The deal is worth $100 billion in total.", "$100 billion", "100000000000", "USD"),
    ("ファンドは$1.5Bを集めた。", "$1.5B", "1500000000", "USD"),
    ("調達額はUS$2bnとなった。", "US$2bn", "2000000000", "USD"),
    ("An Illegal $1 Trillion Loop", "$1 Trillion", "1000000000000", "USD"),
    ("欧州勢は€5bnを投じる。", "€5bn", "5000000000", "EUR"),
    ("英銀は£10mの罰金を科された。", "£10m", "10000000", "GBP"),
    ("子会社株を¥500億で売却する。", "¥500億", "50000000000", "JPY"),
    ("It raised $250 million last week.", "$250 million", "250000000", "USD"),
]


@pytest.mark.parametrize(("sentence", "text", "value", "currency"), SYMBOLS)
def test_money_symbols_and_english_units(sentence: str, text: str, value: str, currency: str) -> None:
    amount = _only(sentence, text)
    assert (amount.value, amount.currency) == (Decimal(value), currency)


CURRENCIES = [
    ("同社は50億ドルを調達した。", "50億ドル", "USD"),
    ("社債で20億米ドルを確保した。", "20億米ドル", "USD"),
    ("売上は3億USドル規模だ。", "3億USドル", "USD"),
    ("新工場に800億円を投じる。", "800億円", "JPY"),
    ("欧州委員会は30億ユーロの支援を決めた。", "30億ユーロ", "EUR"),
    ("英政府は5億ポンドを拠出する。", "5億ポンド", "GBP"),
    ("中国企業が100億人民元を調達した。", "100億人民元", "CNY"),
    ("アリババは200億元を投資する。", "200億元", "CNY"),
    ("サムスンは5000億ウォンを投じた。", "5000億ウォン", "KRW"),
    ("豪鉱山会社が10億豪ドルで買収された。", "10億豪ドル", "AUD"),
    ("カナダ年金は20億カナダドルを出資する。", "20億カナダドル", "CAD"),
]


@pytest.mark.parametrize(("sentence", "text", "currency"), CURRENCIES)
def test_money_currency_codes(sentence: str, text: str, currency: str) -> None:
    assert _only(sentence, text).currency == currency


QUALIFIERS = [
    # up_to
    ("エヌビディアは最大1000億ドルを段階的に投じる方針だ。", "最大1000億ドル", "up_to"),
    ("融資枠は最高500億円に設定された。", "最高500億円", "up_to"),
    ("支援は最大で30億ドルになる見通しだ。", "30億ドル", "up_to"),
    # approx
    ("売上高は約2.5兆円に達した。", "約2.5兆円", "approx"),
    ("およそ300億ドルの資金が必要だ。", "およそ300億ドル", "approx"),
    ("費用は概ね100億円と見積もられる。", "100億円", "approx"),
    ("だいたい100億ドルほどの話ですよ。", "100億ドル", "approx"),
    ("負担額は50億円程度にとどまる。", "50億円", "approx"),
    ("約 80億ドルを費やしたと話していました。", "約 80億ドル", "approx"),
    # over
    ("受注残は1兆ドル以上に膨らんだ。", "1兆ドル以上", "over"),
    ("赤字は40億ドル超に達した。", "40億ドル", "over"),
    ("買収額は500億円強となった。", "500億円", "over"),
    ("累計の契約額は3000億ドルを突破した。", "3000億ドル", "over"),
    ("年間収益は200億ドルを超える見通しだ。", "200億ドル", "over"),
    ("純利益は10億ドルを上回った。", "10億ドル", "over"),
    # total
    ("両社は総額150億ドルの契約を結んだ。", "150億ドル", "total"),
    ("総投資額は、実に224億ドルに上る。", "224億ドル", "total"),
    ("3社の出資額は合計で600億円となる。", "600億円", "total"),
    # exact, including 規模 and 相当 (not approx) and records (過去最高)
    ("1兆ドル規模の投資が動き出した。", "1兆ドル", "exact"),
    ("200億ドル相当の新株を発行する。", "200億ドル", "exact"),
    ("営業利益は過去最高1兆円を記録した。", "1兆円", "exact"),
    ("時価総額は5兆ドルを付けた。", "5兆ドル", "exact"),
    ("契約100億ドルの内訳は公表されていない。", "100億ドル", "exact"),
]


@pytest.mark.parametrize(("sentence", "text", "qualifier"), QUALIFIERS)
def test_money_qualifiers(sentence: str, text: str, qualifier: str) -> None:
    amount = _only(sentence, text)
    assert amount.qualifier == qualifier
    assert amount.value is not None


VAGUE = [
    ("各社はAIに数十億ドルを注ぎ込んでいる。", "数十億ドル", "USD"),
    ("数百億ドル規模の提携が相次いだ。", "数百億ドル", "USD"),
    ("政府は数兆円の追加支出を検討している。", "数兆円", "JPY"),
    ("損失は数千万ドルにのぼる。", "数千万ドル", "USD"),
    ("何十億ドルもの資金が消えた。", "何十億ドル", "USD"),
    ("何兆ドルもの投資をどう賄うのか。", "何兆ドル", "USD"),
    ("足し合わせると2000億ドル何がしかになる計算です。", "2000億ドル何がしか", "USD"),
    ("あの会社は数十億を失ってますよ。", "数十億", None),
]


@pytest.mark.parametrize(("sentence", "text", "currency"), VAGUE)
def test_money_vague_amounts_have_no_value(sentence: str, text: str, currency: str | None) -> None:
    amount = _only(sentence, text)
    assert (amount.value, amount.qualifier, amount.currency) == (None, None, currency)
    assert (amount.low, amount.high) == (None, None)


RANGES = [
    ("社債で500から550億ドルを調達する。", "500から550億ドル", "50000000000", "55000000000", "USD"),
    ("投資は300〜350億円を見込む。", "300〜350億円", "30000000000", "35000000000", "JPY"),
    ("規模は500億～550億ドルとされる。", "500億～550億ドル", "50000000000", "55000000000", "USD"),
    ("5億ドルから6億ドルの資金を募る。", "5億ドルから6億ドル", "500000000", "600000000", "USD"),
    ("今後1年で1200億から1300億になるでしょう。", "1200億から1300億", "120000000000", "130000000000", None),
    ("It expects $5-6 billion in new debt.", "$5-6 billion", "5000000000", "6000000000", "USD"),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "text", "low", "high", "currency"), RANGES)
def test_money_ranges(sentence: str, text: str, low: str, high: str, currency: str | None) -> None:
    amount = _only(sentence, text)
    assert amount.qualifier == "range"
    assert amount.value is None
    assert (amount.low, amount.high) == (Decimal(low), Decimal(high))
    assert amount.currency == currency


def test_money_change_between_amounts_is_not_a_range() -> None:
    found = find_money("出資額を5億ドルから10億ドルに引き上げた。")
    assert [(a.text, a.qualifier) for a in found] == [
        ("5億ドル", "exact"),
        ("10億ドル", "exact"),
    ]


CONVERSIONS = [
    ("日本は3500億ドル（約52兆円）の対米投資を約束した。", "3500億ドル", "約52兆円"),
    ("総額2,000億ドル(約30兆円)の枠組みだ。", "2,000億ドル", "約30兆円"),
    ("契約額は10億ドル=約1500億円だ。", "10億ドル", "約1500億円"),
    ("予算は1000億ドル、約15兆円に上る。", "1000億ドル", "約15兆円"),
    ("200億ドル(日本円で約3兆円)を支払う。", "200億ドル", "約3兆円"),
    ("1兆ドル規模（約150兆円）の市場だ。", "1兆ドル", "約150兆円"),
]


@pytest.mark.parametrize(("sentence", "primary", "converted"), CONVERSIONS)
def test_money_conversions_are_flagged(sentence: str, primary: str, converted: str) -> None:
    assert not _only(sentence, primary).is_conversion
    conversion = _only(sentence, converted)
    assert conversion.is_conversion
    assert conversion.value is not None


def test_money_list_of_amounts_is_not_a_conversion() -> None:
    found = find_money("A社に100億円、B社に約50億円を出資する。")
    assert [(a.text, a.is_conversion) for a in found] == [
        ("100億円", False),
        ("約50億円", False),
    ]


def test_money_circled_digits_are_not_digits() -> None:
    found = find_money("①100億円の第三者割当増資を実施する。")
    assert [(a.text, a.value) for a in found] == [("100億円", Decimal("10000000000"))]
    assert found[0].start == 1


NOT_MONEY = [
    "合計10ギガワットの電力を確保する。",
    "GPU18,000基を4年間で貸し出す。",
    "株価は30%以上上昇した。",
    "提携は2025年9月22日に発表された。",
    "ChatGPTの週間利用者は7億人を超えた。",
    "7億ユーザーに使われている。",
    "数百万枚のGPUに相当する。",
    "S&P 500の時価総額の3割を占める。",
    "電力需要は関東一円で高まっている。",
    "第3四半期の10-Qを見てください。",
    "世界には数十億の人々がいる。",
    "1億から2億人が利用する見込みだ。",
    "3元素からなる化合物",
    "2025723日に日米が合意した。",
    "",
]


@pytest.mark.parametrize("sentence", NOT_MONEY)
def test_money_negative_cases(sentence: str) -> None:
    assert find_money(sentence) == []


def test_money_find_returns_all_amounts_sorted() -> None:
    sentence = "同社は現金110億ドル、有価証券450億ドル、約2,800ドルのGPUを保有する。"
    found = find_money(sentence)
    assert [a.text for a in found] == ["110億ドル", "450億ドル", "約2,800ドル"]
    assert [a.start for a in found] == sorted(a.start for a in found)


PARSE = [
    ("最大1000億ドル", "最大1000億ドル", "100000000000", "up_to"),
    ("1兆ドル以上", "1兆ドル以上", "1000000000000", "over"),
    ("総額5000億ドル規模", "5000億ドル", "500000000000", "total"),
    ("１，０００億円", "１，０００億円", "100000000000", "exact"),
    ("$1.5B", "$1.5B", "1500000000", "exact"),
]


@pytest.mark.parametrize(("expression", "text", "value", "qualifier"), PARSE)
def test_money_parse_one_expression(expression: str, text: str, value: str, qualifier: str) -> None:
    amount = parse_money(expression)
    assert amount is not None
    assert (amount.text, amount.value, amount.qualifier) == (
        text,
        Decimal(value),
        qualifier,
    )
    assert (amount.start, amount.end) == (0, len(text))


def test_money_parse_prefers_primary_over_conversion() -> None:
    amount = parse_money("5,500億ドル(約80兆円)")
    assert amount is not None
    assert (amount.text, amount.currency, amount.is_conversion) == (
        "5,500億ドル",
        "USD",
        False,
    )


@pytest.mark.parametrize("expression", ["", "10ギガワット", "30%", "2025年", "①"])
def test_money_parse_returns_none_without_amount(expression: str) -> None:
    assert parse_money(expression) is None


def _check_invariants(text: str) -> None:
    found = find_money(text)
    last_end = 0
    for amount in found:
        assert 0 <= amount.start < amount.end <= len(text)
        assert text[amount.start : amount.end] == amount.text
        assert amount.start >= last_end  # sorted and non-overlapping
        last_end = amount.end
        if amount.qualifier == "range":
            assert amount.low is not None and amount.high is not None
            assert amount.low < amount.high


@given(st.text())
def test_money_never_raises_on_arbitrary_text(text: str) -> None:
    _check_invariants(text)


# Text built from the characters the parser cares about, so that hypothesis
# reaches the number, range, qualifier and conversion paths.
_MONEY_ALPHABET = (
    "0123456789０１２３,，.．億兆万千百十一二三〇数何約最大以上超から〜～-"
    "ドル円元ユーロ()（）=＝、 　$＄Bbmillion総額①の"
)


@given(st.text(alphabet=_MONEY_ALPHABET, max_size=80))
def test_money_never_raises_on_money_like_text(text: str) -> None:
    _check_invariants(text)
