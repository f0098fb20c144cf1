"""Whole-document extraction: text in, :class:`DocumentExtraction` out (offsets into the raw text).

Data flow::

    raw text ─fold_for_nlp─▶ folded text ─split_sentences─▶ sentences
        every sentence: registry companies, money, dates  (cheap, character rules)
        cue sentences only (money, or a deal word next to a company): GiNZA NER
            ─▶ unverified companies the registry does not know
        sentence views ─extract_sentence─▶ deal mentions and metrics
        every offset ─FoldedText.span_to_raw─▶ raw text

GiNZA runs only on sentences whose records can use it, in batches; the rest of
the document never reaches it.  Every sentence is far below SudachiPy's
49,149-byte input limit (``split_sentences`` caps a sentence at about 1,000
characters and ``chunk_spans`` guards anything longer).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

from spacy.language import Language

from extractors.cues import find_triggers
from extractors.dates import find_dates
from extractors.deals import SentenceView, complete_from_document, document_topic, extract_sentence
from extractors.money import find_money
from extractors.pipeline import companies_in, doc_companies
from extractors.registry import PARTY_KINDS, Registry, default_registry
from extractors.text import FoldedText, chunk_spans, fold_for_nlp, split_sentences
from extractors.types import (
    CompanyMention,
    DateMention,
    DealMention,
    DocumentExtraction,
    Metric,
    MoneyAmount,
)

SUDACHI_SAFE_BYTES = 40_000


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for s, e in split_sentences(text):
        if len(text[s:e].encode("utf-8")) <= SUDACHI_SAFE_BYTES:
            spans.append((s, e))
        else:
            spans.extend((s + a, s + b) for a, b in chunk_spans(text[s:e], SUDACHI_SAFE_BYTES))
    return spans


def needs_ner(text: str, money: Sequence[MoneyAmount], companies: Sequence[CompanyMention]) -> bool:
    """Whether an unverified company (the only thing GiNZA adds) could change a deal record here.

    A deal is read from a sentence with an amount and a deal word, or, without
    an amount, from a word that names a transaction (strength 2) between two
    named parties.  GiNZA runs there only while fewer than two distinct
    registry parties are named: with both sides known, a third, unknown name
    does not change who pays whom.  Sentences without these cues give metrics
    or nothing, whatever GiNZA finds.  ``extract_document(ner_everywhere=True)``
    measures what this costs (``torihiki bench`` reports both F1 figures).
    """
    if len({c.canonical for c in companies if c.kind in PARTY_KINDS}) >= 2:
        return False
    triggers = find_triggers(text)
    if money:
        return bool(triggers)
    return any(t.strength == 2 for t in triggers)


def extract_document(
    text: str,
    published: dt.date | None,
    *,
    nlp: Language | None = None,
    registry: Registry | None = None,
    ner_everywhere: bool = False,
) -> DocumentExtraction:
    """Run every extractor over one document.

    ``nlp`` is the pipeline from :func:`extractors.pipeline.build_nlp`; without
    it only the registry finds companies.  ``ner_everywhere`` sends every
    sentence to GiNZA (for measuring what the gating costs in quality).
    """
    registry = registry or default_registry()
    folded = fold_for_nlp(text)
    ftext = folded.text
    spans = _sentence_spans(ftext)
    sentences = [ftext[s:e] for s, e in spans]
    money = [find_money(s) for s in sentences]
    dates = [find_dates(s, published) for s in sentences]
    companies = [registry.find(s) for s in sentences]

    if nlp is not None:
        todo = [i for i, s in enumerate(sentences) if ner_everywhere or needs_ner(s, money[i], companies[i])]
        for i, doc in zip(todo, nlp.pipe((sentences[i] for i in todo), batch_size=64), strict=True):
            companies[i] = (
                doc_companies(doc)
                if doc.user_data
                else companies_in(
                    sentences[i], [(e.start_char, e.end_char, e.label_) for e in doc.ents], registry
                )
            )

    views: list[SentenceView] = []
    deals: list[DealMention] = []
    metrics: list[Metric] = []
    heading: str | None = None
    for i, (start, _end) in enumerate(spans):
        bulleted = _is_bullet(ftext, spans, i)
        if not bulleted:
            heading = _heading_party(sentences[i], companies[i])
        view = SentenceView(
            start=start,
            text=sentences[i],
            companies=tuple(companies[i]),
            money=tuple(money[i]),
            dates=tuple(dates[i]),
            heading_party=heading if bulleted else None,
        )
        found_deals, found_metrics = extract_sentence(view, views, deals)
        deals.extend(found_deals)
        metrics.extend(found_metrics)
        views.append(view)

    return _to_raw(text, folded, spans, views, complete_from_document(deals, document_topic(views)), metrics)


_BULLET = re.compile(r"[•・●■◆▪◦‣○◇□*＊\-–—]\s*$|^\s*(?:\d+[.)]|[①-⑳])")


def _is_bullet(text: str, spans: Sequence[tuple[int, int]], i: int) -> bool:
    """Whether sentence ``i`` is a list item: a bullet mark on its line before it."""
    line_start = text.rfind("\n", 0, spans[i][0]) + 1
    return bool(_BULLET.search(text[line_start : spans[i][0]])) or bool(
        re.match(r"\s*(?:\d+[.)]|[①-⑳])", text[spans[i][0] : spans[i][0] + 4])
    )


def _heading_party(sentence: str, companies: Sequence[CompanyMention]) -> str | None:
    """The one company of a short heading line ("OpenAIの資金源"), if the line is one."""
    if len(sentence) > 40 or sentence.rstrip().endswith(("。", "．", "！", "？", "!", "?")):
        return None
    names = {c.canonical for c in companies if c.kind in PARTY_KINDS}
    return names.pop() if len(names) == 1 else None


_T = TypeVar("_T", CompanyMention, MoneyAmount, DateMention)


def _span_map(raw: str, folded: FoldedText, items: Iterable[_T], offset: int) -> list[_T]:
    out = []
    for item in items:
        s, e = folded.span_to_raw(item.start + offset, item.end + offset)
        out.append(replace(item, start=s, end=e, text=raw[s:e]))
    return out


def _to_raw(
    raw: str,
    folded: FoldedText,
    spans: Sequence[tuple[int, int]],
    views: Sequence[SentenceView],
    deals: Sequence[DealMention],
    metrics: Sequence[Metric],
) -> DocumentExtraction:
    """Map every folded-text offset back to the raw text, and every text field to raw substrings."""
    companies: list[CompanyMention] = []
    money: list[MoneyAmount] = []
    dates: list[DateMention] = []
    for view in views:
        companies += _span_map(raw, folded, view.companies, view.start)
        money += _span_map(raw, folded, view.money, view.start)
        dates += _span_map(raw, folded, view.dates, view.start)

    def amount(m: MoneyAmount | None) -> MoneyAmount | None:
        return None if m is None else _span_map(raw, folded, [m], 0)[0]

    def date(d: DateMention | None) -> DateMention | None:
        return None if d is None else _span_map(raw, folded, [d], 0)[0]

    raw_deals = []
    for d in deals:
        s, e = folded.span_to_raw(d.sentence_start, d.sentence_end)
        raw_deals.append(
            replace(
                d,
                sentence_start=s,
                sentence_end=e,
                evidence=raw[s:e],
                amount=amount(d.amount),
                date=date(d.date),
            )
        )
    raw_metrics = []
    for m in metrics:
        s, e = folded.span_to_raw(m.sentence_start, m.sentence_end)
        a = amount(m.amount)
        assert a is not None
        raw_metrics.append(replace(m, sentence_start=s, sentence_end=e, evidence=raw[s:e], amount=a))
    raw_sentences = tuple(folded.span_to_raw(s, e) for s, e in spans)
    return DocumentExtraction(
        companies=tuple(companies),
        money=tuple(money),
        dates=tuple(dates),
        deals=tuple(raw_deals),
        metrics=tuple(raw_metrics),
        sentences=raw_sentences,
    )
