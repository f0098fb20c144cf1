"""GiNZA (ENE / OntoNotes-style) entity labels mapped to torihiki's labels.

One table, tested on its own.  Labels missing here are ignored.
"""

from __future__ import annotations

GINZA_LABELS: dict[str, str] = {
    # Organisations that can be deal parties.
    "Company": "COMPANY",
    "Company_Group": "COMPANY",
    "Corporation_Other": "COMPANY",
    "Organization_Other": "ORG",
    "International_Organization": "ORG",
    "Political_Organization_Other": "ORG",
    "Government": "GOVERNMENT",
    # Not parties: kept as context so they are never turned into companies.
    "Person": "PERSON",
    "Product_Other": "PRODUCT",
    "Service": "PRODUCT",
    "Game": "PRODUCT",
    "Broadcast_Program": "MEDIA",
    "Printing_Other": "MEDIA",
    "Newspaper": "MEDIA",
    "Magazine": "MEDIA",
    "Country": "GPE",
    "City": "GPE",
    "Province": "GPE",
    # Values our own normalizers handle; GiNZA's spans are not used for them.
    "Money": "MONEY",
    "Date": "DATE",
    "Period_Year": "DURATION",
    "Period_Month": "DURATION",
    "Period_Day": "DURATION",
}

# Our labels whose GiNZA spans become (unverified) companies when the registry does not know them.
COMPANY_LABELS = frozenset({"COMPANY"})


def map_label(ginza_label: str) -> str | None:
    return GINZA_LABELS.get(ginza_label)
