import pytest

from extractors.registry import default_registry, fold_name, fold_name_loose


def _found(text: str) -> list[tuple[str, str]]:
    return [(m.text, m.canonical) for m in default_registry().find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("エヌビディアはオープンAIに出資した。", [("エヌビディア", "NVIDIA"), ("オープンAI", "OpenAI")]),
        # Glued by HTML extraction: split at the upper-case boundary.
        ("NVIDIAOpenAI、オラクル", [("NVIDIA", "NVIDIA"), ("OpenAI", "OpenAI"), ("オラクル", "Oracle")]),
        ("nvidia and openai", [("nvidia", "NVIDIA"), ("openai", "OpenAI")]),
        ("MicrosoftがCoreWeaveと契約", [("Microsoft", "Microsoft"), ("CoreWeave", "CoreWeave")]),
        ("ソフトバンクグループが出資", [("ソフトバンクグループ", "SoftBank")]),
        # a short katakana name stands alone (not inside メタバース)
        ("メタはメタバース事業を縮小した。", [("メタ", "Meta")]),
    ],
)
def test_registry_finds_aliases(text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    "text", ["The army marched.", "Harmony of the metadata", "ワンダフル", "メタバースとメタデータ"]
)
def test_registry_ignores_names_inside_words(text: str) -> None:
    assert _found(text) == []


def test_registry_offsets_point_into_text() -> None:
    text = "昨日、マイクロソフトとネビウスが契約した。"
    for m in default_registry().find(text):
        assert text[m.start : m.end] == m.text


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("NVIDIA Corp.", "nvidia"),
        ("Oracle Corporation", "ORACLE"),
        ("ソフトバンクグループ株式会社", "ソフトバンク"),
    ],
)
def test_registry_fold_name_loose(a: str, b: str) -> None:
    assert fold_name_loose(a) == fold_name_loose(b)


def test_registry_fold_name_keeps_suffix() -> None:
    assert fold_name("SoftBank Group") != fold_name("SoftBank")
