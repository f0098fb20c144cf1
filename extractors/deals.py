"""Deal mentions and metrics from one sentence, using Japanese case structure.

Input is a :class:`SentenceView` (the sentence text plus the companies, money
and dates found in it, offsets relative to the sentence), the views of the
preceding sentences (for 同社/両社 and dropped subjects) and the deal mentions
found just before (for sentences that go on about the same deal).  Output are
frozen records with offsets relative to the document text.

The roles come from the particle after each company name (は/が subject, に/へ
recipient, から source, と partner, の owner …) read against the direction of
the verb that governs the amount (投資 gives, 調達 receives, 購入 buys …).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from extractors.cues import (
    CAPACITY_CUE,
    CHIP_CUE,
    COMPUTE_CUE,
    HYPOTHETICAL,
    Trigger,
    find_triggers,
    metric_kind_in,
    metric_kind_near,
    status_of,
)
from extractors.registry import PARTY_KINDS, Entity, default_registry
from extractors.types import (
    CompanyMention,
    DateMention,
    DealMention,
    DealStatus,
    DealType,
    Metric,
    MetricKind,
    MoneyAmount,
)

Case = Literal["SUBJ", "DAT", "FROM", "OBJ", "GEN", "WITH", "ADJ", "AGT", "LEAD", "LIST", "NONE"]


@dataclass(frozen=True)
class SentenceView:
    start: int  # offset of the sentence in the document text
    text: str
    companies: tuple[CompanyMention, ...]
    money: tuple[MoneyAmount, ...]
    dates: tuple[DateMention, ...]
    # For a bullet item: the company of the heading it stands under ("OpenAIの資金源").
    heading_party: str | None = None


@dataclass(frozen=True)
class Party:
    name: str
    start: int
    end: int
    case: Case
    topic: bool = False  # marked by は: the sentence's topic, not a relative clause's subject


# What may stand between a name and its particle: a 社/氏 suffix, a closing
# quote, or a parenthetical such as （AWS） or (東京).
_NAME_TAIL = re.compile(
    r"(?:社|氏|さん|側|自身|陣営|グループ)?[」』\"”]?\s*(?:[（(][^（()）]{1,24}[)）])?\s*(?:など|等|ら)?"
    # "…みずほ銀行の3行は", "…など4社が": the count of the names listed before
    r"(?:の?(?:[0-9]{1,2}|[一二三四五六七八九十]{1,2})(?:行|社|グループ|メガバンク))?"
    # "…などの銀行団から", "…を中心とする銀行団と": the group the names lead
    r"(?:(?:を中心と(?:する|した)|の)(?:銀行団|融資団|投資家連合|投資家グループ|連合|コンソーシアム))?"
    # "ハイレゾっていう会社に", "Xという…の会社を": the speaker's description of the name
    r"(?:(?:っていう|という)(?:[^、。はがをに]{0,12}?の)?(?:会社|企業|スタートアップ|ファンド))?"
    # "DeepSeekのような企業が": the company stands for the phrase's role.
    r"(?:のような|といった)?(?:企業|会社)?"
)
_CASES: list[tuple[str, Case]] = [
    # Compound particles that set a scene, not a role.
    ("において", "NONE"),
    ("における", "NONE"),
    ("にとって", "NONE"),
    ("について", "NONE"),
    ("によると", "NONE"),
    ("によれば", "NONE"),
    ("を通じた", "AGT"),
    ("を通じて", "AGT"),
    ("経由で", "AGT"),
    ("に対して", "DAT"),
    ("に対し", "DAT"),
    ("に向けて", "DAT"),
    ("への", "DAT"),
    ("向け", "DAT"),
    ("にも", "DAT"),
    ("には", "DAT"),
    ("に", "DAT"),
    ("へ", "DAT"),
    ("からの", "FROM"),
    ("から", "FROM"),
    ("より", "FROM"),
    ("とか", "LIST"),  # "ブラックストンとかマグネタから": a list, not a partner
    ("との", "WITH"),
    ("と", "WITH"),
    ("では", "NONE"),
    ("で", "NONE"),
    ("は", "SUBJ"),
    ("が", "SUBJ"),
    ("も", "SUBJ"),
    ("を", "OBJ"),
    ("の", "GEN"),
    ("、", "LIST"),
    ("や", "LIST"),
    ("・", "LIST"),
    (",", "LIST"),
]
# "SoftBank出資", "NVIDIAによる買収": the name is the actor of the deal noun.
# "SoftBank出資", "NVIDIAによる買収", "DeepSeekのインフラ投資": the name is the actor of the
# deal noun (whereas "Bへの投資" marks B as the recipient).
# For 買収 only "Xによる(Yの)買収" names the acquirer: "Xの買収" and "X買収" are X being bought.
_AGENT_NOUN = re.compile(
    r"(?:による(?:[^はがをにへと、。「」]{1,16}?の)?|からの)(?:出資|投資(?!家|会社|先)|融資|買収|支出)"
    r"|(?:の[^はがをにへとの、。「」]{0,8}?)?(?:出資|投資(?!家|会社|先)|融資|支出)"
)
# "ICONIQが主導した", "Blackstone主導の": the lead investor or lender.
_LEADER = re.compile(r"(?:が|の)?(?:主導|率い|リード)")
_ANAPHORA = re.compile(r"同社|両社|彼ら|その会社|同グループ|この会社|同行")
# 同プログラム / 同プロジェクト refer back to a joint programme such as Stargate.
_PROGRAMME_ANAPHORA = re.compile(r"同(?:プログラム|プロジェクト|計画|事業)")
# Epithets that name a party by what it does: resolved to the party of that sector nearby.
_EPITHETS: list[tuple[re.Pattern[str], str | None]] = [
    (
        re.compile(r"(?:同|その|この)?(?:チップ|半導体)(?:メーカー|大手|企業)|GPU(?:メーカー|大手)"),
        "hardware",
    ),
    (re.compile(r"(?:同|その|この)?(?:クラウド|データセンター)(?:事業者|大手|企業|プロバイダー)"), "compute"),
    (re.compile(r"(?:同|その|この)?AI(?:研究所|ラボ|開発企業|企業|スタートアップ)"), None),
]
_LEADS_ROUND = re.compile(r"を主導|をリード")


# "USスチール買収", "Xの買収": X is bought; but "JIP連合のTOB" is JIP's tender offer.
_BOUGHT = re.compile(r"(?:の)?買収|(?:TOB|完全子会社化|株式公開買い?付け?)")
_BIDDER = re.compile(r"(?:連合)?の(?:TOB|株式公開買い?付け?)")


def case_after(text: str, end: int) -> Case:
    m = _NAME_TAIL.match(text, end)
    pos = m.end() if m else end
    rest = text[pos : pos + 4]
    if rest[:1].isdigit() or rest[:1] in "約最$＄":
        return "ADJ"  # glued to an amount: "Google100億ドル" (particle lost)
    if _LEADER.match(text, pos):
        return "LEAD"
    if _AGENT_NOUN.match(text, pos):
        return "AGT"
    if _BIDDER.match(text, pos):
        return "AGT"  # "JIP連合のTOB成立": the bidder
    if _BOUGHT.match(text, pos):
        return "OBJ"  # "USスチール買収を完了": the one bought
    for particle, case in _CASES:
        if rest.startswith(particle):
            return case
    return "NONE"


def _party_name(c: CompanyMention) -> str | None:
    """The deal party a mention stands for: a party itself, or the maker of a cloud product."""
    if c.kind in PARTY_KINDS:
        return c.canonical
    registry = default_registry()
    entity = registry.entities.get(c.canonical)
    is_cloud_product = c.kind == "product" and entity is not None and entity.parent is not None
    if is_cloud_product and entity is not None and registry.sector(entity.parent) == "compute":
        return entity.parent  # "Azureに300億ドル" pays Microsoft
    return None


def _parties(view: SentenceView, previous: Sequence[SentenceView]) -> list[Party]:
    parties: list[Party] = []
    for c in view.companies:
        name = _party_name(c)
        if name is None:
            continue
        if c.kind == "jv" and re.match(r"[ァ-ヺー一-龥A-Za-z]", view.text[c.end : c.end + 1]):
            continue  # "Stargateデータセンター": the programme's name used as a modifier
        if _EQUIPPED.match(view.text, c.end):
            continue  # "NVIDIA GPUを搭載したデータセンター": the maker of a part, not a party
        if _sold_stake(view, c):
            continue  # "持っていたNVIDIA株を売って…": the shares sold, not a party to the sale
        case = case_after(view.text, c.end)
        if case == "LIST" and c.start <= 1:
            case = "SUBJ"  # headline style: "エヌビディア、OpenAIに出資へ"
        parties.append(Party(name, c.start, c.end, case, _is_topic(view.text, c.end)))
    for m in _ANAPHORA.finditer(view.text):
        if any(p.start <= m.start() < p.end for p in parties):
            continue
        if m.group() == "両社":
            antecedents = _coordinated_pair(previous, view, m.start()) or _recent_parties(
                previous, 2, companies_only=True
            )
        else:
            # "OpenAIをめぐっては、同社が…": a company earlier in the same sentence comes first,
            # but not the subject of 同社's own clause ("OpenAIは同社に出資": 同社 is someone else).
            clause_start = max(view.text.rfind("、", 0, m.start()), view.text.rfind("。", 0, m.start())) + 1
            own = {
                n for c in view.companies
                if clause_start <= c.start and c.end <= m.start()
                and (n := _party_name(c)) is not None and case_after(view.text, c.end) == "SUBJ"
            }
            same = [
                n for c in view.companies
                if c.end <= m.start() and (n := _party_name(c)) is not None and n not in own
            ]
            subject = same[-1] if same else _previous_subject(previous)
            antecedents = [subject] if subject else _recent_parties(previous, 1, companies_only=True)
        case = case_after(view.text, m.end())
        if m.group() == "両社" and len(antecedents) == 2:
            # "両社は…契約": the pair, in the order they were introduced.
            parties.append(Party(antecedents[0], m.start(), m.start(), "WITH"))
            parties.append(Party(antecedents[1], m.start(), m.end(), case))
        elif antecedents:
            parties.append(Party(antecedents[0], m.start(), m.end(), case, _is_topic(view.text, m.end())))
    for m in _BARE_GOVERNMENT.finditer(view.text):
        if not any(c.start <= m.start() < c.end for c in view.companies):
            government = _government_of(_last_country(view, previous, m.start()))
            gcase = case_after(view.text, m.end())
            if gcase == "LIST" and m.start() <= 1:
                gcase = "SUBJ"  # headline: "政府、ラピダスに1兆円超の追加支援へ"
            parties.append(Party(government, m.start(), m.end(), gcase, _is_topic(view.text, m.end())))
    for m in _PROGRAMME_ANAPHORA.finditer(view.text):
        jv = _recent_of_kind(previous, view, "jv")
        if jv is not None:
            parties.append(Party(jv, m.start(), m.end(), case_after(view.text, m.end())))
    parties.extend(_epithet_parties(view, previous, parties))
    # A name followed by 、/・ and another name shares that name's role.
    parties.sort(key=lambda p: (p.start, p.end))
    resolved: list[Party] = []
    for i, p in enumerate(parties):
        case = p.case
        if case == "LIST":
            nxt = next((q for q in parties[i + 1 :] if q.case != "LIST"), None)
            case = nxt.case if nxt else "NONE"
        resolved.append(Party(p.name, p.start, p.end, case, p.topic))
    return resolved


_SUBJECT_NOUN = re.compile(r"(?:^|[、。」\s])([^\s、。「」]{1,10}?)(?:が|は)(?![じめ])")
_NOT_SUBJECTS = frozenset(
    {
        "これ",
        "それ",
        "ここ",
        "今回",
        "今",
        "今年",
        "昨年",
        "同日",
        "現在",
        "一方",
        "また",
        "さらに",
        "ただし",
        "なお",
        "中",
        "今後",
        "当初",
        "最初",
        "結果",
        "理由",
        "背景",
    }
)


# Subjects that are a part of something, or the money itself ("リース料は…約120億円となる").
_PARTITIVES = ("一部", "半分", "大半", "多く", "残り", "全て", "すべて", "一部分",
               "料", "額", "費", "代金", "資金", "価格", "規模")


def _nonparty_subject(text: str, parties: Sequence[Party], pos: int) -> bool:
    """Whether the clause before ``pos`` has its own subject that is no company ("政府が…出資")."""
    for m in _SUBJECT_NOUN.finditer(text, 0, pos):
        noun = m.group(1)
        if noun in _NOT_SUBJECTS or noun.endswith(("で", "に", "と", "の", "も")):
            continue
        if noun.endswith(_PARTITIVES):
            continue  # "GPUサーバーの一部は…リースで調達": a thing or a sum, not an actor
        if any(p.start < m.end(1) and m.start(1) < p.end for p in parties):
            continue
        if re.search(r"\d|億|兆|ドル|円|年|月|日", noun):
            continue
        return True
    return False


# 政府 standing alone (not 政府系 "government-affiliated", not inside 米政府 etc.).
_BARE_GOVERNMENT = re.compile(r"政府(?!系|関係者|高官|筋)|(?<![一-龥々])国(?=が|は|から|も|として)")
DEFAULT_COUNTRY = "Japan"  # a Japanese text's unqualified 政府


def _last_country(view: SentenceView, previous: Sequence[SentenceView], before: int) -> str:
    """The country named last before ``before`` (this sentence, then the three before it)."""
    here = [c for c in view.companies if c.end <= before]
    for v, companies in [(view, here), *((v, v.companies) for v in reversed(previous[-3:]))]:
        for c in reversed(companies):
            entity = default_registry().entities.get(c.canonical)
            if c.kind == "country" and not _NATIONALITY.match(v.text, c.end):
                return c.canonical
            if c.kind == "government" and entity is not None and entity.parent:
                return _country_of(entity.parent)
    return DEFAULT_COUNTRY


# "台湾のTSMC", "米国の半導体大手": the country says where a company is from.
_NATIONALITY = re.compile(r"の?(?:[A-Za-zァ-ヺー]|半導体|大手|企業|新興|スタートアップ)")


# "日本に2兆円を投資": a country as the place the money goes (capex, not a deal).
_PLACE_OF_SPENDING = re.compile(r"(?:国内)?(?:に|へ)(?!も)")
# "累計の調達額", "国内AIスタートアップの資金調達額": sums over many deals.
_AGGREGATE = re.compile(
    r"(?:累計|通算|合計)の?(?:資金)?(?:調達|投資|出資|融資)額"
    r"|(?:スタートアップ|企業|業界|国内|世界|全体|各社|関連)の(?:資金|社債)?(?:調達|投資|出資|融資|発行)額"
)
# "AI・半導体分野へ10兆円以上の公的支援": money for a sector is a budget, not a deal.
_SECTOR_RECIPIENT = re.compile(r"(?:分野|産業|業界|領域|セクター)(?:に対し(?:て)?|に向けて|に|へ|への)")
# "英国のAI関連企業に…20億ポンドを投資": a deal whose recipient is a kind, not a name.
_GENERIC_RECIPIENT = re.compile(
    r"(?:企業|会社|新興(?:企業)?|スタートアップ|事業者|事業|部門|子会社)(?:群|など|数社)?"
    r"(?:に対し(?:て)?|に向けて|に|へ|への|を)"
)
# "データセンターに800億ドルを投資する": spending on one's own facilities (capex), not a deal.
_FACILITY = re.compile(
    r"(?:データ・?センター|工場|設備|拠点|施設|インフラ|研究開発|サーバー)(?:の(?:建設|整備|増強))?(?:に|へ|への)$"
)
# "民間企業からの出資", "投資家から": money from payers named by their kind.
_GENERIC_SOURCE = re.compile(
    r"(?:企業|会社|投資家|株主|金融機関|ファンド|民間|銀行団|融資団)(?:など)?(?:から|も)"
)
# Raising money names who raises it, not who pays: no payer is carried in from elsewhere.
_RAISE_WORDS = frozenset({"調達", "資金調達", "集め", "ラウンド", "調達ラウンド"})
_STAKE_PERCENT = re.compile(r"株(?:式)?(?:の|を)?\s*(?:約|最大)?\s*(\d{1,2}(?:\.\d+)?)\s*[%％]")
_CONTROL = re.compile(r"TOB|買収|子会社化|株式公開買い?付け?|経営統合|傘下|MBO|LBO")


def _minority_stake(text: str) -> bool:
    """"KADOKAWAの株式約10%を取得", "X株を市場から取得": a stake, with no word of a takeover."""
    if _CONTROL.search(text) or _ALL_SHARES.search(text):
        return False
    m = _STAKE_PERCENT.search(text)
    if m is not None:
        return float(m.group(1)) < 50
    return bool(_SHARES_BOUGHT.search(text))


_ALL_SHARES = re.compile(r"全株|全ての株|すべての株|全発行済み")
_SHARES_BOUGHT = re.compile(r"株(?:式)?を[^、。]{0,12}?(?:取得|買い増|買い付け|購入)")


def _country_of(name: str) -> str:
    """The country a government (or ministry) belongs to."""
    entities = default_registry().entities
    while (e := entities.get(name)) is not None and e.kind == "government" and e.parent:
        name = e.parent
    return name


@lru_cache(maxsize=64)
def _government_of(country: str) -> str:
    """The registry's government of ``country`` (one scan of the registry per country)."""
    entities = default_registry().entities
    govs = [e.name for e in entities.values() if e.kind == "government" and e.parent == country]
    return govs[0] if govs else f"Government of {country}"


_MARKET_DEALS = frozenset({"bond", "equity_offering"})
# "NVIDIA GPUを搭載した", "NVIDIA製チップを使う": the maker names a component of the thing dealt.
_EQUIPPED = re.compile(
    r"\s*(?:製の?|の)?\s*(?:最新の?)?\s*(?:GPU|チップ|半導体|プロセッサ|アクセラレータ)[^、。はが]{0,8}?"
    r"(?:を|が)?(?:搭載|内蔵|採用|使った|使う|使用した|ベースの)"
)
# "X株を(全部)売って", "Xの保有株を売却": X's shares are what is sold.
_STAKE_SOLD = re.compile(
    r"(?:社)?(?:の(?:保有)?)?株(?:式)?(?:の一部|の全て|すべて)?を[^、。]{0,6}?(?:売|手放|放出)"
)


def _sold_stake(view: SentenceView, c: CompanyMention) -> bool:
    """Whether ``c`` is the issuer of shares that a holder named before it sells.

    "OpenAIの株を売り出す" (no seller named before) is OpenAI's own offering.
    """
    if not _STAKE_SOLD.match(view.text, c.end):
        return False
    def seller(o: CompanyMention) -> bool:
        headline = o.start <= 1 and view.text[o.end : o.end + 1] == "、"  # "トヨタ、X株を売却"
        return case_after(view.text, o.end) == "SUBJ" or headline

    return any(
        o.end <= c.start and _party_name(o) is not None and seller(o) for o in view.companies
    ) or bool(_ANAPHORA.search(view.text, 0, c.start))


def _kind(name: str) -> str:
    return default_registry().entities.get(name, _NO_ENTITY).kind


def _is_jv(name: str) -> bool:
    return _kind(name) == "jv"


def _recent_of_kind(previous: Sequence[SentenceView], view: SentenceView, kind: str) -> str | None:
    for v in [view, *reversed(previous[-3:])]:
        for c in reversed(v.companies):
            if c.kind == kind:
                return c.canonical
    return None


def _epithet_parties(
    view: SentenceView, previous: Sequence[SentenceView], named: Sequence[Party]
) -> list[Party]:
    """Parties named by epithet ("チップメーカーがAI研究所に投資"), from the names nearby."""
    nearby = [p.name for p in named]
    for v in reversed(previous[-1:]):
        nearby += [n for c in v.companies if (n := _party_name(c)) is not None]
    sector = default_registry().sector
    found: list[Party] = []
    used: set[str] = set()
    for pattern, want in _EPITHETS:
        for m in pattern.finditer(view.text):
            if any(p.start <= m.start() < p.end for p in named):
                continue
            cands = [n for n in dict.fromkeys(nearby) if sector(n) == want and n not in used]
            if want is None:
                cands = [n for n in cands if n not in {f.name for f in found}]
            if len(cands) == 1 or (cands and want is not None):
                used.add(cands[0])
                found.append(Party(cands[0], m.start(), m.end(), case_after(view.text, m.end())))
    return found


def _is_topic(text: str, end: int) -> bool:
    m = _NAME_TAIL.match(text, end)
    pos = m.end() if m else end
    return text.startswith("は", pos)


def _recent_parties(previous: Sequence[SentenceView], n: int, companies_only: bool = False) -> list[str]:
    """The most recent ``n`` distinct party names from earlier sentences, in text order."""
    found: list[str] = []
    for view in reversed(previous[-3:]):
        for c in sorted(view.companies, key=lambda c: -c.start):
            name = _party_name(c)
            if companies_only and c.kind == "jv":
                continue
            if name is not None and name not in found:
                found.append(name)
            if len(found) == n:
                return found[::-1]
    return found[::-1]


def _coordinated_pair(
    previous: Sequence[SentenceView], current: SentenceView | None = None, before: int = 0
) -> list[str]:
    """The last "AとB" pair of companies before a 両社 (earlier in its sentence, or before)."""
    views = [*previous[-3:]]
    if current is not None:
        views.append(replace(current, companies=tuple(c for c in current.companies if c.end <= before)))
    for view in reversed(views):
        named = [(c, _party_name(c)) for c in view.companies]
        for (a, na), (b, nb) in itertools.pairwise(named):
            if na and nb and na != nb and case_after(view.text, a.end) == "WITH" and b.start - a.end <= 4:
                return [na, nb]
    return []


def _previous_subject(previous: Sequence[SentenceView], depth: int = 2) -> str | None:
    """The subject of the nearest earlier sentence that has one (は-topics first).

    A sentence whose subject is 同社 or 彼ら ("同社はさらに…") passes on its own antecedent.
    """
    for i in range(len(previous) - 1, max(len(previous) - 4, -1), -1):
        view = previous[i]
        subjects = [
            (_is_topic(view.text, c.end), name)
            for c in view.companies
            if (name := _party_name(c)) is not None and case_after(view.text, c.end) == "SUBJ"
        ]
        if subjects:
            return max(subjects, key=lambda t: t[0])[1]
        if depth > 0 and any(
            m.group() in ("同社", "同グループ", "同行", "彼ら") and case_after(view.text, m.end()) == "SUBJ"
            for m in _ANAPHORA.finditer(view.text)
        ):
            return _previous_subject(previous[:i], depth - 1)
    return None


_CONTINUES = re.compile(r"このうち|そのうち|うち|最初の|残り|残る|追加|これに|第[1-9一二三]弾|内訳|それぞれ")
# "Aがそれぞれ", "Aが各": each of the names before pays the same way.
_EACH = re.compile(r"(?:社|など)?(?:が|は|も)?(?:それぞれ|各々|おのおの|各自)")
# A verb between a が-subject and the amount makes it a relative clause ("OpenAIが実施する総額…").
_VERB_IN_GAP = re.compile(r"する|した|される|された|ている|ていた|れる|れた|行う|行った")
_JAPAN_US = re.compile(r"対米投(?:資|融資)|日米(?:間|の)?(?:投資|合意)")
_UNIT = re.compile(r"の(?:GPU|チップ|半導体|サーバー|製品|端末)")


# "1株23.28ドル", "1株当たり3000円", "1基あたり": a price per unit stated before the amount.
_PER_UNIT = re.compile(r"(?:1|一)(?:株|基|台|個|枚)(?:当たり|あたり|につき)?(?:約|最大)?\s*$")


def _is_unit_price(amount: MoneyAmount, text: str) -> bool:
    small = amount.value is not None and amount.value < 1_000_000
    per_unit = bool(_PER_UNIT.search(text, max(0, amount.start - 8), amount.start))
    return per_unit or (small and bool(_UNIT.match(text, amount.end)))


_BACKLOG = re.compile(r"残存履行義務|RPO|受注残")
# "1000億ドルの取引": the amount is the size of a deal even when a party is left unsaid.
_SIZES_A_DEAL = re.compile(r"(?:相当|規模)?の?(?:取引|契約|投資|出資|ディール|買収|融資)")
_CLAUSE_BREAK = re.compile(r"が、|ながら、|一方|ものの|けれど|。")


def _pick_trigger(triggers: Sequence[Trigger], pos: int, text: str) -> Trigger | None:
    """The verb that governs an amount ending at ``pos``.

    A verb right after the amount ("…を受け取った") governs it; otherwise the first
    naming verb among the next three in the clause, else the last verb before it.
    """
    stop = _CLAUSE_BREAK.search(text, pos)
    limit = min(pos + 40, stop.start() if stop else len(text))
    after = [t for t in triggers if pos <= t.start < limit]
    if after:
        if after[0].start - pos <= 6:
            return after[0]
        strong = [t for t in after[:3] if t.strength == 2]
        return strong[0] if strong else after[0]
    before = [t for t in triggers if t.end <= pos and pos - t.end <= 40]
    return before[-1] if before else None


def _nearest(
    parties: Sequence[Party],
    cases: Sequence[Case],
    before: int | None = None,
    after: int | None = None,
    exclude: str | None = None,
) -> Party | None:
    """The first case in ``cases`` that has a party in range: the closest one before ``before``."""
    for case in cases:
        cands = [
            p
            for p in parties
            if p.case == case
            and p.name != exclude
            and (before is None or p.start < before)
            and (after is None or p.start >= after)
        ]
        if cands:
            return max(cands, key=lambda p: p.start) if before is not None else cands[0]
    return None


_STRONG_FROM_CONTEXT: dict[str, DealType] = {
    "bond": "bond",
    "equity_offering": "equity_offering",
    "loan": "loan",
    "investment": "investment",
    "acquisition": "acquisition",
}


def _resolve_type(
    trigger: Trigger,
    clause: str,
    sentence: str,
    triggers: Sequence[Trigger],
    target_sector: str | None = None,
    source_sector: str | None = None,
) -> DealType:
    capacity = CAPACITY_CUE.search(clause) and not CHIP_CUE.search(clause)
    if trigger.deal_type == "investment" and COMPUTE_CUE.search(clause) and not CHIP_CUE.search(clause):
        # "クラウドアクセスのためにGoogleに投資" buys capacity, it is not equity.
        return "compute_contract"
    if trigger.deal_type == "purchase" and capacity:
        return "compute_contract"  # buying cloud capacity
    if trigger.deal_type == "purchase" and target_sector == "compute" and not CHIP_CUE.search(clause):
        return "compute_contract"  # "アジュールを2500億ドル分購入": capacity from a cloud provider
    if trigger.deal_type == "partnership" and "compute" in (target_sector, source_sector):
        return "compute_contract"  # a "partnership" with a cloud provider is a capacity contract
    if trigger.deal_type is not None:
        return trigger.deal_type
    stop = _CLAUSE_BREAK.search(sentence, trigger.end)
    limit = min(trigger.end + 30, stop.start() if stop else len(sentence))
    later = [t for t in triggers if trigger.start < t.start < limit]
    named = next((t.deal_type for t in later if t.strength == 2 and t.deal_type is not None), None)
    begin = trigger.start - len(_clause_left(sentence, trigger.start))
    instrument = next(
        (t.deal_type for t in reversed(triggers)
         if begin <= t.start < trigger.start and t.deal_type in _STRONG_FROM_CONTEXT),
        None,
    )
    if trigger.direction == "receive" and instrument is not None:
        return instrument  # "社債の発行などで5000億円を調達し、借り換えを進める": a bond raise
    if named is not None:
        return named  # "15億ドル払って借り戻すリースバック"
    if trigger.direction == "receive":
        # "社債を発行し、177億ドルを調達": the raise takes the type of the instrument.
        for t in triggers:
            if t.deal_type in _STRONG_FROM_CONTEXT and t.direction in ("issue", "receive", "give"):
                return _STRONG_FROM_CONTEXT[t.deal_type]
        return "investment"
    # Capacity bought speaks first ("Cerebrasと100億ドル超の計算契約"), then who the seller is,
    # then the clause around the amount, then the sentence.
    if capacity:
        return "compute_contract"
    if target_sector == "hardware":
        return "purchase"
    if "compute" in (target_sector, source_sector):
        return "compute_contract"  # oriented afterwards: the provider receives
    for text in (clause, sentence):
        if CHIP_CUE.search(text):
            return "purchase"
        if COMPUTE_CUE.search(text):
            return "compute_contract"
    return "other"


def _reinterpret(trigger: Trigger, clause: str, text: str = "") -> Trigger:
    """調達 of chips is buying them, not raising money ("GPUを総額29万ドルで調達"); a deal noun
    one receives ("政府から89億ドルの出資を受け入れ", "融資を銀行団から受ける") turns the roles round."""
    if trigger.text == "調達" and CHIP_CUE.search(clause):
        return replace(trigger, deal_type="purchase", direction="buy")
    if trigger.direction == "give" and _RECEIVED.match(text, trigger.end):
        return replace(trigger, direction="receive")
    if trigger.direction == "buy" and _PASSIVE.match(text, trigger.end):
        return replace(trigger, direction="sell")  # "XはYに買収された": Y buys X
    if trigger.direction == "give" and _FROM_PHRASE.search(_clause_left(text, trigger.start)):
        return replace(trigger, direction="receive")  # "3メガバンクなどから4000億円の協調融資"
    return trigger


# "買収された", "買収される": the subject is the one bought.
_PASSIVE = re.compile(r"(?:さ|を受け)(?:れ|た|る)")
# "銀行団から", "3メガバンクなどから": the money comes from a group named by its kind.
_FROM_PHRASE = re.compile(r"(?:行|団|など|ファンド|投資家|機関|連合|各社)から")


# "出資を受け入れる", "融資を銀行団から受けた", "補助金をもらう": the subject receives.
_RECEIVED = re.compile(r"を(?:[^、。をがは]{0,12}?から)?(?:受け(?!渡|付|持|継|止|取)|もら|得)")


_DEAL_NOUN = re.compile(
    r"(?:規模|相当)?の?同?(?:取引|契約|投資|出資|提携|買収|融資|資金調達|調達|ディール|案件|プロジェクト|計画|"
    r"プログラム|支出|コミット|約束|合意|株式|社債|債券|増資|リース|GPU|チップ|クラウド|インフラ|追加)"
)


_DEAL_NOUN_AHEAD = re.compile(rf"[^、。をがはにの]{{0,5}}?(?:{_DEAL_NOUN.pattern})")


def _modifies_other_noun(text: str, end: int, companies: Sequence[CompanyMention]) -> bool:
    """Whether "N億ドル規模の" / "N億ドルの" goes on to a noun that is no deal ("企業", "バブル")."""
    m = re.match(r"(?:規模|級)の", text[end:])
    if m is None:
        return False
    rest = end + m.end()
    if _DEAL_NOUN_AHEAD.match(text, rest):
        return False  # "2兆円規模のつなぎ融資": a deal noun after a short modifier
    return not any(c.start == rest for c in companies)


def _orient(deal_type: str, source: str | None, target: str | None) -> tuple[str | None, str | None]:
    """The provider of capacity or hardware is the target, whatever the word order said."""
    sector = default_registry().sector
    want = {"compute_contract": "compute", "purchase": "hardware"}.get(deal_type)
    if want and source and sector(source) == want and sector(target) not in (want, "hardware"):
        return target, source
    return source, target


def _coordinated_subject(parties: Sequence[Party], subj: Party | None) -> Party | None:
    """In "AとBは…" the first conjunct leads: return A when it stands right before the subject B."""
    if subj is None:
        return None
    before = [p for p in parties if p.end <= subj.start]
    if before and before[-1].case == "WITH" and subj.start - before[-1].end <= 3:
        return before[-1]
    return None


def _roles(
    trigger: Trigger, parties: Sequence[Party], pos: int, seg_start: int, text: str
) -> tuple[str | None, str | None]:
    """Source and target of the deal an amount at ``pos`` belongs to, from this sentence alone."""
    topics = [p for p in parties if p.topic and p.start < pos]
    # A subject after the amount counts only within the amount's clause ("…300億ドルで、残りはXが").
    later_subj = next(
        (p for p in parties if p.case == "SUBJ" and p.start >= pos and "、" not in text[pos : p.start]), None
    )
    subj = topics[-1] if topics else _nearest(parties, ("SUBJ",), before=pos) or later_subj
    agent_ga = _nearest([p for p in parties if not p.topic], ("SUBJ",), before=pos)
    if (
        topics
        and agent_ga is not None
        and agent_ga.start > topics[-1].start
        and pos - agent_ga.end <= 12
        and "、" not in text[agent_ga.end : pos]
        and not _VERB_IN_GAP.search(text, agent_ga.end, pos)
    ):
        # "彼らはNvidiaが20億ドルを投資": the が-subject next to the amount does the deal;
        # the は-topic is what it is about (and so the counterparty).
        topic = topics[-1]
        parties = [p if p is not topic else Party(p.name, p.start, p.end, "DAT") for p in parties]
        subj = agent_ga
    distributive = subj is not None and bool(_EACH.match(text, subj.end))
    if distributive and subj is not None:
        # "AとBがそれぞれ1千億円を拠出": A and B pay alike; neither is the other's counterparty.
        together = {p.name for p in parties if p.case == "WITH" and p.end <= subj.start}
        parties = [p for p in parties if p.name not in together]
    lead = None if distributive else _coordinated_subject(parties, subj)
    if lead is not None and subj is not None:
        # "AとBは…契約": A is the party the sentence is about, B its counterparty.
        parties = [
            p if p is not subj else Party(p.name, p.start, p.end, "WITH") for p in parties if p is not lead
        ] + [Party(lead.name, lead.start, lead.end, "SUBJ")]
        subj = parties[-1]
    subject = subj.name if subj else None
    d = trigger.direction

    leader = _nearest(parties, ("LEAD",))
    if leader is not None and d in ("give", "receive"):
        # "ICONIQが主導した資金調達で…集めた": the lead investor pays the subject.
        if subject is not None and subject != leader.name:
            return leader.name, subject
        other = _nearest(parties, ("DAT", "SUBJ", "GEN", "NONE"), before=pos, exclude=leader.name)
        return leader.name, other.name if other else None
    if subject is not None and _LEADS_ROUND.search(text) and d in ("give", "receive"):
        # "Aは、Bが実施する資金調達を主導": A invests in B.
        raiser = _nearest(parties, ("SUBJ", "GEN", "DAT"), after=subj.end if subj else None, exclude=subject)
        return subject, raiser.name if raiser else None
    agent = _nearest(parties, ("AGT",))
    if agent is not None and d in ("give", "receive") and agent.name != subject:
        # "OpenAIは…SoftBank出資": the named investor pays, the subject receives.
        if subject is not None:
            return agent.name, subject
        other = _nearest(parties, ("DAT", "GEN", "OBJ"), exclude=agent.name)
        return agent.name, other.name if other else None

    source: str | None
    target: str | None
    if d == "give":
        in_segment = [p for p in parties if p.start >= seg_start]
        target_p = (
            _nearest(in_segment, ("DAT", "ADJ", "GEN"), before=pos, exclude=subject)
            or _nearest(parties, ("DAT", "ADJ"), before=pos, exclude=subject)
            or _nearest([p for p in in_segment if not p.topic], ("SUBJ",), before=pos, exclude=subject)
            or _nearest(in_segment, ("NONE",), before=pos, exclude=subject)
            or _nearest(parties, ("DAT", "ADJ", "GEN", "OBJ"), after=pos, exclude=subject)
            or _nearest(parties, ("GEN", "OBJ"), before=pos, exclude=subject)
            or _nearest(in_segment, ("WITH",), exclude=subject)  # "AとBは…投資に向けて合意"
        )
        source_p = _nearest(parties, ("FROM",), before=pos)
        source = subject or (source_p.name if source_p else None)
        if (
            source_p is not None
            and subj is not None
            and source_p.start > subj.start
            and target_p is not None
            and target_p.start > source_p.start
        ):
            source = source_p.name  # "AはBからCへの投資…" names the payer explicitly
        if agent is not None:
            source = agent.name
        if target_p is None and subject is not None and source_p is not None and source_p.name != subject:
            target_p = source_p  # "AはBから…を15億ドル払って借り戻す": B is paid
        target = target_p.name if target_p else None
        if source is None and target_p is not None:
            pair = next((p for p in parties if p.case == "WITH" and 0 <= target_p.start - p.end <= 1), None)
            source = pair.name if pair else None  # "両社のコミットメント", "AとBの契約"
    elif d == "receive":
        lenders = [p for p in parties if _kind(p.name) in ("bank", "fund")]
        if trigger.deal_type == "loan" and subject is not None and _kind(subject) in ("bank", "fund"):
            borrower = _nearest(parties, ("DAT", "ADJ"), exclude=subject)
            if borrower is not None and _kind(borrower.name) not in ("bank", "fund"):
                return subject, borrower.name  # "銀行団はXに対し融資枠を設定": the banks lend
        src = (
            _nearest(parties, ("FROM",), exclude=subject)
            or (
                _nearest(lenders, ("WITH", "NONE", "DAT", "ADJ"), exclude=subject)
                if trigger.deal_type == "loan"
                else None
            )
            or _nearest(parties, ("ADJ", "DAT", "WITH", "NONE"), exclude=subject)
        )
        if subject is None:
            # "同社の計画は…から助成を受ける": the owner of the topic phrase receives.
            owner = next((p for p in parties if p.case == "GEN" and p.end <= pos
                          and _TOPIC_OWNED.match(text, p.end)), None)
            subject = owner.name if owner is not None and owner is not src else None
        source, target = (src.name if src else None), subject
    elif d == "buy":
        tgt = (
            _nearest(parties, ("OBJ",), exclude=subject) if trigger.deal_type == "acquisition" else None
        ) or _nearest(parties, ("FROM", "WITH", "GEN", "DAT", "ADJ", "OBJ", "NONE"), exclude=subject)
        if agent is not None and subject is not None and agent.name != subject and tgt is None:
            return agent.name, subject  # "東芝、JIP連合のTOB成立": the bidder buys the subject
        source, target = (agent.name if agent else subject), (tgt.name if tgt else None)
    elif d == "sell":
        buyer = _nearest(parties, ("DAT", "WITH", "ADJ"), exclude=subject)
        source, target = (buyer.name if buyer else None), subject
    elif d == "issue":
        issuer = subj or _nearest(parties, ("GEN", "ADJ", "NONE"))
        return None, issuer.name if issuer else None  # an unnamed issuer is filled from context
    else:  # mutual
        if subject is None:
            # "AのBとの契約", "AのB取引": the genitive names the party the deal belongs to.
            owner = _nearest(parties, ("GEN",))
            first = next(
                (p for p in parties if p.case == "WITH" and owner and 0 <= owner.start - p.end <= 1), None
            )
            if owner is not None and first is not None and first.name != owner.name:
                return first.name, owner.name  # "AとBの契約", "両社の契約"
            if owner is not None:
                partner = _nearest(
                    parties, ("WITH", "DAT", "ADJ", "NONE", "GEN"), after=owner.end, exclude=owner.name
                )
                return owner.name, partner.name if partner else None
            partner = _nearest(parties, ("WITH",))
            if partner is not None:
                second = _nearest(
                    parties, ("SUBJ", "DAT", "OBJ", "NONE", "GEN"), after=partner.end, exclude=partner.name
                )
                return partner.name, second.name if second else None
        partner = _nearest(parties, ("WITH", "DAT", "GEN", "ADJ", "FROM"), exclude=subject)
        source, target = subject, (partner.name if partner else None)
    if source == target:
        target = None
    return source, target


_SPLIT_PAYERS = frozenset({"loan", "investment", "acquisition", "purchase"})
_LENDERS = frozenset({"bank", "fund", "government"})
# "JPモルガン・チェースと三菱UFJ銀行が主導する", "米Blackstoneと米Magnetar Capitalが".
_CONJUNCT_GAP = re.compile(r"(?:社|氏)?[」』]?\s*(?:と|、|,|や|とか)\s*(?:米|英|仏|独|中|韓|日|台|欧)?\s*")


def _co_payers(parties: Sequence[Party], source: str | None, text: str, pos: int) -> list[str]:
    """Companies coordinated with the payer ("AとBが主導する銀行団が融資"): each pays, one mention each.

    Only the paying side is split: lenders or investors named together each commit
    the stated sum as a group, while "AとBに投資" leaves open how the sum is divided.
    """
    if source is None:
        return []
    at = [p for p in parties if p.name == source and p.start < pos]
    if not at:
        return []
    head = first = at[-1]
    found: list[str] = []
    for q in reversed([p for p in parties if p.end <= head.start]):
        if q.case not in ("WITH", head.case) or not _CONJUNCT_GAP.fullmatch(text, q.end, head.start):
            break
        if q.name not in found and q.name != source:
            found.append(q.name)
        head = q
    found.reverse()
    head = first
    for q in [p for p in parties if p.start >= first.end]:
        # "三菱UFJ銀行、三井住友銀行、みずほ銀行の3メガバンク": the names after it in its list
        if head.case not in ("WITH", "LIST", q.case) or not _CONJUNCT_GAP.fullmatch(text, head.end, q.start):
            break
        if q.name not in found and q.name != source:
            found.append(q.name)
        head = q
    return found


_MATURITY = re.compile(r"(?:に|の)?(?:満期|償還|返済期限)")
# "Xの計画は", "Xの新工場は": a phrase owned by X is the sentence's topic.
_TOPIC_OWNED = re.compile(r"(?:社)?の[^、。はがをにへと「」]{1,8}は")


def _pick_date(dates: Sequence[DateMention], pos: int, text: str = "") -> DateMention | None:
    """The date nearest the amount; an unresolved one (4月1日 with no year known) still counts,
    so the deal keeps its own date text rather than borrowing the passage's.  A maturity
    ("2031年に満期を迎える") is another event's date."""
    cands = [
        d for d in dates
        if d.kind not in ("duration", "vague")
        and (d.value is not None or not d.resolved)
        and not _MATURITY.match(text, d.end)
    ]
    if not cands:
        return None
    return min(cands, key=lambda d: abs(d.start - pos))


def _clause_of(text: str, start: int, end: int) -> str:
    """The clause (between 、 and 。 marks) around ``text[start:end]``."""
    begin = start - len(_clause_left(text, start))
    stop = min((i for i in (text.find("、", end), text.find("。", end)) if i >= 0), default=len(text))
    return text[begin:stop]


def _clause_left(text: str, pos: int) -> str:
    left = text[:pos]
    cut = max(left.rfind("、"), left.rfind("。"), left.rfind(","))
    return left[cut + 1 :]


_NO_ENTITY = Entity(name="")


@dataclass(frozen=True)
class _Context:
    """What the preceding sentences say: their views and their deal mentions (nearest last)."""

    previous: Sequence[SentenceView]
    recent: Sequence[DealMention]

    @property
    def near(self) -> Sequence[DealMention]:
        """Deal mentions of the last two sentences."""
        if not self.previous:
            return ()
        horizon = self.previous[-3:][0].start
        return [d for d in self.recent if d.sentence_start >= horizon]

    def date(self) -> DateMention | None:
        """The last dated expression of the last three sentences (a passage's date)."""
        for view in reversed(self.previous[-3:]):
            dated = [d for d in view.dates if d.kind != "duration" and d.value is not None]
            if dated:
                return _shifted_date(dated[-1], view.start)
        return None

    def earlier_same_amount(self, amount: MoneyAmount) -> DealMention | None:
        for d in reversed(self.recent):
            a = d.amount
            if (
                a is not None
                and a.value is not None
                and a.value == amount.value
                and a.currency == amount.currency
            ):
                return d
        return None


def _fill_from_context(
    ctx: _Context,
    deal_type: DealType,
    source: str | None,
    target: str | None,
    trigger: Trigger,
    explicit_subject: bool = False,
    partner_only: bool = False,
) -> tuple[str | None, str | None]:
    """Fill a party the sentence leaves unsaid from what was said just before.

    Only verbs that name a kind of deal (投資, 融資 …) reach back; a bare 支払う or
    費やす without its recipient is spending, not a deal.
    """
    if source is not None and target is not None:
        return source, target
    if trigger.deal_type is None:
        if trigger.direction == "mutual" and partner_only and not explicit_subject:
            # "OpenAIとの3000億ドルの契約" after sentences about Oracle: the contract is Oracle's.
            known = source or target
            if known is None:
                return source, target
            owner = _previous_subject(ctx.previous)
            if owner is not None and owner != known:
                return owner, known
            return source, target
        if trigger.direction == "receive" and target is None and not explicit_subject:
            # "NVIDIAから100億ドルを受け取った", "社債を発行し、5000億円を調達する":
            # the receiver is who the passage is about.
            if source is not None:
                target = _passage_topic(ctx.previous, exclude=source)
            else:
                target = _previous_subject(ctx.previous)
        return source, target
    near = ctx.near
    last = near[-1] if near else None
    continues_last = last is not None and last.deal_type == deal_type
    unsaid = source is None and target is None and not explicit_subject
    if trigger.direction == "buy" and unsaid and not continues_last:
        return _previous_subject(ctx.previous), None  # "GPUを総額29万ドルで調達し": the buyer said before
    if trigger.direction == "issue" and target is None and not explicit_subject:
        return None, _previous_subject(ctx.previous)  # "彼らは200億ドル相当の新株を…売却"
    if last is not None and continues_last:
        if source is None and last.source != target and not explicit_subject:
            source = last.source
        if target is None and last.target != source:
            target = last.target
    if (
        source is None
        and target is not None
        and not explicit_subject
        and trigger.direction in ("give", "buy", "mutual")
    ):
        fallback = _previous_subject(ctx.previous)
        if fallback != target:
            source = fallback  # dropped subject, carried from the previous sentence
    if target is None and source is not None and trigger.direction == "give":
        # "Xは最大100億ドルを投じる" after sentences about the investee: the passage's topic.
        target = _passage_topic(ctx.previous, exclude=source)
    if target is None and trigger.direction == "receive" and not explicit_subject:
        # "買収資金は、…銀行から借り入れた2兆円の融資で賄った": the borrower is who the passage is about
        target = _passage_topic(ctx.previous, exclude=source, subjects_only=True)
    return source, target


def _passage_topic(
    previous: Sequence[SentenceView], exclude: str | None, subjects_only: bool = False
) -> str | None:
    """The subject of the last sentences, else (unless ``subjects_only``) the most recent party."""
    subject = _previous_subject(previous)  # follows 同社/彼ら back to their antecedent
    if subject is not None and subject != exclude:
        return subject
    for view in reversed(previous[-3:]):
        for c in view.companies:
            name = _party_name(c)
            if name is not None and name != exclude and case_after(view.text, c.end) == "SUBJ":
                return name
    if subjects_only:
        return None
    return next((n for n in reversed(_recent_parties(previous, 3)) if n != exclude), None)


def extract_sentence(
    view: SentenceView,
    previous: Sequence[SentenceView] = (),
    recent: Sequence[DealMention] = (),
) -> tuple[list[DealMention], list[Metric]]:
    """Deal mentions and metrics stated by one sentence.

    ``previous`` are the sentence views before this one; ``recent`` the deal
    mentions of the last few sentences, nearest last (earlier in the document
    for amount co-reference).
    """
    ctx = _Context(previous, recent)
    text = view.text
    triggers = find_triggers(text)
    parties = _parties(view, previous)
    own_status = status_of(text)
    term = next((d.text for d in view.dates if d.kind == "duration"), None)
    s0, s1 = view.start, view.start + len(text)
    deals: list[DealMention] = []
    metrics: list[Metric] = []
    hypothetical = bool(HYPOTHETICAL.search(text))
    seg_start = 0
    # "AとBがそれぞれ1千億円、Cが800億円を拠出": later shares of the same deal take its receiver
    carried: tuple[str | None, DealType] | None = None

    def near_company(pos: int) -> str | None:
        p = _nearest(parties, ("SUBJ", "GEN", "ADJ", "NONE"), before=pos) or _nearest(parties, ("SUBJ",))
        return p.name if p else None

    for amount in view.money:
        if amount.is_conversion:
            continue
        pos = amount.start
        local = _shift(amount, view.start)
        attached = metric_kind_near(text, amount.start, amount.end)
        if attached is None and _is_unit_price(amount, text):
            attached = "cost"  # "約2,800ドルのGPU": the price of one unit, not a deal
        if attached == "revenue" and _BACKLOG.search(text) and ctx.earlier_same_amount(_shift(amount, s0)):
            attached = None  # contracted backlog (RPO) equal to a deal named before: that deal
        trigger = None if hypothetical or attached else _pick_trigger(triggers, amount.end, text)
        if trigger is not None and _modifies_other_noun(text, amount.end, view.companies):
            trigger = None  # "1兆ドル規模の企業": the amount sizes something that is not a deal
        earlier = None if hypothetical or attached else ctx.earlier_same_amount(local)
        date = _shifted_date(_pick_date(view.dates, pos, text), view.start)
        near = ctx.near
        left = _clause_left(text, pos)  # the amount's clause up to the amount
        continues = _CONTINUES.search(left + text[amount.end : amount.end + 6])
        # The same figure as a deal named before is another mention of that deal; "このうち
        # 75億ドルを…", "最初の100億ドルは…" are a part of the deal just described.
        told_before = earlier or (near[-1] if near and continues and not (hypothetical or attached) else None)
        if trigger is None and told_before is not None and metric_kind_in(text) == "other":
            deals.append(
                replace(
                    told_before,
                    sentence_start=s0,
                    sentence_end=s1,
                    evidence=text,
                    amount=local,
                    status=own_status or told_before.status,
                    date=date or told_before.date,
                    term_text=term or told_before.term_text,
                    trigger=None,
                )
            )
            seg_start = amount.end
            continue
        if trigger is None:
            kind = "other" if hypothetical else (attached or metric_kind_in(text))
            metrics.append(Metric(s0, s1, text, kind, near_company(pos), local))
            seg_start = amount.end
            continue
        clause = left + text[amount.end : trigger.end]
        trigger = _reinterpret(trigger, clause, text)
        if (
            trigger.text == "リース"
            and any(p.case == "DAT" and p.start < trigger.start for p in parties)
            and not any(p.case == "FROM" for p in parties)
        ):
            trigger = replace(trigger, direction="sell")  # "AはBにGPUをリースする": A is the lessor
        if (
            trigger.direction == "give"
            and trigger.strength == 2  # a deal noun (出資, 補助金); "Bから…払って" still pays B
            and any(p.case == "FROM" and p.start < trigger.start for p in parties)
            and any(p.case == "SUBJ" for p in parties)
            and not any(p.case in ("DAT", "ADJ") for p in parties)
        ):
            trigger = replace(trigger, direction="receive")  # "Xは政府から…補助金": X receives
        source, target = _roles(trigger, parties, pos, seg_start, text)
        spending = _no_counterparty(view, trigger, parties, pos, source)
        if spending is not None:
            metrics.append(Metric(s0, s1, text, spending, source or near_company(pos), local))
            seg_start = amount.end
            continue
        sector = default_registry().sector
        deal_type = _resolve_type(trigger, clause, text, triggers, sector(target), sector(source))
        sold = _nearest(parties, ("OBJ",), before=trigger.start)
        sells_company = trigger.direction == "sell" and deal_type == "purchase"
        if sells_company and sold is not None and sold.name != source:
            # "ヨーク・ホールディングスをベインキャピタルに売却": the company sold is acquired
            deal_type, target = "acquisition", sold.name
        if deal_type == "acquisition" and _minority_stake(text):
            deal_type = "investment"  # "株式の20%を取得": a stake, not control
        if _pair_spends(trigger, parties, pos):
            deal_type = "partnership"  # "両社は約5000億円を投じる": the pair invests together
        if _listed_with(parties, source, target, text, pos):
            target = None  # "A、B、Cの3メガバンクが計6兆円を融資": B is another lender, not the borrower
        lends_back = deal_type == "loan" and source is not None and target is not None
        if lends_back and _kind(target or "") in _LENDERS and _kind(source or "") not in _LENDERS:
            source, target = target, source  # "Xは銀行団と融資契約を結んだ": the banks lend to X
        if deal_type in ("investment", "purchase") and any(_sold_stake(view, c) for c in view.companies):
            deal_type = "other"  # cash from selling a holding: no deal between two parties
        if source is None and target is None and _JAPAN_US.search(text):
            # "対米投資": the Japan–US investment framework (countries are parties only here).
            source, target, deal_type = "Japan", "United States", "partnership"
        names_kind = any(t.strength == 2 and t.deal_type is not None for t in triggers)
        if earlier is not None and (
            earlier.deal_type == deal_type or (trigger.deal_type is None and not names_kind)
        ):
            # The same figure as an earlier deal: the same deal, told again with less detail.
            deal_type = earlier.deal_type
            if deal_type not in ("bond", "equity_offering"):
                source = source or earlier.source
            target = target or earlier.target
        pool = near or ctx.recent[-3:]
        if continues and pool and (source is None or target is None):
            # "このうち75億ドルをXが負担", "最初の100億ドルは…払い込まれる": part of the deal before.
            same = [d for d in pool if d.deal_type == trigger.deal_type and _may_contain(d.amount, local)]
            last = same[-1] if same else pool[-1]
            source, target = source or last.source, target or last.target
            # a generic verb (拠出, 払い込む) takes the kind of the deal it is a part of
            deal_type = last.deal_type if trigger.deal_type is None or trigger.strength < 2 else deal_type
            carried = (last.target, deal_type)
        if source is None and target is None and (named := _DEAL_ANAPHORA.search(left)):
            # "この契約は最大240億ドルに上る": the deal of the sentences just before.
            referent = _last_deal_of(near, _ANAPHOR_TYPES.get(named.group(1)))
            if referent is not None:
                source, target, deal_type = referent.source, referent.target, referent.deal_type
        if carried is not None and target is None and source is not None and source != carried[0]:
            target, deal_type = carried
        explicit = _nonparty_subject(text, parties, pos)
        heading = view.heading_party
        if heading is not None and not explicit:
            # A bullet under "OpenAIの資金源": the heading's company is the unsaid party.
            if source is None and trigger.direction in ("give", "buy", "mutual") and heading != target:
                source = heading
            elif target is None and trigger.direction == "receive" and heading != source:
                target = heading
        # "OpenAIとの…契約" with no one else named: the partner of someone said before.
        partner_only = len({p.name for p in parties}) == 1 and all(p.case == "WITH" for p in parties)
        filled = _fill_from_context(ctx, deal_type, source, target, trigger, explicit, partner_only)
        if trigger.deal_type is None and deal_type == "other" and filled != (source, target):
            # a generic 契約 typed by who the parties turned out to be
            deal_type = _resolve_type(trigger, clause, text, triggers, sector(filled[1]), sector(filled[0]))
        generic = trigger.direction in ("give", "buy") and bool(
            _GENERIC_RECIPIENT.search(left + text[amount.end : trigger.end + 2])
        )
        if generic and target is None:
            filled = (filled[0], None)  # "スタートアップに20億ポンド": no receiver to carry in
        source, target = filled
        if target is None and "各社" in text:
            source = None  # "…各社と結んだ契約の総額": an aggregate over many deals
        if _GENERIC_SOURCE.search(left) and not any(p.case == "FROM" for p in parties):
            source = None  # "民間企業からの出資は総額1300億円": the payers are named by kind only
        source, target = _orient(deal_type, source, target)
        if deal_type in _MARKET_DEALS and target is not None:
            source = None  # securities sold to the market: the issuer receives, no payer is named
        if source == target:
            target = None
        jv_after = next(
            (
                p
                for p in parties
                if p.start > amount.end
                and p.start - amount.end <= 30
                and "、" not in text[amount.end : p.start]
                and _is_jv(p.name)
            ),
            None,
        )
        if jv_after is not None and trigger.direction in ("give", "mutual"):
            target = jv_after.name  # "…に最大5000億ドルを投じる「スターゲート」計画"
        if (
            target is not None
            and _is_jv(target)
            and (trigger.deal_type is None or trigger.strength < 2 or jv_after is not None)
        ):
            # A joint programme (Stargate) sized as a whole: the parties pool into it; one
            # contributor named alone ("ソフトバンクは…計画に190億ドルを拠出") keeps its share.
            alone = source is not None and not any(p.case in ("WITH", "LIST") for p in parties)
            deal_type = "partnership"
            source = source if alone and jv_after is None and trigger.direction == "give" else None
        sizes_deal = bool(_SIZES_A_DEAL.match(text, amount.end))
        keep_one_sided = source is not None and (
            deal_type == "loan"
            or sizes_deal
            or generic
            or (deal_type == "purchase" and trigger.direction == "buy" and CHIP_CUE.search(clause))
        )
        if target is None and not keep_one_sided:
            # No receiving side and no named deal: spending or an aggregate, not a deal.
            metrics.append(Metric(s0, s1, text, metric_kind_in(text), source or near_company(pos), local))
            seg_start = amount.end
            continue
        own_status = status_of(text, _clause_of(text, min(pos, trigger.start), max(amount.end, trigger.end)))
        status: DealStatus = own_status or (earlier.status if earlier else "announced")
        payers = [source]
        if deal_type in _SPLIT_PAYERS and trigger.direction in ("give", "receive", "buy", "sell"):
            group: list[str | None] = [n for n in _co_payers(parties, source, text, pos) if n != target]
            first = {p.name: p.start for p in reversed(parties)}
            payers = sorted([*group, source], key=lambda n: first.get(n or "", len(text)))
        deals.extend(
            DealMention(
                sentence_start=s0,
                sentence_end=s1,
                evidence=text,
                deal_type=deal_type,
                status=status,
                source=payer,
                target=target,
                amount=local,
                date=date or (earlier.date if earlier else None) or ctx.date(),
                term_text=term,
                trigger=trigger.text,
            )
            for payer in payers
        )
        seg_start = amount.end
    if not deals and not view.money and not hypothetical:
        deals.extend(
            _relationship_mentions(view, triggers, parties, own_status or "announced", term, recent, previous)
        )
    return deals, metrics


def _relationship_mentions(
    view: SentenceView,
    triggers: Sequence[Trigger],
    parties: Sequence[Party],
    status: DealStatus,
    term: str | None,
    recent: Sequence[DealMention] = (),
    previous: Sequence[SentenceView] = (),
) -> list[DealMention]:
    """A deal stated without an amount: a strong trigger and both parties named.

    When the pair is not ordered by the sentence itself (両社, "AとBの契約"), an
    earlier deal of the same type between the two gives the direction.
    """
    strong = [t for t in triggers if t.strength == 2]
    text = view.text
    if not strong or len({p.name for p in parties}) < 2:
        return _partner_contract(view, triggers, parties, status, term, previous)
    trigger = strong[0]
    source, target = _roles(trigger, parties, trigger.start, 0, text)
    if source is None or target is None:
        return []
    deal_type = _resolve_type(
        trigger, _clause_left(text, trigger.start), text, triggers, default_registry().sector(target)
    )
    if deal_type == "acquisition" and _minority_stake(text):
        deal_type = "investment"
    source, target = _orient(deal_type, source, target)
    unordered = trigger.direction == "mutual" or any(p.start == p.end for p in parties)
    if unordered and any(
        (d.source, d.target, d.deal_type) == (target, source, deal_type) for d in recent
    ):
        source, target = target, source
    return [_amountless(view, trigger, deal_type, status, source, target, term)]


def _amountless(
    view: SentenceView,
    trigger: Trigger,
    deal_type: DealType,
    status: DealStatus,
    source: str | None,
    target: str | None,
    term: str | None,
) -> DealMention:
    """A deal mention without an amount, dated by the date nearest its trigger."""
    return DealMention(
        sentence_start=view.start,
        sentence_end=view.start + len(view.text),
        evidence=view.text,
        deal_type=deal_type,
        status=status,
        source=source,
        target=target,
        amount=None,
        date=_shifted_date(_pick_date(view.dates, trigger.start, view.text), view.start),
        term_text=term,
        trigger=trigger.text,
    )


# "この契約", "同取引", "今回の出資": a deal named just before.
_DEAL_ANAPHORA = re.compile(r"(?:この|その|同|今回の|本)(契約|取引|合意|案件|ディール|投資|出資|融資|買収)")
_ANAPHOR_TYPES: dict[str, DealType] = {
    "投資": "investment", "出資": "investment", "融資": "loan", "買収": "acquisition",
}


def _last_deal_of(near: Sequence[DealMention], deal_type: DealType | None) -> DealMention | None:
    """The last deal just before with both parties named (of ``deal_type`` when given)."""
    for d in reversed(near):
        if d.source is not None and d.target is not None and deal_type in (None, d.deal_type):
            return d
    return None


_CONCLUDED = re.compile(r"を?(?:結ん|結ぶ|結び|締結|交わ)")


def _partner_contract(
    view: SentenceView,
    triggers: Sequence[Trigger],
    parties: Sequence[Party],
    status: DealStatus,
    term: str | None,
    previous: Sequence[SentenceView],
) -> list[DealMention]:
    """"AはBと契約を結んだ", or with A left unsaid, A the subject of the sentences before."""
    partners = {p.name for p in parties if p.case == "WITH"}
    subjects = {p.name for p in parties if p.case == "SUBJ"}
    if len(partners) != 1 or len(subjects) > 1:
        return []
    text = view.text
    trigger = next((t for t in triggers if t.direction == "mutual" and _CONCLUDED.match(text, t.end)), None)
    owner = subjects.pop() if subjects else _previous_subject(previous)
    partner = partners.pop()
    if trigger is None or owner is None or owner == partner:
        return []
    if _nonparty_subject(text, parties, trigger.start):
        return []
    clause = _clause_left(text, trigger.start)
    sector = default_registry().sector
    deal_type = _resolve_type(trigger, clause, text, triggers, sector(partner), sector(owner))
    source, target = _orient(deal_type, owner, partner)
    return [_amountless(view, trigger, deal_type, status, source, target, term)]


def _listed_with(
    parties: Sequence[Party], source: str | None, target: str | None, text: str, pos: int
) -> bool:
    """Whether ``target`` is listed with ``source`` by 、 ("A、B、Cの3行"): one side, not two.

    "AとBは…契約" pairs two sides of one deal and is left alone.
    """
    if source is None or target is None or target not in _co_payers(parties, source, text, pos):
        return False
    spans = [p for p in parties if p.name in (source, target) and p.start < pos]
    return bool(spans) and "、" in text[min(p.start for p in spans) : max(p.end for p in spans)]


def _no_counterparty(
    view: SentenceView, trigger: Trigger, parties: Sequence[Party], pos: int, source: str | None
) -> MetricKind | None:
    """The metric kind of money that has no counterparty however the roles read, else None.

    Sums over many deals (累計の調達額, 国内スタートアップの資金調達額), budgets for a sector
    (半導体分野へ), and spending on one's own facilities or in a country (データセンターに,
    日本に…投資) unless a company is named as the recipient or the facilities' owner.
    """
    left = _clause_left(view.text, pos)
    if _AGGREGATE.search(left):
        return "other"
    if any(p.case in ("DAT", "ADJ") for p in parties):
        return None
    if _SECTOR_RECIPIENT.search(left):
        return "other"
    if trigger.direction != "give" or trigger.deal_type != "investment":
        return None
    in_country = any(
        c.kind == "country" and c.start < pos and _PLACE_OF_SPENDING.match(view.text, c.end)
        for c in view.companies
    )
    owned_by_other = any(p.case == "GEN" and p.name != source for p in parties)  # "USスチールの設備に"
    if in_country or (_FACILITY.search(left) and not owned_by_other):
        return "capex"
    return None


def _pair_spends(trigger: Trigger, parties: Sequence[Party], pos: int) -> bool:
    """"両社は…投じる", "AとBは…拠出する": a coordinated pair spends together, nobody receives."""
    if trigger.direction != "give" or trigger.strength != 1 or any(p.case in ("DAT", "ADJ") for p in parties):
        return False
    subj = _nearest(parties, ("SUBJ",), before=pos)
    return subj is not None and _coordinated_subject(parties, subj) is not None


def _may_contain(whole: MoneyAmount | None, part: MoneyAmount) -> bool:
    """Whether ``part`` can be a share of a deal of amount ``whole`` (unknown amounts can)."""
    if whole is None or whole.value is None or part.value is None or whole.currency != part.currency:
        return True
    return whole.value > part.value


def _shift(m: MoneyAmount, by: int) -> MoneyAmount:
    return replace(m, start=m.start + by, end=m.end + by)


def _shifted_date(d: DateMention | None, by: int) -> DateMention | None:
    return None if d is None else replace(d, start=d.start + by, end=d.end + by)


def document_topic(views: Sequence[SentenceView]) -> str | None:
    """The company the document is about: the most frequent は-topic (at least three times)."""
    counts: dict[str, int] = {}
    for view in views:
        for c in view.companies:
            name = _party_name(c)
            if name is not None and _is_topic(view.text, c.end):
                counts[name] = counts.get(name, 0) + 1
    if not counts:
        return None
    name, n = max(counts.items(), key=lambda kv: kv[1])
    return name if n >= 3 else None


_TOPIC_PAYS = frozenset({"acquisition"})  # the one deal a company rarely does unnamed


def complete_from_document(deals: Sequence[DealMention], topic: str | None = None) -> list[DealMention]:
    """Fill a one-sided deal from the document's dominant relation of its known party.

    A transcript says "Nvidiaの1000億ドルの取引" long after (or before) naming the
    pair: the counterparty is the one this party deals with most in the document
    (nearest mention on ties), and a generic type takes that relation's type.
    """
    complete = [d for d in deals if d.source is not None and d.target is not None]
    out: list[DealMention] = []
    for d in deals:
        if d.amount is None or (d.source is None) == (d.target is None):
            out.append(d)
            continue
        if d.deal_type in ("bond", "equity_offering"):
            out.append(d)  # the market is the other side
            continue
        if d.trigger in _RAISE_WORDS or _GENERIC_SOURCE.search(d.evidence) or (
            d.target is None and _GENERIC_RECIPIENT.search(d.evidence)
        ):
            out.append(d)  # a raise, or a side named by its kind: nothing to fill from elsewhere
            continue
        known_is_source = d.source is not None
        # Not from the same sentence: its roles were read already ("計200億ドルを調達し、このうち
        # NVIDIAが20億ドルを出資" leaves the whole raise's payers unnamed).
        rel = [
            c for c in complete
            if (c.source if known_is_source else c.target) == (d.source or d.target)
            and c.sentence_start != d.sentence_start
        ]
        if not rel:
            if not known_is_source and topic is not None and topic != d.target and d.deal_type in _TOPIC_PAYS:
                out.append(replace(d, source=topic))  # a transcript about X: "…を買収する話も"
            else:
                out.append(d)
            continue
        counts: dict[str, int] = {}
        for c in rel:
            other = c.target if known_is_source else c.source
            assert other is not None
            counts[other] = counts.get(other, 0) + 1
        best = max(counts.values())
        tied = [c for c in rel if counts[(c.target if known_is_source else c.source) or ""] == best]
        nearest = min(tied, key=lambda c: abs(c.sentence_start - d.sentence_start))
        other = nearest.target if known_is_source else nearest.source
        deal_type = nearest.deal_type if d.deal_type == "other" else d.deal_type
        if known_is_source:
            out.append(replace(d, target=other, deal_type=deal_type))
        else:
            out.append(replace(d, source=other, deal_type=deal_type))
    return out
