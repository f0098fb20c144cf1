import pytest

from extractors.labels import COMPANY_LABELS, GINZA_LABELS, map_label


@pytest.mark.parametrize(
    ("ginza", "ours"),
    [
        ("Company", "COMPANY"),
        ("Corporation_Other", "COMPANY"),
        ("Person", "PERSON"),
        ("Product_Other", "PRODUCT"),
        ("Money", "MONEY"),
        ("Date", "DATE"),
        ("Animal_Part", None),
    ],
)
def test_labels_map_ginza_to_ours(ginza: str, ours: str | None) -> None:
    assert map_label(ginza) == ours


def test_labels_only_organisations_become_companies() -> None:
    companies = {k for k, v in GINZA_LABELS.items() if v in COMPANY_LABELS}
    assert companies == {"Company", "Company_Group", "Corporation_Other"}
