"""Which text reaches GiNZA (candidate tokens, windows) and that the records equal GiNZA on every sentence.

A small registry of our own keeps these tests independent of ``companies.yaml``:
the companies it lacks are the ones GiNZA has to find.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from extractors.candidates import Token, _own_tokenizer, name_candidates, ner_windows, tokenize
from extractors.dates import find_dates
from extractors.document import NerJob, extract_document, ginza_entities, needs_ner, ner_jobs
from extractors.money import find_money
from extractors.registry import Entity, Registry
from extractors.types import DocumentExtraction

PUB = dt.date(2025, 10, 1)
REGISTRY = Registry(
    {
        name: Entity(name, aliases=aliases)
        for name, aliases in [
            ("NVIDIA", ("エヌビディア",)),
            ("OpenAI", ()),
            ("Oracle", ("オラクル",)),
            ("KDDI", ()),
            ("AMD", ()),
        ]
    }
)


def _explained(sentence: str) -> list[tuple[int, int]]:
    items = [*REGISTRY.find(sentence), *find_money(sentence), *find_dates(sentence, PUB)]
    return [(x.start, x.end) for x in items]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # An amount: an unknown name may be a party or a metric's company.
        ("当社は50億円を調達した。", True),
        ("北斗精機はNVIDIAから20億ドルの出資を受けた。", True),
        # Even with both sides named: a third name may be a co-investor.
        ("NVIDIAとアトラス・パートナーズが主導するラウンドで、OpenAIは60億ドルを集めた。", True),
        # An amount without a deal word is a metric: it takes the company next to it.
        ("北斗精機の営業利益は30億円だった。", True),
        # Without an amount only a word that names a transaction makes a deal.
        ("北斗精機は東邦電機を買収すると発表した。", True),
        ("北斗精機は東邦電機と提携した。", False),
        ("明日は雨が降るだろう。", False),
    ],
)
def test_needs_ner_where_an_unknown_company_could_change_a_deal(sentence: str, expected: bool) -> None:
    assert needs_ner(sentence, find_money(sentence)) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # A katakana word the dictionary knows as a common noun can still be a company (Sharp).
        ("KDDIは、シャープから取得した工場跡地を約1000億円で再開発する。", ["シャープ"]),
        # Kanji names: the corporate suffix is the candidate, the word before it is ordinary.
        ("北斗精機は東邦電機から20億ドルの出資を受けた。", ["精機", "電機"]),
        ("任天堂はNVIDIAから半導体を20億ドル分購入する。", ["任天堂"]),
        # Registry names, amounts, dates and everyday Latin/katakana words explain everything.
        ("OracleはAMDのGPUを2025年に購入する。", []),
        ("AIとGPUのデータセンターに500億ドルを投じる。", []),
        ("オラクル社はOpenAIから3000億ドルの契約を受注した。", []),
        # Countries and addresses are places; a bare place name may be a company (日立).
        ("KDDIは千葉県印西市の用地を米国の投資会社から300億円で取得した。", []),
        ("日立は広島県の工場を鹿島建設に100億円で売却した。", ["日立", "鹿島建設"]),
        # GiNZA names with hiragana or of one letter are dropped anyway (companies_in).
        ("みらい銀行から30億円を借り入れた。", []),
        ("A社は10億円で買収された。", []),
        ("同社は100億ドルを調達した。", []),
        ("Zentrix AIはシリーズBで3億ドルを調達した。", ["Zentrix"]),
    ],
)
def test_name_candidates_are_the_tokens_nothing_else_explains(sentence: str, expected: list[str]) -> None:
    tokens = tokenize(sentence, _own_tokenizer())
    assert [tokens[i].text for i in name_candidates(tokens, _explained(sentence))] == expected


def _chars(n: int) -> list[Token]:
    """``n`` one-character tokens: token i spans characters i..i+1."""
    return [Token("字", i, i + 1, ("名詞", "普通名詞", "一般"), False) for i in range(n)]


@pytest.mark.parametrize(
    ("candidates", "context", "expected"),
    [
        ([], 2, []),
        ([10], 2, [(8, 13)]),
        # Clamped at both ends of the sentence.
        ([0, 29], 2, [(0, 3), (27, 30)]),
        # Close windows merge: a gap of up to ``context`` tokens costs less than another text.
        ([5, 11], 2, [(3, 14)]),
        ([5, 12], 2, [(3, 8), (10, 15)]),
    ],
)
def test_ner_windows_surround_candidates_and_merge_close_ones(
    candidates: list[int], context: int, expected: list[tuple[int, int]]
) -> None:
    assert ner_windows(_chars(30), candidates, context) == expected


LONG = (
    "関係者によると、任天堂は来年以降に段階的に進める設備投資の一環として、"
    "NVIDIAから最新の半導体を約20億ドル分購入する計画で、KADOKAWAとも協議している。"
)


@pytest.mark.parametrize(
    ("sentence", "names", "left_out"),
    [
        # Gated (a deal word and an amount, one registry party) with a candidate: its window.
        ("任天堂はNVIDIAから半導体を20億ドル分購入する。", ["任天堂"], None),
        # Candidates far apart: one window each, and the text between them stays out.
        (LONG, ["任天堂", "KADOKAWA"], "設備投資の一環"),
        # Gated, but every name is explained: GiNZA would add nothing.
        ("エヌビディアは20億ドルの出資を受けた。", [], None),
        # Both parties from the registry: a third name still gets its window.
        ("任天堂はNVIDIAとOpenAIに20億ドルを出資する。", ["任天堂"], None),
        # A metric's company may be unknown too.
        ("任天堂の売上高は20億ドルだった。", ["任天堂"], None),
        # Not gated: no amount and no word naming a transaction.
        ("任天堂はNVIDIAの技術を高く評価している。", [], None),
    ],
)
def test_ner_jobs_only_for_gated_sentences_with_candidates(
    sentence: str, names: list[str], left_out: str | None
) -> None:
    money, dates, companies = [find_money(sentence)], [find_dates(sentence, PUB)], [REGISTRY.find(sentence)]
    jobs = ner_jobs([sentence], money, dates, companies, _own_tokenizer())
    windows = [sentence[job.start : job.end] for job in jobs]
    assert len(windows) == len(names)
    assert all(name in window for name, window in zip(names, windows, strict=True))
    assert left_out is None or all(left_out not in window for window in windows)


@dataclass
class _Ent:
    start_char: int
    end_char: int
    label_: str


@dataclass
class _Doc:
    ents: list[_Ent] = field(default_factory=list)


class _FixedNlp:
    """Stands in for GiNZA: the entities of each text, in window offsets."""

    def __init__(self, docs: list[_Doc]) -> None:
        self.docs = docs
        self.texts: list[str] = []

    def pipe(self, texts: object, batch_size: int = 64) -> list[_Doc]:
        self.texts = list(texts)  # type: ignore[call-overload]
        return self.docs


def test_ginza_entities_shift_window_offsets_and_keep_only_those_at_a_candidate() -> None:
    sentence = "関係者によると、任天堂はNVIDIAから半導体を購入する。"
    start = sentence.index("任天堂")
    job = NerJob(0, start, len(sentence), keep=((start, start + 3),))
    nlp = _FixedNlp([_Doc([_Ent(0, 3, "Company"), _Ent(4, 10, "Company")])])
    found = ginza_entities(nlp, [sentence], [job])  # type: ignore[arg-type]
    assert nlp.texts == [sentence[start:]]
    assert found == {0: [(start, start + 3, "Company")]}


# --- with the real GiNZA ------------------------------------------------------------------------


def _records(ex: DocumentExtraction) -> tuple[list[tuple[str | None, ...]], list[str]]:
    deals = sorted(
        (d.source, d.target, d.deal_type, str(d.amount.value) if d.amount else None, str(d.sentence_start))
        for d in ex.deals
    )
    return deals, sorted(f"{c.text}@{c.start}" for c in ex.companies if not c.verified)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "party"),
    [
        ("KDDIは、シャープから取得した工場跡地を約1000億円で再開発する。", "シャープ"),
        ("オリオン通信は北斗銀行から500億円を借り入れる。", "北斗銀行"),
        ("任天堂はNVIDIAから半導体を20億ドル分購入する。", "任天堂"),
        ("富士通は、英国の子会社をKDDIに約30億円で売却した。", "富士通"),
        # Two registry parties and a third, unknown co-investor.
        ("OpenAIは、NVIDIAと米Atlas Ventureが主導するラウンドで60億ドルを調達した。", "Atlas Venture"),
        # A long sentence: GiNZA reads two windows, not the whole of it.
        (LONG, None),
        # Two registry parties and nothing else name-like: no GiNZA at all.
        ("NVIDIAは、OpenAIに1000億ドルを投資する。", None),
    ],
)
def test_unverified_parties_equal_ginza_on_every_sentence(nlp, text: str, party: str | None) -> None:  # type: ignore[no-untyped-def]
    gated = extract_document(text, PUB, nlp=nlp, registry=REGISTRY)
    everywhere = extract_document(text, PUB, nlp=nlp, registry=REGISTRY, ner_everywhere=True)
    assert _records(gated) == _records(everywhere)
    if party is not None:
        assert party in {c.canonical for c in gated.companies if not c.verified}
        assert party in {name for d in gated.deals for name in (d.source, d.target)}
