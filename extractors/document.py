"""Whole-document extraction: text in, :class:`DocumentExtraction` out (offsets into the raw text).

Data flow::

    raw text ─fold_for_nlp─▶ folded text ─split_sentences─▶ sentences
        every sentence: registry companies, money, dates  (cheap, character rules)
        gated sentences (needs_ner: an amount, or a word naming a transaction)
            ─SudachiPy─▶ name candidates (extractors.candidates): tokens no registry
            name, amount, date or everyday word explains
            ─▶ GiNZA NER on a window of a few tokens around them (batched)
            ─▶ unverified companies the registry does not know (companies_in)
        sentence views ─extract_sentence─▶ deal mentions and metrics
        every offset ─FoldedText.span_to_raw─▶ raw text

GiNZA costs about a millisecond per token and adds nothing but unverified
companies, so it reads only what could hold one: on the corpus and seeds 37
windows of 994 characters, out of 335 gated sentences of 16,566 (42,260 with
``ner_everywhere``), with the same deals and metrics.
``extract_document(ner_everywhere=True)`` is the reference that shows it.
Every sentence is far below SudachiPy's 49,149-byte input limit
(``split_sentences`` caps a sentence at about 1,000 characters and
``chunk_spans`` guards anything longer).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from spacy.language import Language

from extractors.candidates import name_candidates, ner_windows, sudachi_for, tokenize
from extractors.cues import find_triggers
from extractors.dates import find_dates
from extractors.deals import SentenceView, complete_from_document, document_topic, extract_sentence
from extractors.money import find_money
from extractors.names import with_rule_names
from extractors.pipeline import companies_in
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


def needs_ner(text: str, money: Sequence[MoneyAmount]) -> bool:
    """Whether an unverified company (the only thing GiNZA adds) could change a record here.

    Deals and metrics are read from sentences with an amount, and deals without
    one from a word that names a transaction (strength 2); elsewhere a new name
    changes no record of its own sentence (what is given up: it may be what a
    later 同社 refers to).  Two registry parties do not make GiNZA useless: a
    third, unknown one may be a co-investor (AとBが主導するラウンド), and a
    metric takes the company next to it.  Within these sentences
    :func:`ner_jobs` narrows GiNZA down to the tokens that could name a
    company.  ``extract_document(ner_everywhere=True)`` measures what this
    costs (``torihiki bench`` reports both F1 figures).
    """
    return bool(money) or any(t.strength == 2 for t in find_triggers(text))


@dataclass(frozen=True)
class NerJob:
    """One text for GiNZA, ``sentences[sentence][start:end]``.

    Its entities count where they touch a span of ``keep`` (sentence offsets):
    around a candidate the window gives the entity the whole sentence would, at
    its cut edges it may not.
    """

    sentence: int
    start: int
    end: int
    keep: tuple[tuple[int, int], ...]


def ner_jobs(
    sentences: Sequence[str],
    money: Sequence[Sequence[MoneyAmount]],
    dates: Sequence[Sequence[DateMention]],
    companies: Sequence[Sequence[CompanyMention]],
    sudachi: Any,
) -> list[NerJob]:
    """The windows of gated sentences (:func:`needs_ner`) around tokens that could name a new company."""
    jobs: list[NerJob] = []
    for i, text in enumerate(sentences):
        if not needs_ner(text, money[i]):
            continue
        explained = _spans(companies[i]) + _spans(money[i]) + _spans(dates[i])
        tokens = tokenize(text, sudachi)
        candidates = name_candidates(tokens, explained)
        keep = tuple((tokens[c].start, tokens[c].end) for c in candidates)
        jobs += [NerJob(i, start, end, keep) for start, end in ner_windows(tokens, candidates)]
    return jobs


def _spans(items: Iterable[CompanyMention | MoneyAmount | DateMention]) -> list[tuple[int, int]]:
    return [(x.start, x.end) for x in items]


def ginza_entities(
    nlp: Language, sentences: Sequence[str], jobs: Sequence[NerJob]
) -> dict[int, list[tuple[int, int, str]]]:
    """GiNZA's entities for every sentence with a job, as (start, end, label) in sentence offsets."""
    found: dict[int, list[tuple[int, int, str]]] = {job.sentence: [] for job in jobs}
    texts = (sentences[job.sentence][job.start : job.end] for job in jobs)
    for job, doc in zip(jobs, nlp.pipe(texts, batch_size=64), strict=True):
        for ent in doc.ents:
            start, end = ent.start_char + job.start, ent.end_char + job.start
            if any(start < e and s < end for s, e in job.keep):
                found[job.sentence].append((start, end, ent.label_))
    return found


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
    it only the registry finds companies.  ``ner_everywhere`` sends every whole
    sentence to GiNZA, instead of the windows of :func:`ner_jobs` (for
    measuring what the gating costs in quality).
    """
    registry = registry or default_registry()
    folded = fold_for_nlp(text)
    ftext = folded.text
    spans = _sentence_spans(ftext)
    sentences = [ftext[s:e] for s, e in spans]
    money = [find_money(s) for s in sentences]
    dates = [find_dates(s, published) for s in sentences]
    companies = [with_rule_names(s, registry.find(s)) for s in sentences]

    if nlp is not None:
        if ner_everywhere:
            jobs = [NerJob(i, 0, len(s), ((0, len(s)),)) for i, s in enumerate(sentences)]
        else:
            jobs = ner_jobs(sentences, money, dates, companies, sudachi_for(nlp))
        for i, ents in ginza_entities(nlp, sentences, jobs).items():
            companies[i] = companies_in(sentences[i], ents, registry, known=companies[i])

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
