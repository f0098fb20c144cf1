"""The spaCy pipeline (``ja_ginza`` NER only) and the rule that turns its entities into companies.

:func:`companies_in` merges registry matches with GiNZA's entities through the
label table: registry names win, GiNZA ``Company``-like entities the registry
does not know become unverified companies, and GiNZA persons/products/media are
never companies.  It works on character offsets (token-aligned spans would
merge glued names such as ``NVIDIAOpenAI`` into one), so GiNZA may have read
only a window of the sentence (:mod:`extractors.candidates`): its entity
offsets are shifted back first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import spacy
from spacy.language import Language

from extractors.labels import COMPANY_LABELS, map_label
from extractors.registry import Registry
from extractors.types import CompanyMention

# GiNZA components torihiki does not read; excluding them saves most of the time.
# attribute_ruler is disabled in ja_ginza anyway: excluding it also skips loading it.
UNUSED_COMPONENTS = ("parser", "morphologizer", "compound_splitter", "bunsetu_recognizer", "attribute_ruler")

_HIRAGANA = re.compile(r"[ぁ-ゖ]")
_NOT_A_NAME = re.compile(
    r"^(?:同社|当社|両社|自社|各社|他社|企業|会社|大手|子会社|米国|日本|AI|IT|CEO|GPU|データ|クラウド|[\d\W_]+)$"
)


_NATIONALITY_PREFIX = re.compile(r"(?:米|英|独|仏|中|韓|台|豪|加|印|蘭|伊|露)(?=[A-Za-zァ-ヺ])")
_NOT_A_NAME_END = re.compile(r"(?:料|額|費|金|代|益|価格)$")


def companies_in(
    text: str,
    ents: Sequence[tuple[int, int, str]],
    registry: Registry,
    known: Sequence[CompanyMention] | None = None,
) -> list[CompanyMention]:
    """Registry matches plus GiNZA company entities the registry does not cover.

    ``ents`` are GiNZA entities as (start, end, ginza_label) character spans.
    ``known`` are the companies already found in ``text`` (by default, the
    registry's matches); GiNZA's entities only add to them, never overlap them.
    """
    found = list(known) if known is not None else registry.find(text)
    taken = [(c.start, c.end) for c in found]
    for start, end, label in ents:
        ours = map_label(label)
        if ours not in COMPANY_LABELS:
            continue
        if any(start < e and s < end for s, e in taken):
            continue
        # GiNZA's span may take in a nationality prefix (米Atreides) or the shares (群馬銀行株).
        lead = _NATIONALITY_PREFIX.match(text, start)
        if lead and lead.end() < end:
            start = lead.end()
        if text[start:end].endswith("株") and end - start > 2:
            end -= 1
        surface = text[start:end]
        name = surface.strip().removesuffix("社").strip("「」『』\"' ")
        if _NOT_A_NAME_END.search(name):
            continue  # "リース料", "調達額": a sum of money, not a name
        if len(name) < 2 or _NOT_A_NAME.match(name) or _HIRAGANA.search(name):
            continue  # names in hiragana (みずほ) are in the registry; GiNZA's are phrases
        entity = registry.lookup(name)
        if entity is not None:
            found.append(CompanyMention(start, end, surface, entity.name, entity.kind))
        else:
            found.append(CompanyMention(start, end, surface, name, "company", verified=False, source="ginza"))
        taken.append((start, end))
    found.sort(key=lambda c: (c.start, c.end))
    return found


def build_nlp(model: str = "ja_ginza", **kwargs: Any) -> Language:
    """Load GiNZA with only what its NER needs (``tok2vec`` and ``ner``)."""
    return spacy.load(model, exclude=list(UNUSED_COMPONENTS), **kwargs)
