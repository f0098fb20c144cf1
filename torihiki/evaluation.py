"""Score exported deal mentions against a gold file (rules of shared/gold/README.md).

- amount-level: a predicted mention matches a gold mention with an amount when the
  currency is equal and the amount is within 0.5 %, one-to-one within a document;
- strict: amount-level plus source and target equal after name folding;
- among amount-level matches: right parties, right deal_type, right date (at
  least the gold's precision);
- predicted deals that match no gold deal and whose amount is a gold metric of
  the same document: metrics mistaken for deals.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TOLERANCE = 0.005

_SUFFIX = re.compile(
    r"\b(incorporated|inc|corporation|corp|co|ltd|limited|llc|plc|group|holdings|company)\b\.?"
    r"|株式会社|ホールディングス|グループ",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[\W_]+")
# The few aliases the gold README names; everything else must be spelled canonically.
_ALIASES = {"alphabet": "google"}


def fold_party(name: Any) -> str | None:
    """Case, spaces, punctuation and corporate suffixes folded away."""
    if name is None:
        return None
    s = unicodedata.normalize("NFKC", str(name)).casefold()
    s = _SUFFIX.sub(" ", s)
    s = _NON_WORD.sub("", s)
    return _ALIASES.get(s, s)


def _amount_close(p: Mapping[str, Any], g: Mapping[str, Any]) -> bool:
    pv, gv = p.get("amount_value"), g.get("amount_value")
    if pv is None or gv is None or p.get("currency") != g.get("currency"):
        return False
    return abs(float(pv) - float(gv)) <= TOLERANCE * abs(float(gv))


def _parties_ok(p: Mapping[str, Any], g: Mapping[str, Any]) -> bool:
    return fold_party(p.get("source")) == fold_party(g.get("source")) and fold_party(
        p.get("target")
    ) == fold_party(g.get("target"))


def _date_ok(p: Mapping[str, Any], g: Mapping[str, Any]) -> bool:
    gold, pred = g.get("date"), p.get("date")
    if not gold:
        return True
    return bool(pred) and len(str(pred)) >= len(str(gold)) and str(pred).startswith(str(gold))


def _match(
    preds: Sequence[Mapping[str, Any]],
    golds: Sequence[Mapping[str, Any]],
    ok: Callable[[Mapping[str, Any], Mapping[str, Any]], bool],
    prefer: Callable[[Mapping[str, Any], Mapping[str, Any]], int],
) -> list[tuple[int, int]]:
    """One-to-one matching of maximum size, built tier by tier from the best-agreeing pairs.

    Augmenting paths never unmatch a gold line, so the pairs found among the
    best tier (same sentence, same parties …) survive as lower tiers are added.
    """
    edges = {gi: [pi for pi, p in enumerate(preds) if ok(p, g)] for gi, g in enumerate(golds)}
    weight = {(gi, pi): prefer(preds[pi], golds[gi]) for gi, pis in edges.items() for pi in pis}
    owner: dict[int, int] = {}

    def augment(gi: int, seen: set[int], allowed: Callable[[int, int], bool]) -> bool:
        for pi in sorted(edges[gi], key=lambda p: -weight[(gi, p)]):
            if pi in seen or not allowed(gi, pi):
                continue
            seen.add(pi)
            if pi not in owner or augment(owner[pi], seen, allowed):
                owner[pi] = gi
                return True
        return False

    for tier in sorted(set(weight.values()), reverse=True):
        def allowed(g: int, p: int, tier: int = tier) -> bool:
            return weight[(g, p)] >= tier

        matched = set(owner.values())
        for gi in edges:
            if gi not in matched:
                augment(gi, set(), allowed)
    return sorted((gi, pi) for pi, gi in owner.items())


def _same_sentence(p: Mapping[str, Any], g: Mapping[str, Any]) -> bool:
    pe, ge = str(p.get("evidence") or ""), str(g.get("evidence") or "")
    return bool(pe and ge) and (ge in pe or pe in ge)


def _prefer(p: Mapping[str, Any], g: Mapping[str, Any]) -> int:
    """Tie-break among amount matches: the same sentence first, then agreement on the fields."""
    return (8 * _same_sentence(p, g) + 4 * _parties_ok(p, g)
            + 2 * (p.get("deal_type") == g.get("deal_type")) + _date_ok(p, g))


@dataclass
class PRF:
    matched: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.matched += other.matched
        self.predicted += other.predicted
        self.gold += other.gold


@dataclass
class DocScore:
    doc: str
    amount: PRF
    strict: PRF
    parties_ok: int = 0
    type_ok: int = 0
    status_ok: int = 0
    date_ok: int = 0
    date_total: int = 0
    metric_confusions: int = 0
    misses: list[Mapping[str, Any]] = field(default_factory=list)
    false_positives: list[Mapping[str, Any]] = field(default_factory=list)
    wrong: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = field(default_factory=list)
    wrong_status: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = field(default_factory=list)


@dataclass
class Score:
    docs: list[DocScore]

    def total(self, attr: str) -> PRF:
        out = PRF()
        for d in self.docs:
            out.add(getattr(d, attr))
        return out

    def share(self, attr: str) -> float:
        matched = sum(d.amount.matched for d in self.docs)
        if attr == "date_ok":
            total = sum(d.date_total for d in self.docs)
            return sum(d.date_ok for d in self.docs) / total if total else 1.0
        return sum(getattr(d, attr) for d in self.docs) / matched if matched else 0.0

    @property
    def metric_confusions(self) -> int:
        return sum(d.metric_confusions for d in self.docs)

    def as_dict(self) -> dict[str, Any]:
        a, s = self.total("amount"), self.total("strict")
        return {
            "amount": {"precision": a.precision, "recall": a.recall, "f1": a.f1,
                       "matched": a.matched, "predicted": a.predicted, "gold": a.gold},
            "strict": {"precision": s.precision, "recall": s.recall, "f1": s.f1,
                       "matched": s.matched, "predicted": s.predicted, "gold": s.gold},
            "parties": self.share("parties_ok"),
            "deal_type": self.share("type_ok"),
            "status": self.share("status_ok"),
            "date": self.share("date_ok"),
            "metric_confusions": self.metric_confusions,
        }


def score(
    predicted: Mapping[str, Sequence[Mapping[str, Any]]],
    gold: Iterable[Mapping[str, Any]],
    metrics: Iterable[Mapping[str, Any]] = (),
) -> Score:
    """Score predicted deal mentions (grouped by gold ``doc`` key) against gold lines."""
    gold_by_doc: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for g in gold:
        gold_by_doc[str(g["doc"])].append(g)
    metrics_by_doc: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for m in metrics:
        metrics_by_doc[str(m["doc"])].append(m)

    docs = []
    for doc in sorted(set(gold_by_doc) | set(predicted)):
        golds = [g for g in gold_by_doc.get(doc, []) if g.get("amount_value") is not None]
        preds = [p for p in predicted.get(doc, []) if p.get("amount_value") is not None]
        amount_pairs = _match(preds, golds, _amount_close, _prefer)
        strict_pairs = _match(
            preds, golds, lambda p, g: _amount_close(p, g) and _parties_ok(p, g), _prefer
        )
        ds = DocScore(doc, PRF(len(amount_pairs), len(preds), len(golds)),
                      PRF(len(strict_pairs), len(preds), len(golds)))
        for gi, pi in amount_pairs:
            g, p = golds[gi], preds[pi]
            ds.parties_ok += _parties_ok(p, g)
            ds.type_ok += p.get("deal_type") == g.get("deal_type")
            ds.status_ok += p.get("status") == g.get("status")
            if p.get("status") != g.get("status"):
                ds.wrong_status.append((g, p))
            if g.get("date"):
                ds.date_total += 1
                ds.date_ok += _date_ok(p, g)
            if not (_parties_ok(p, g) and p.get("deal_type") == g.get("deal_type") and _date_ok(p, g)):
                ds.wrong.append((g, p))
        matched_p = {pi for _, pi in amount_pairs}
        matched_g = {gi for gi, _ in amount_pairs}
        # Matching any gold deal line (with or without a value) excuses a prediction.
        all_gold = gold_by_doc.get(doc, [])
        for pi, p in enumerate(preds):
            if pi in matched_p:
                continue
            ds.false_positives.append(p)
            if not any(_amount_close(p, g) for g in all_gold) and any(
                _amount_close(p, m) for m in metrics_by_doc.get(doc, [])
            ):
                ds.metric_confusions += 1
        ds.misses = [g for gi, g in enumerate(golds) if gi not in matched_g]
        docs.append(ds)
    return Score(docs)


def format_report(result: Score, *, verbose: bool = False) -> str:
    lines = []
    header = f"{'document':<40} {'gold':>5} {'pred':>5} {'amt F1':>7} {'strict F1':>9}"
    lines += [header, "-" * len(header)]
    for d in result.docs:
        lines.append(
            f"{d.doc[:40]:<40} {d.amount.gold:>5} {d.amount.predicted:>5} "
            f"{d.amount.f1:>7.3f} {d.strict.f1:>9.3f}"
        )
    a, s = result.total("amount"), result.total("strict")
    lines += [
        "",
        f"amount-level  P {a.precision:.3f}  R {a.recall:.3f}  F1 {a.f1:.3f}"
        f"  ({a.matched} matched / {a.predicted} predicted / {a.gold} gold)",
        f"strict        P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}",
        f"among amount-level matches: parties {result.share('parties_ok'):.3f}  "
        f"deal_type {result.share('type_ok'):.3f}  date {result.share('date_ok'):.3f}  "
        f"status {result.share('status_ok'):.3f}",
        f"metrics exported as deals: {result.metric_confusions}",
    ]
    if verbose:
        for d in result.docs:
            for g in d.misses:
                lines.append(f"MISS  {d.doc}: {g.get('amount_text')} {g.get('source')}→{g.get('target')}"
                             f" [{g.get('deal_type')}] | {g.get('evidence')}")
            for p in d.false_positives:
                lines.append(f"FP    {d.doc}: {p.get('amount_text')} {p.get('source')}→{p.get('target')}"
                             f" [{p.get('deal_type')}] | {p.get('evidence')}")
            for g, p in d.wrong:
                lines.append(
                    f"WRONG {d.doc}: {g.get('amount_text')} gold {g.get('source')}→{g.get('target')}"
                    f" [{g.get('deal_type')}] {g.get('date')} / got {p.get('source')}→{p.get('target')}"
                    f" [{p.get('deal_type')}] {p.get('date')} | {g.get('evidence')}"
                    + (f" || pred: {p.get('evidence')}" if p.get("evidence") != g.get("evidence") else "")
                )
            for g, p in d.wrong_status:
                lines.append(f"STATUS {d.doc}: {g.get('amount_text')} gold {g.get('status')} / got "
                             f"{p.get('status')} | {p.get('evidence')}")
    return "\n".join(lines)
