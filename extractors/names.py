"""Company names the registry does not know and GiNZA may miss, found by their shape.

Japanese news marks a foreign company by a one-character nationality prefix
(米グリーンヒル, 英Wayve, 独シーメンス) and writes most foreign names in Latin
script (VMware, Wayve).  GiNZA labels many of these as products or misses them,
so these shapes are taken as unverified companies when a case particle follows:

- a nationality prefix and a Latin or katakana word: ``米グリーンヒルを``;
- the kind of company, then its name: ``投資銀行グリーンヒルを``, ``ノンバンクのフラートン・インディアを``;
- a speaker saying so: ``ハイレゾっていう会社に``;
- katakana words joined by ・: ``コア・サイエンティフックを``;
- a capitalised Latin word (or a few) standing as a party: ``VMwareを``.

Everyday words of the domain (ドル, GPU, データセンター …, see
:data:`extractors.candidates.NOT_NAMES`) and names the registry already knows
are never proposed.  Pure functions over one sentence; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.candidates import NOT_NAMES
from extractors.types import CompanyMention

# The particles (and 社) that let a name stand as a party.
_PARTY_TAIL = r"(?=社|は|が|に|を|と|の|から|へ|や|、|も|による|傘下)"
_LATIN_NAME = r"[A-Z][A-Za-z0-9&\-]*[A-Za-z0-9](?:[ .][A-Z][A-Za-z0-9&\-]*[A-Za-z0-9])*"
_KATAKANA_NAME = r"[ァ-ヺ][ァ-ヺー・]*[ァ-ヺー]"
_NATIONALITY = r"(?<![一-龥々ァ-ヺA-Za-z])(?:米|英|独|仏|中|韓|台|豪|加|印|蘭|伊|露|瑞|欧|スイス|イスラエル)"

NATIONALITY_NAME = re.compile(rf"{_NATIONALITY}(?P<name>{_LATIN_NAME}|{_KATAKANA_NAME}){_PARTY_TAIL}")
# Latin words alone only where a party stands (を, に, から, が, は): "TexasとWisconsinの" are places.
LATIN_PARTY = re.compile(rf"(?<![A-Za-z0-9])(?P<name>{_LATIN_NAME})(?=社|を|に|から|が|は|による|傘下)")
# "投資銀行グリーンヒルを", "ノンバンクのフラートン・インディアを", "企業ウィズを": a name after
# the kind of company it is.
_KIND = (
    r"(?:銀行|投資銀行|証券|ファンド|投資ファンド|企業|会社|大手|新興|同業|ノンバンク|スタートアップ"
    r"|運営会社|子会社)"
)
DESCRIBED_NAME = re.compile(rf"{_KIND}の?(?P<name>{_LATIN_NAME}|{_KATAKANA_NAME}){_PARTY_TAIL}")
# "ハイレゾっていう会社に", "Xという企業": the speaker says it is a company.
CALLED_COMPANY = re.compile(
    rf"(?P<name>{_LATIN_NAME}|{_KATAKANA_NAME})"
    r"(?=(?:っていう|という)(?:[^、。はがをに]{0,12}?の)?(?:会社|企業|スタートアップ|ファンド))"
)
# "コア・サイエンティフックを", "ウェイツ・アンド・バイアシズっていう": several foreign words joined
# by ・ are a name far more often than a common noun.
JOINED_NAME = re.compile(rf"(?<![ァ-ヺー・])(?P<name>[ァ-ヺ][ァ-ヺー]+(?:・[ァ-ヺ][ァ-ヺー]+)+){_PARTY_TAIL}")

# Latin words that stand as a party in news but are not companies.
_NOT_LATIN_PARTIES = frozenset({"CHIPS", "NASDAQ", "Nasdaq", "NYSE", "SEC", "FRB", "Fed", "EU", "US", "USA"})
# Katakana words after 米/英 that are places, currencies or titles.
_NOT_KATAKANA = re.compile(
    r"ドル|ポンド|ユーロ|州$|大統領|首相|政権|国債|市場$|^データ・?センター$"
    r"|^(?:メディア|マスコミ|メーカー|テレビ|スーパー|コンビニ|ゲーム|アプリ|サイト|ネット|ファンド|チーム)$"
)


# Words that end company names but are not names on their own.
_NOT_ALONE = frozenset(
    {
        "グループ", "ホールディングス", "ファンド", "パートナーズ", "キャピタル", "ファイナンス", "バンク",
        "ベンチャーズ", "インベストメント", "テクノロジーズ", "コーポレーション",
    }
)


def _plausible(name: str) -> bool:
    if name in NOT_NAMES or name.upper() in NOT_NAMES or name in _NOT_LATIN_PARTIES or name in _NOT_ALONE:
        return False
    if name.isascii():
        # All capitals of two or three letters are mostly acronyms of things (GPU, LLM, EPS).
        return len(name) >= 3 and not (name.isupper() and len(name) <= 3)
    return len(name) >= 3 and not _NOT_KATAKANA.search(name)


def rule_names(text: str, taken: Sequence[tuple[int, int]] = ()) -> list[CompanyMention]:
    """Unverified companies by shape in ``text``, outside the ``taken`` spans (registry matches)."""
    found: list[CompanyMention] = []
    spans = list(taken)
    for pattern in (NATIONALITY_NAME, DESCRIBED_NAME, CALLED_COMPANY, JOINED_NAME, LATIN_PARTY):
        for m in pattern.finditer(text):
            start, end = m.span("name")
            name = m["name"]
            if any(start < e and s < end for s, e in spans) or not _plausible(name):
                continue
            found.append(CompanyMention(start, end, name, name, "company", verified=False, source="rule"))
            spans.append((start, end))
    found.sort(key=lambda c: c.start)
    return found


def with_rule_names(text: str, found: Sequence[CompanyMention]) -> list[CompanyMention]:
    """``found`` (registry matches) plus the names :func:`rule_names` sees around them, in text order."""
    extra = rule_names(text, [(c.start, c.end) for c in found])
    return sorted([*found, *extra], key=lambda c: (c.start, c.end))
