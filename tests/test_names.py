"""Company names by shape (extractors.names) and the clean-up of GiNZA's names (companies_in)."""

from __future__ import annotations

import pytest

from extractors.names import rule_names, with_rule_names
from extractors.pipeline import companies_in
from extractors.registry import default_registry


def _names(text: str) -> list[str]:
    return [c.text for c in rule_names(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a nationality prefix before a foreign name
        ("みずほは米グリーンヒルを約5億5000万ドルで買収した。", ["グリーンヒル"]),
        ("英Wayveに10億ドルを出資した。", ["Wayve"]),
        # the kind of company, then its name
        ("みずほFGは米投資銀行グリーンヒルを買収した。", ["グリーンヒル"]),
        ("2021年にはノンバンクのフラートン・インディアを約2000億円で買収した。", ["フラートン・インディア"]),
        ("クラウドセキュリティー企業ウィズを320億ドルで買収する。", ["ウィズ"]),
        # the speaker says it is a company
        ("経産省がハイレゾっていう会社に77億円。", ["ハイレゾ"]),
        ("ウェイツ・アンド・バイアシズっていうツールの会社を買った。", ["ウェイツ・アンド・バイアシズ"]),
        # foreign words joined by ・
        ("マイニングやってたコア・サイエンティフックを買収するって。", ["コア・サイエンティフック"]),
        # a capitalised Latin word where a party stands
        ("ブロードコムはVMwareを約610億ドルで買収した。", ["VMware"]),
    ],
)
def test_names_by_shape(text: str, expected: list[str]) -> None:
    assert _names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "米テキサス州でデータセンターを建設する。",  # a place after 米
        "米ドルで支払う。",  # a currency
        "データ・センターを建設する。",  # an everyday word with ・
        "GPUを10万基購入する。",  # an acronym of a thing
        "TexasとWisconsinのデータセンター",  # Latin place names outside a party slot
        "地方銀行グループとしては国内有数の規模になる。",  # a word that only ends names
        "CHIPS法に基づく補助金",  # a law
        "米メディアは今週、調達を協議していると報じた。",  # a kind of firm after 米
    ],
)
def test_names_not_taken(text: str) -> None:
    assert _names(text) == []


def test_names_stay_out_of_registry_matches() -> None:
    text = "米オラクルはVMwareを買収しない。"
    found = with_rule_names(text, default_registry().find(text))
    assert [(c.text, c.canonical, c.verified) for c in found] == [
        ("米オラクル", "Oracle", True),
        ("VMware", "VMware", True),
    ]


@pytest.mark.parametrize(
    ("text", "entity", "expected"),
    [
        # GiNZA's span takes in the nationality prefix or the shares: both are trimmed
        ("米Atreides Managementが主導した。", (0, 20, "Company"), "Atreides Management"),
        ("群馬銀行株を約50億円で取得した。", (0, 5, "Company"), "群馬銀行"),
    ],
)
def test_companies_in_trims_ginza_spans(text: str, entity: tuple[int, int, str], expected: str) -> None:
    [company] = companies_in(text, [entity], default_registry(), known=[])
    assert (company.text, company.canonical, company.verified) == (expected, expected, False)


def test_companies_in_drops_sums_of_money() -> None:
    text = "リース料は5年間で約120億円となる。"
    assert companies_in(text, [(0, 4, "Company")], default_registry(), known=[]) == []
