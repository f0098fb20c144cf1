"""Where GiNZA could find a company the registry does not know, and the text it needs to see.

GiNZA's only job in torihiki is to propose unverified companies
(:func:`extractors.pipeline.companies_in`), and it costs about a millisecond
per token.  A name it could propose is made of name-like SudachiPy tokens:
Latin or katakana words, proper nouns, out-of-vocabulary words, or a word
followed by a corporate suffix (北斗精機, 東邦電機).  ``companies_in`` drops
every entity with hiragana, shorter than two characters or covered by the
registry, so tokens of that kind never need GiNZA.  Nor do words that are
never a company on their own (ドル, データセンター, GPU, …): a name that
contains one has another candidate beside it.

GiNZA then reads a window of :data:`CONTEXT_TOKENS` tokens on each side of
every candidate instead of the whole sentence.  Its ``tok2vec`` sees eight
tokens on each side, so the entity around a candidate is, in practice, the one
the whole sentence gives; windows of one sentence that come close are merged,
because every separate text costs GiNZA a fixed overhead of several tokens.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sudachipy import dictionary
from sudachipy import tokenizer as sudachi_tokenizer

# Tokens of context on each side of a candidate.  Four already gave GiNZA's
# whole-sentence companies on every sentence of the corpus and seeds (237
# company entities, with an empty registry) and the same records; three did
# not.  Six leaves a margin.
CONTEXT_TOKENS = 6


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_KATAKANA = re.compile(r"[ァ-ヺ]")
_LATIN = re.compile(r"[A-Za-z]")
_HIRAGANA = re.compile(r"[ぁ-ゖ]")

# Words that end a company name (北斗精機, サクラ工業, ABCキャピタル): a candidate
# together with the word before them, which on its own may be a common noun.
CORPORATE_SUFFIXES = _words(
    """
    社 株式会社 有限会社 合同会社 銀行 証券 保険 生命 信託 商事 物産 電機 精機 工業 重工 重工業 製作所
    自動車 電力 建設 不動産 通信 電気 化学 製薬 商会 興業 産業 技研 研究所 財団 機構 公庫 金庫
    ファンド キャピタル ホールディングス グループ パートナーズ テクノロジーズ
    """
)

# Common Latin and katakana words of finance and computing news that never name
# a company on their own.  Missing a word here costs time, not quality: the
# sentence still goes to GiNZA.  A name that contains one (ABCデータセンター)
# has another candidate beside it.
NOT_NAMES = _words(
    """
    AI IT CEO CFO COO CTO GPU CPU TPU HBM IPO TOB M&A LOI MOU SPV ETF ESG EV DX OS PC API SAAS LLM AGI
    GW MW KW TB PB
    ドル ユーロ ポンド ウォン ルピー
    データ データセンター センター クラウド ネオクラウド インフラ サーバー チップ ハードウェア ソフトウェア
    システム サービス プラットフォーム ネットワーク モデル エネルギー ギガワット メガワット ワット
    コンピューティング コンピュート アクセラレーター
    リース ファイナンス ローン クレジット デフォルト スワップ オプション ワラント コミットメント コミット
    デポジット ブローカー マネー ラウンド シリーズ ベンチャー スタートアップ ベンダー パートナー
    パートナーシップ プロバイダー ユーザー プロジェクト プログラム スキーム プラン ビジネス ビジネスモデル
    コスト レベル ペース ピーク バブル ブーム リスク ニュース プレスリリース アナリスト マーケット セクター
    ポートフォリオ バランスシート キャッシュ キャッシュフロー ガイダンス マシン ループ ビジョン トップ シェア
    グローバル テック テクノロジー イノベーション メーカー ライバル プレイヤー チャネル アクセス
    ライン ラック パッケージ プロセッサ プロセッサー ワークロード
    メガバンク シンジケートローン ブリッジ ブリッジローン コミットメントライン レターオブインテント
    リースバック バック コロケーション クラウドサービス クラウドコンピューティング エクイティ ディール
    アセット バリュエーション トランシェ ファシリティ 生成AI
    """
)


@dataclass(frozen=True)
class Token:
    """One SudachiPy morpheme: surface, character offsets, part of speech, out of vocabulary."""

    text: str
    start: int
    end: int
    pos: tuple[str, ...]
    oov: bool


@lru_cache(maxsize=1)
def _own_tokenizer() -> Any:
    return dictionary.Dictionary().create(mode=sudachi_tokenizer.Tokenizer.SplitMode.C)


def sudachi_for(nlp: Any) -> Any:
    """The SudachiPy tokenizer GiNZA itself uses (same dictionary, split mode C), else one of our own.

    Reusing GiNZA's keeps one dictionary per process and the same tokens the model sees.
    """
    inner = getattr(getattr(nlp, "tokenizer", None), "tokenizer", None)
    return inner if hasattr(inner, "tokenize") else _own_tokenizer()


def tokenize(text: str, sudachi: Any) -> list[Token]:
    return [
        Token(m.surface(), m.begin(), m.end(), tuple(m.part_of_speech()), bool(m.is_oov()))
        for m in sudachi.tokenize(text)
    ]


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


# The end of an address (千葉県, 港区, テキサス州): a place, never a company on its own.
_ADMINISTRATIVE = tuple("都道府県市区町村郡州")


def _a_place(token: Token) -> bool:
    """A country or an address.  Bare place names stay candidates: 日立 and 鹿島 are places too."""
    return token.pos[2:3] == ("地名",) and (token.pos[3:4] == ("国",) or token.text.endswith(_ADMINISTRATIVE))


def _name_like(token: Token) -> bool:
    if _a_place(token):
        return False
    if token.pos[1] == "固有名詞" or token.oov:
        return True
    return bool(_LATIN.search(token.text) or _KATAKANA.search(token.text))


def name_candidates(tokens: Sequence[Token], explained: Sequence[tuple[int, int]]) -> list[int]:
    """Indexes of the tokens GiNZA could make part of an unverified company name.

    ``explained`` are character spans already accounted for: registry names,
    amounts, dates.  A token there, a token with hiragana, a single character
    (a name needs two), a number or a word of :data:`NOT_NAMES` is no candidate.
    """
    found: list[int] = []
    for i, tok in enumerate(tokens):
        if not _could_be_in_a_name(tok, explained):
            continue
        if tok.text in CORPORATE_SUFFIXES:
            # A suffix makes a name only with a word before it (北斗 + 精機), not
            # after a registry name (オラクル社) or a letter (A社).
            if i > 0 and len(tokens[i - 1].text) > 1 and _could_be_in_a_name(tokens[i - 1], explained):
                found.append(i)
        elif len(tok.text) > 1 and tok.text.upper() not in NOT_NAMES and _name_like(tok):
            found.append(i)
    return found


def _could_be_in_a_name(tok: Token, explained: Sequence[tuple[int, int]]) -> bool:
    return (
        tok.pos[0] in ("名詞", "形状詞", "接頭辞", "接尾辞")
        and tok.pos[1] != "数詞"
        and not _HIRAGANA.search(tok.text)
        and not _overlaps(tok.start, tok.end, explained)
    )


def ner_windows(
    tokens: Sequence[Token], candidates: Sequence[int], context: int = CONTEXT_TOKENS
) -> list[tuple[int, int]]:
    """Character spans to send to GiNZA: ``context`` tokens either side of each candidate.

    Windows closer than ``context`` tokens are merged: a separate text costs
    GiNZA about as much as that many tokens.
    """
    merged: list[tuple[int, int]] = []
    for i in sorted(candidates):
        lo, hi = max(0, i - context), min(len(tokens) - 1, i + context)
        if merged and lo <= merged[-1][1] + context:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return [(tokens[lo].start, tokens[hi].end) for lo, hi in merged]
