"""Word tables for deal triggers, non-deal money (metrics) and status.

Patterns are data plus small typed functions: change a table, and the
extractor version changes with it (it hashes this package).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from extractors.types import DealStatus, DealType, MetricKind

# How the grammatical subject relates to the money:
#   give     — the subject pays / invests / lends (AはBに投資)
#   receive  — the subject receives (BはAから受け取った, 借り入れた)
#   buy      — the subject buys from / contracts with a provider (AはBから購入, Bを買収)
#   sell     — the subject sells / provides to a customer (AはBに販売)
#   issue    — the subject issues securities to the market (社債, 増資)
#   mutual   — a partnership or contract between parties (AとBが提携)
Direction = Literal["give", "receive", "buy", "sell", "issue", "mutual"]


@dataclass(frozen=True)
class Trigger:
    start: int
    end: int
    text: str
    deal_type: DealType | None  # None: generic (契約, 支払う) — typed from context
    direction: Direction
    strength: int  # 2 = names the transaction, 1 = generic verb


def _t(
    pattern: str, deal_type: DealType | None, direction: Direction, strength: int = 2
) -> tuple[re.Pattern[str], DealType | None, Direction, int]:
    return re.compile(pattern), deal_type, direction, strength


# Order matters only for overlaps: earlier rows win at the same position.
TRIGGERS = [
    _t(r"リースバック|セール・?アンド・?リースバック", "lease", "buy"),
    _t(
        r"株式公開買い?付け?|TOB|MBO|LBO|買収|経営統合|子会社化|傘下に(?:収め|入れ)|取得",
        "acquisition",
        "buy",
    ),
    _t(
        r"転換社債型新株予約権付社債|新株予約権付社債|転換社債|社債|債券|起債|ボンド|CB(?![A-Za-z])"
        r"|(?:債務|負債|債)(?:証書)?を?発行",
        "bond",
        "issue",
    ),
    _t(
        r"増資|公募|株式(?:の)?売り?出し|新株|株式(?:を)?(?:売却|投棄|放出)|IPO|新規株式公開"
        r"|上場(?=し|する|に(?:伴|合わせ|あわせ)|時に)",
        "equity_offering",
        "issue",
    ),
    _t(r"融資枠|コミットメント・?ライン|融資を受け|借り換え|(?:ブリッジ)?ローン", "loan", "receive"),
    _t(r"売り出|売出し", "equity_offering", "issue"),
    _t(r"助成|補助金|補助", "other", "give"),  # "…から助成を受ける" turns round (deals._RECEIVED)
    _t(r"支援", "other", "give", 1),  # "ラピダスには国が1兆円超を支援": funding without a kind
    _t(r"融資|貸し?付け|貸出し?|クレジット(?:・)?ライン|与信", "loan", "give"),
    _t(r"借り?入れ|借入|借りる|借りた|借りて|借り受け", "loan", "receive"),
    # 投資家/投資会社 are people and firms, not the act of investing.
    _t(
        r"出資|投資(?!家|会社|銀行|ファンド|先|判断|対象)|資本参加|資本提携|注入|資金提供|(?:株式|株)を?保有",
        "investment",
        "give",
    ),
    _t(r"資金調達|調達ラウンド|ラウンド", "investment", "receive", 1),
    _t(r"貸し出|貸与", "lease", "sell"),
    _t(r"リース", "lease", "buy"),
    _t(
        r"クラウド(?:サービス)?契約|計算能力|コンピューティング(?:能力|容量|契約)?|演算能力|クラウド容量|"
        r"処理能力|データ・?センター(?:の)?(?:利用|容量)|GPUクラスター|インフラ(?:整備|契約)",
        "compute_contract",
        "buy",
        1,
    ),
    _t(r"購入|買い取|買い入れ|買う|買った|買っ|発注|導入", "purchase", "buy"),
    _t(r"販売|売却|売った|売る|供給|納入|受注|売れ", "purchase", "sell"),
    _t(r"受け取|受領|獲得|集め|調達|手に(?:し|入れ)", None, "receive", 1),
    _t(
        r"注ぎ込|つぎ込|投じ|拠出|払い込|払込|(?<=[をがルン円ド])出(?:す|し)|(?<=[をルン円ド])入れ(?:る|た|て)",
        "investment",
        "give",
        1,
    ),
    _t(r"支払|払う|払っ|費や|負担|コミット|約束", None, "give", 1),
    _t(r"提携|パートナーシップ|協業|合弁|共同事業|枠組み", "partnership", "mutual", 1),
    _t(r"契約|合意|締結|取引|ディール|提供", None, "mutual", 1),
]

# Clause-level cues that say the money buys computing capacity.
COMPUTE_CUE = re.compile(
    r"クラウド|計算|コンピューティング|演算|処理能力|データ・?セ(?:ン)?ター|インフラ|GPU(?:クラスター|容量)|容量|Azure|AWS"
)
# Narrower: the thing bought is capacity itself ("クラウドの容量を買い取る").
CAPACITY_CUE = re.compile(
    r"クラウド|計算能力|計算資源|計算契約|コンピューティング|演算能力|処理能力|容量|Azure"
)
CHIP_CUE = re.compile(r"チップ|GPU|半導体|プロセッサ|アクセラレータ|サーバー|システム|製品|ライセンス")


def find_triggers(text: str) -> list[Trigger]:
    found: list[Trigger] = []
    taken: list[tuple[int, int]] = []
    for pattern, deal_type, direction, strength in TRIGGERS:
        for m in pattern.finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            found.append(Trigger(s, e, m.group(), deal_type, direction, strength))
    found.sort(key=lambda t: t.start)
    return found


# --- metrics ------------------------------------------------------------

METRIC_CUES: list[tuple[MetricKind, re.Pattern[str]]] = [
    ("market_cap", re.compile(r"時価総額|市場価値")),
    ("valuation", re.compile(r"評価額|企業価値|バリュエーション|評価され")),
    (
        "revenue",
        re.compile(
            r"売上|売り上げ|収益|収入|稼い|稼ぐ|稼ぎ|経常収益|ARR|営業利益|純利益|利益|黒字|受注残|RPO|残存履行義務"
            r"|売却益|評価益|差益|益を計上"
        ),
    ),
    ("loss", re.compile(r"損失|赤字|純損|失う|失っ|失い|燃や|燃焼|資金消費|バーン")),
    ("cash", re.compile(r"現金|手元資金|有価証券|キャッシュ|現預金")),
    ("debt_outstanding", re.compile(r"負債|借金|債務|有利子|融資残高|貸出残高|残高")),
    ("capex", re.compile(r"設備投資|資本支出|資本的支出|CAPEX|capex|Capex")),
    ("buyback", re.compile(r"自社株買い|自社株")),
    ("other", re.compile(r"注文|応募|需要|市場規模|市場は|市場が|(?:補助金|予算|基金|支援)の?総額")),
    ("funding_need", re.compile(r"不足|資金需要|必要な資金|必要とな|足りな|ギャップ|穴")),
    ("cost", re.compile(r"費用|コスト|経費|支出|かかる|かかっ|建設費|訓練費|値段|価格")),
]

HYPOTHETICAL = re.compile(
    # (?<!か): the もし of かもしれない is not "if".
    r"(?<!か)もし|仮に|例えば|たとえば|としたら|だとしたら|ならば|はずはない|はずがない|できるわけがない|どうして"
    r"|(?:た|ない|なかった|れば)場合"
)


_CURRENCY_WORD = re.compile(r"ドル|円|ユーロ|ポンド|元")
# A bank's or company's size: "総資産は約22兆円、貸出金は約15兆円".
BALANCE_SHEET = re.compile(r"総資産|純資産|貸出金|預金量|預金残高|資本金|運用資産")


def _as_topic(pattern: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(rf"(?:{pattern.pattern})[^はがを]{{0,3}}(?:は|が|も|を)")


# A metric noun as its clause's topic or object; of the "other" cues only balance-sheet
# figures (the rest, 注文 or 需要, are too weak to claim a whole clause).
_TOPIC_CUES: list[tuple[MetricKind, re.Pattern[str]]] = [
    *((kind, _as_topic(pattern)) for kind, pattern in METRIC_CUES if kind != "other"),
    ("other", _as_topic(BALANCE_SHEET)),
]


def metric_kind_near(text: str, start: int, end: int, window: int = 10) -> MetricKind | None:
    """The metric kind whose cue is attached to the amount at [start, end), if any.

    Only the clause around the amount counts: a cue before it (up to ``window``
    characters, stopping at punctuation) or right after it (``の売上``).
    """
    left = text[max(0, start - window) : start]
    for stop in ("、", "。", "，", ",", "（", "("):
        idx = left.rfind(stop)
        if idx >= 0:
            left = left[idx + 1 :]
    clause = text[: start]
    clause = clause[max(clause.rfind("、"), clause.rfind("。")) + 1 :]
    for kind, topic in _TOPIC_CUES:
        # "キオクシアの有利子負債は昨年12月末時点で約1兆1000億円あり": the clause's topic
        if topic.search(clause):
            return kind
    right = text[end : end + 8]
    right_m = re.match(r"(?:以上|超|強|程度|規模|相当|分)?(?:もの|の|に上る|に達する|に達した|を)?", right)
    tail = right[right_m.end() if right_m else 0 :]
    if re.match(r"という(?:数字|数値|額|金額)", right):
        return "other"  # "1.4兆ドルという数字": the figure itself is the topic
    for kind, pattern in METRIC_CUES:
        cue = pattern.search(left)
        if cue and kind == "debt_outstanding" and re.search(r"で|により|による", left[cue.end() :]):
            cue = None  # "債務と株式で200億ドルを調達": debt is how money is raised, not owed
        if cue and _CURRENCY_WORD.search(left, cue.end()):
            cue = None  # "企業価値2千億ドルで100億ドル調達": the cue belongs to the amount before
        if cue or pattern.match(tail):
            return kind
    return None


def metric_kind_in(text: str) -> MetricKind:
    for kind, pattern in METRIC_CUES:
        if pattern.search(text):
            return kind
    return "other"


# --- status -------------------------------------------------------------

STATUS_CUES: list[tuple[DealStatus, re.Pattern[str]]] = [
    (
        "denied_or_doubted",
        re.compile(
            r"疑問|疑わし|実現しない|頓挫|本物ではない|ふりを|否定|撤回|白紙|破談|見送|どこにある|幻想|架空"
        ),
    ),
    ("letter_of_intent", re.compile(r"意向書|基本合意|覚書|LOI|趣意書")),
    (
        "rumored",
        re.compile(
            r"噂|うわさ|関係者によると|関係筋|観測|交渉中|協議中|協議している|検討中|と伝え"
            # a media outlet reporting (not quoted: "ブルームバーグは「…」と報じた" is commentary)
            r"|(?:[米英独仏日]?(?:紙|誌|通信|メディア)|ロイター|ブルームバーグ|WSJ|FT|CNBC)"
            r"[^、。「」がは]{0,20}(?:(?:が|は)[^。「」]{0,60}?報じ|によると|によれば)"
        ),
    ),
    ("planned", re.compile(r"予定|計画|見込み|見通し|方針|目指|めざ|検討|する考え|つもり|へ向け|に向けて")),
    ("announced", re.compile(r"発表|約束|合意|報じ|コミット|明らかに|公表|表明")),
    (
        "completed",
        re.compile(
            r"締結し|受け取っ|受け取り|受領し|支払っ|支払い済|費やし|費やして|投資し|出資し|買収し|購入し|取得し|"
            r"保有し|集め|完了|実施し|調達し|借り入れ|融資し|売れ|契約をしてい|契約している|リースしてい|払ってい|払った"
        ),
    ),
]


# A transaction verb in the past or perfect ("契約を結んだ", "社債を発行しました", "払い込んでいる"):
# it happened, even when the sentence goes on "…と発表した" or names a plan elsewhere.
DONE = re.compile(
    r"(?:結ん|締結し|発行し|払い込ん|払い込み|設定し|成立し|完了し|実施し|実行し|取得し|買収し|出資し|投資し|"
    r"集め|調達し|受け取っ|受け取り|受領し|受け入れ|受け|支払っ|払っ|売却し|手にし|手に入れ|借り入れ|借り|主導し|"
    r"注ぎ込ん|注ぎ込み|(?<!打ち)(?<!引き)(?<!差し)(?<!貸し)(?<!送り)(?<!見)(?<!提)出し|購入し|買っ|リースし|引き受け|上乗せされ|成功し|終え|終わっ)"
    r"(?:た|だ|ました|ている|でいる|ています|でいます|てる|でる|てます|でます|ていた|でいた|ており|でおり"
    r"|てきた|済み)"
)
_BEFORE_DONE = ("denied_or_doubted", "letter_of_intent", "rumored")


def status_of(text: str, clause: str | None = None) -> DealStatus | None:
    """The status cue of a sentence; a done transaction verb counts only in ``clause`` when given
    (the amount's own clause: "出資しており、6億ドルを投じると発表" announces the second)."""
    done = DONE.search(text if clause is None else clause)
    for status, pattern in STATUS_CUES:
        if status not in _BEFORE_DONE and done:
            return "completed"
        if pattern.search(text):
            return status
    return "completed" if done else None
