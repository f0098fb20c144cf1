"""Deal mentions and metrics from one sentence, using Japanese case structure.

Input is a :class:`SentenceView` (the sentence text plus the companies, money
and dates found in it, offsets relative to the sentence) and the views of the
preceding sentences (for 同社/両社 and dropped subjects).  Output are frozen
records with offsets relative to the document text the views were cut from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from extractors.cues import (
    CHIP_CUE,
    COMPUTE_CUE,
    HYPOTHETICAL,
    Trigger,
    find_triggers,
    metric_kind_in,
    metric_kind_near,
    status_of,
)
from extractors.registry import PARTY_KINDS
from extractors.types import (
    CompanyMention,
    DateMention,
    DealMention,
    DealType,
    Metric,
    MoneyAmount,
)

Case = Literal["SUBJ", "DAT", "FROM", "OBJ", "GEN", "WITH", "ADJ", "LIST", "NONE"]


@dataclass(frozen=True)
class SentenceView:
    start: int  # offset of the sentence in the document text
    text: str
    companies: tuple[CompanyMention, ...]
    money: tuple[MoneyAmount, ...]
    dates: tuple[DateMention, ...]


@dataclass(frozen=True)
class Party:
    name: str
    start: int
    end: int
    case: Case


# Particles right after a company name, longest first; a 社/氏 suffix or a
# closing quote may stand between the name and the particle.
_NAME_TAIL = re.compile(r"(?:社|氏|さん|側|自身|陣営)?[」』\"”]?\s*")
_CASES: list[tuple[str, Case]] = [
    ("に対して", "DAT"), ("に対し", "DAT"), ("に向けて", "DAT"), ("への", "DAT"),
    ("にも", "DAT"), ("には", "DAT"), ("に", "DAT"), ("へ", "DAT"),
    ("からの", "FROM"), ("から", "FROM"), ("より", "FROM"),
    ("との", "WITH"), ("と", "WITH"), ("では", "NONE"),
    ("は", "SUBJ"), ("が", "SUBJ"), ("も", "SUBJ"),
    ("を", "OBJ"), ("の", "GEN"), ("、", "LIST"), ("・", "LIST"), (",", "LIST"),
]
_ANAPHORA = re.compile(r"同社|両社|彼ら|その会社|同グループ|この会社|同行")


def case_after(text: str, end: int) -> Case:
    m = _NAME_TAIL.match(text, end)
    pos = m.end() if m else end
    rest = text[pos : pos + 4]
    if rest[:1].isdigit() or rest[:1] in "約最$＄":
        return "ADJ"  # glued to an amount: "Google100億ドル" (particle lost)
    for particle, case in _CASES:
        if rest.startswith(particle):
            return case
    return "NONE"


def _parties(view: SentenceView, previous: Sequence[SentenceView]) -> list[Party]:
    parties: list[Party] = []
    for c in view.companies:
        if c.kind not in PARTY_KINDS:
            continue
        parties.append(Party(c.canonical, c.start, c.end, case_after(view.text, c.end)))
    for m in _ANAPHORA.finditer(view.text):
        if any(p.start <= m.start() < p.end for p in parties):
            continue
        antecedents = _recent_parties(previous, 2 if m.group() == "両社" else 1)
        case = case_after(view.text, m.end())
        if m.group() == "両社" and len(antecedents) == 2:
            # "両社は…契約": the pair, in the order they were introduced.
            parties.append(Party(antecedents[1], m.start(), m.start(), "WITH"))
            parties.append(Party(antecedents[0], m.start(), m.end(), case))
        elif antecedents:
            parties.append(Party(antecedents[0], m.start(), m.end(), case))
    # A name followed by 、/・/と and another name shares that name's role.
    parties.sort(key=lambda p: (p.start, p.end))
    resolved: list[Party] = []
    for i, p in enumerate(parties):
        case = p.case
        if case == "LIST":
            nxt = next((q for q in parties[i + 1 :] if q.case != "LIST"), None)
            case = nxt.case if nxt else "NONE"
        resolved.append(Party(p.name, p.start, p.end, case))
    return resolved


def _recent_parties(previous: Sequence[SentenceView], n: int) -> list[str]:
    """The most recent ``n`` distinct party names, nearest first, from earlier sentences."""
    names: list[str] = []
    for view in reversed(previous[-3:]):
        for c in sorted(view.companies, key=lambda c: -c.start):
            if c.kind in PARTY_KINDS and c.canonical not in names:
                names.append(c.canonical)
            if len(names) == n:
                return names[::-1] if n == 2 else names
    return names[::-1] if n == 2 else names


def _previous_subject(previous: Sequence[SentenceView]) -> str | None:
    for view in reversed(previous[-2:]):
        for c in view.companies:
            if c.kind in PARTY_KINDS and case_after(view.text, c.end) == "SUBJ":
                return c.canonical
    return None


def _pick_trigger(triggers: Sequence[Trigger], pos: int, text: str) -> Trigger | None:
    """The verb that governs an amount: the next one in its clause, else the last before it."""
    clause_end = len(text)
    after = [t for t in triggers if t.start >= pos and t.start < clause_end and t.start - pos <= 40]
    if after:
        strong = [t for t in after[:3] if t.strength == 2]
        return strong[0] if strong else after[0]
    before = [t for t in triggers if t.end <= pos and pos - t.end <= 40]
    return before[-1] if before else None


def _nearest(parties: Sequence[Party], cases: Sequence[Case], before: int | None = None,
             after: int | None = None, exclude: str | None = None) -> Party | None:
    for case in cases:
        cands = [
            p for p in parties
            if p.case == case and p.name != exclude
            and (before is None or p.start < before)
            and (after is None or p.start >= after)
        ]
        if cands:
            return max(cands, key=lambda p: p.start) if before is not None else cands[0]
    return None


def _resolve_type(trigger: Trigger, clause: str, sentence: str) -> DealType:
    if trigger.deal_type == "investment" and COMPUTE_CUE.search(clause):
        # "クラウドアクセスのためにGoogleに投資" buys capacity, it is not equity.
        return "compute_contract"
    if trigger.deal_type is not None:
        return trigger.deal_type
    if COMPUTE_CUE.search(clause) or COMPUTE_CUE.search(sentence):
        return "compute_contract"
    if CHIP_CUE.search(clause) or CHIP_CUE.search(sentence):
        return "purchase"
    if trigger.direction == "receive":
        return "investment"
    return "other"


def _roles(trigger: Trigger, parties: Sequence[Party], pos: int,
           previous: Sequence[SentenceView]) -> tuple[str | None, str | None]:
    subj = _nearest(parties, ("SUBJ",), before=pos) or _nearest(parties, ("SUBJ",))
    subject = subj.name if subj else None
    d = trigger.direction
    source: str | None
    target: str | None
    if d == "give":
        target_p = (_nearest(parties, ("DAT", "ADJ"), before=pos, exclude=subject)
                    or _nearest(parties, ("DAT", "ADJ", "GEN", "OBJ"), after=pos, exclude=subject)
                    or _nearest(parties, ("GEN", "OBJ"), before=pos, exclude=subject))
        source_p = _nearest(parties, ("FROM",), before=pos)
        source = subject or (source_p.name if source_p else None)
        if source_p is not None and subj is not None and source_p.start > subj.start:
            source = source_p.name  # "AはBからCへの投資…" names the payer explicitly
        target = target_p.name if target_p else None
    elif d == "receive":
        src = _nearest(parties, ("FROM",), exclude=subject) or _nearest(
            parties, ("ADJ", "DAT", "WITH"), exclude=subject)
        source, target = (src.name if src else None), subject
    elif d == "buy":
        tgt = (_nearest(parties, ("OBJ",), exclude=subject) if trigger.deal_type == "acquisition"
               else None) or _nearest(
            parties, ("FROM", "WITH", "GEN", "DAT", "ADJ", "OBJ"), exclude=subject)
        source, target = subject, (tgt.name if tgt else None)
    elif d == "sell":
        buyer = _nearest(parties, ("DAT", "WITH", "ADJ"), exclude=subject)
        source, target = (buyer.name if buyer else None), subject
    elif d == "issue":
        issuer = subj or _nearest(parties, ("GEN", "ADJ"))
        return None, issuer.name if issuer else None
    else:  # mutual
        partner = _nearest(parties, ("WITH", "DAT", "GEN", "ADJ", "FROM"), exclude=subject)
        if subject is None and partner is not None:
            second = _nearest(parties, ("GEN", "SUBJ", "DAT", "OBJ", "NONE"), after=partner.end,
                              exclude=partner.name)
            return partner.name, second.name if second else None
        source, target = subject, (partner.name if partner else None)
    if source is None and target is not None and d in ("give", "buy", "mutual"):
        fallback = _previous_subject(previous)
        if fallback != target:
            source = fallback  # dropped subject, carried from the previous sentence
    if source == target:
        target = None
    return source, target


def _pick_date(dates: Sequence[DateMention], pos: int) -> DateMention | None:
    cands = [d for d in dates if d.kind != "duration" and not (d.kind == "vague" and d.value is None)]
    if not cands:
        return None
    return min(cands, key=lambda d: abs(d.start - pos))


def _clause_left(text: str, pos: int) -> str:
    left = text[:pos]
    cut = max(left.rfind("、"), left.rfind("。"), left.rfind(","))
    return left[cut + 1 :]


def extract_sentence(view: SentenceView, previous: Sequence[SentenceView] = ()) -> tuple[
    list[DealMention], list[Metric]
]:
    """Deal mentions and metrics stated by one sentence."""
    text = view.text
    triggers = find_triggers(text)
    parties = _parties(view, previous)
    status = status_of(text) or "announced"
    term = next((d.text for d in view.dates if d.kind == "duration"), None)
    s0, s1 = view.start, view.start + len(text)
    deals: list[DealMention] = []
    metrics: list[Metric] = []
    hypothetical = bool(HYPOTHETICAL.search(text))

    def subject_or_near(pos: int) -> str | None:
        p = _nearest(parties, ("SUBJ", "GEN", "ADJ", "NONE"), before=pos) or _nearest(parties, ("SUBJ",))
        return p.name if p else None

    for amount in view.money:
        if amount.is_conversion:
            continue
        pos = amount.start
        local = _shift(amount, view.start)
        kind = metric_kind_near(text, amount.start, amount.end)
        trigger = None if hypothetical or kind else _pick_trigger(triggers, amount.end, text)
        if trigger is None:
            metrics.append(Metric(s0, s1, text, "other" if hypothetical else (kind or metric_kind_in(text)),
                                  subject_or_near(pos), local))
            continue
        source, target = _roles(trigger, parties, pos, previous)
        if source is None and target is None:
            metrics.append(Metric(s0, s1, text, metric_kind_in(text), None, local))
            continue
        clause = _clause_left(text, pos) + text[amount.end : trigger.end]
        deals.append(
            DealMention(
                sentence_start=s0, sentence_end=s1, evidence=text,
                deal_type=_resolve_type(trigger, clause, text), status=status,
                source=source, target=target, amount=local,
                date=_shifted_date(_pick_date(view.dates, pos), view.start),
                term_text=term, trigger=trigger.text,
            )
        )
    if not deals and not view.money and not hypothetical:
        deals.extend(_relationship_mentions(view, triggers, parties, previous, status, term))
    return deals, metrics


def _relationship_mentions(view: SentenceView, triggers: Sequence[Trigger],
                           parties: Sequence[Party], previous: Sequence[SentenceView],
                           status: str, term: str | None) -> list[DealMention]:
    """A deal stated without an amount: a strong trigger and both parties named."""
    strong = [t for t in triggers if t.strength == 2]
    if not strong or len({p.name for p in parties}) < 2:
        return []
    trigger = strong[0]
    source, target = _roles(trigger, parties, trigger.start, ())
    if source is None or target is None:
        return []
    text = view.text
    return [
        DealMention(
            sentence_start=view.start, sentence_end=view.start + len(text), evidence=text,
            deal_type=_resolve_type(trigger, _clause_left(text, trigger.start), text),
            status=status,  # type: ignore[arg-type]
            source=source, target=target, amount=None,
            date=_shifted_date(_pick_date(view.dates, trigger.start), view.start),
            term_text=term, trigger=trigger.text,
        )
    ]


def _shift(m: MoneyAmount, by: int) -> MoneyAmount:
    from dataclasses import replace

    return replace(m, start=m.start + by, end=m.end + by)


def _shifted_date(d: DateMention | None, by: int) -> DateMention | None:
    from dataclasses import replace

    return None if d is None else replace(d, start=d.start + by, end=d.end + by)
