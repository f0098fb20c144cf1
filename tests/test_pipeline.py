"""``companies_in``: how GiNZA's entities join the companies already found (no model needed)."""

from __future__ import annotations

import pytest

from extractors.pipeline import companies_in
from extractors.registry import Entity, Registry
from extractors.types import CompanyMention

REGISTRY = Registry({"NVIDIA": Entity("NVIDIA", aliases=("エヌビディア",)), "SoftBank": Entity("SoftBank")})


def _span(text: str, surface: str, label: str) -> tuple[int, int, str]:
    start = text.index(surface)
    return start, start + len(surface), label


@pytest.mark.parametrize(
    ("text", "surface", "label", "expected"),
    [
        # An organisation the registry does not know: an unverified company (marked ~).
        ("北斗精機はエヌビディアに出資した。", "北斗精機", "Company", ["~北斗精機", "NVIDIA"]),
        # 社 is not part of the name.
        ("テトラ社はエヌビディアに出資した。", "テトラ社", "Company", ["~テトラ", "NVIDIA"]),
        # GiNZA's span over a registry name adds nothing.
        ("エヌビディアは出資を受けた。", "エヌビディア", "Company", ["NVIDIA"]),
        # People, phrases and names in hiragana are never companies.
        ("山田太郎はエヌビディアに出資した。", "山田太郎", "Person", ["NVIDIA"]),
        ("同社はエヌビディアに出資した。", "同社", "Company", ["NVIDIA"]),
        ("みらい精機はエヌビディアに出資した。", "みらい精機", "Company", ["NVIDIA"]),
    ],
)
def test_companies_in_adds_unknown_organisations_only(
    text: str, surface: str, label: str, expected: list[str]
) -> None:
    found = companies_in(text, [_span(text, surface, label)], REGISTRY)
    assert [c.canonical if c.verified else f"~{c.canonical}" for c in found] == expected


def test_companies_in_keeps_companies_found_before_and_does_not_overlap_them() -> None:
    # A name found by another rule (not the registry) stays, and GiNZA's span over it adds nothing.
    text = "アオバ工業と北斗精機はエヌビディアに出資した。"
    aoba = CompanyMention(0, 5, "アオバ工業", "アオバ工業", "company", verified=False, source="ginza")
    ents = [_span(text, "アオバ工業と北斗", "Company"), _span(text, "北斗精機", "Company")]
    found = companies_in(text, ents, REGISTRY, known=[aoba, *REGISTRY.find(text)])
    assert [c.canonical for c in found] == ["アオバ工業", "北斗精機", "NVIDIA"]
