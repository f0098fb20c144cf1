"""The spaCy pipeline: ``ja_ginza`` NER plus torihiki's rule component.

The rule component (``torihiki_companies_v1``) merges registry matches with
GiNZA's entities through the label table: registry names win, GiNZA
``Company``-like entities the registry does not know become unverified
companies, and GiNZA persons/products/media are never companies.  The result
is a list of :class:`CompanyMention` with exact character offsets, stored in
``doc.user_data`` (token-aligned spans would merge glued names such as
``NVIDIAOpenAI`` into one).
"""

from __future__ import annotations

import re
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from extractors.labels import COMPANY_LABELS, map_label
from extractors.registry import Registry, default_registry
from extractors.types import CompanyMention

USER_DATA_KEY = "torihiki_companies"

# GiNZA components torihiki does not read; excluding them saves most of the time.
UNUSED_COMPONENTS = ("parser", "morphologizer", "compound_splitter", "bunsetu_recognizer")

_HIRAGANA = re.compile(r"[ぁ-ゖ]")
_NOT_A_NAME = re.compile(
    r"^(?:同社|当社|両社|自社|各社|他社|企業|会社|大手|子会社|米国|日本|AI|IT|CEO|GPU|データ|クラウド|[\d\W_]+)$"
)


def companies_in(text: str, ents: list[tuple[int, int, str]], registry: Registry) -> list[CompanyMention]:
    """Registry matches plus GiNZA company entities the registry does not cover.

    ``ents`` are GiNZA entities as (start, end, ginza_label) character spans.
    """
    found = registry.find(text)
    taken = [(c.start, c.end) for c in found]
    for start, end, label in ents:
        ours = map_label(label)
        if ours not in COMPANY_LABELS:
            continue
        if any(start < e and s < end for s, e in taken):
            continue
        surface = text[start:end]
        name = surface.strip().removesuffix("社").strip("「」『』\"' ")
        if len(name) < 2 or _NOT_A_NAME.match(name) or _HIRAGANA.search(name):
            continue  # names in hiragana (みずほ) are in the registry; GiNZA's are phrases
        known = registry.lookup(name)
        if known is not None:
            found.append(CompanyMention(start, end, surface, known.name, known.kind))
        else:
            found.append(CompanyMention(start, end, surface, name, "company", verified=False, source="ginza"))
        taken.append((start, end))
    found.sort(key=lambda c: (c.start, c.end))
    return found


class CompanyComponent:
    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or default_registry()

    def __call__(self, doc: Doc) -> Doc:
        ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        doc.user_data[USER_DATA_KEY] = companies_in(doc.text, ents, self.registry)
        return doc


@Language.factory("torihiki_companies_v1", requires=["doc.ents"], assigns=["doc.user_data"])
def make_company_component(nlp: Language, name: str) -> CompanyComponent:
    return CompanyComponent()


def build_nlp(model: str = "ja_ginza", **kwargs: Any) -> Language:
    """Load GiNZA without the components we do not use, then add the rule component."""
    nlp = spacy.load(model, exclude=list(UNUSED_COMPONENTS), **kwargs)
    nlp.add_pipe("torihiki_companies_v1", last=True)
    return nlp


def doc_companies(doc: Doc) -> list[CompanyMention]:
    value: list[CompanyMention] = doc.user_data.get(USER_DATA_KEY, [])
    return value
