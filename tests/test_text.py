"""Tests for extractors.text: folding with offset maps, sentences, chunks."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.text import (
    MAX_SENTENCE_CHARS,
    SUDACHI_MAX_BYTES,
    chunk_spans,
    fold_for_nlp,
    split_sentences,
)

# Characters that exercise every rule: full-width ASCII, half-width kana with
# voiced marks, compatibility characters that must survive, terminators,
# closers, bullets, line breaks, whitespace.
JA_ALPHABET = (
    "あいうえおかがきぎ買収出資発表億円ドル株式会社"
    "ＡＢＣａｂｃ０１２３！？（）％"
    "ｱｶｷｸｹｺﾊﾋﾌﾍﾎｳﾞﾟｰ｡｢｣､･"
    "①②㈱㍿"
    "。、！？!?.「」『』）"
    "・•●■"
    " \u3000\t\n\r"
    "AZaz09-*/:"
)
ja_text = st.text(alphabet=JA_ALPHABET, max_size=400)
any_text = st.one_of(st.text(max_size=300), ja_text)


# --- fold_for_nlp ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("ＮＶＩＤＩＡ", "NVIDIA"),
        ("２０２５年９月２３日", "2025年9月23日"),
        ("（１００億円）", "(100億円)"),
        ("ｿﾌﾄﾊﾞﾝｸ", "ソフトバンク"),
        ("ｶﾞﾊﾟ", "ガパ"),
        ("ｳﾞｨｰ", "ヴィー"),
        ("株式会社　日立", "株式会社 日立"),
        ("①100億円", "①100億円"),  # NFKC would make this 1100億円
        ("㈱東芝", "㈱東芝"),
        ("５㍿", "5㍿"),
        ("ﾞ単独", "゛単独"),  # a voiced mark with nothing to combine with
        ("あﾞ", "あ゛"),
        ("｢ｺﾒﾝﾄ｣､", "「コメント」、"),
        ("", ""),
    ],
)
def test_text_fold_table(raw: str, folded: str) -> None:
    assert fold_for_nlp(raw).text == folded


def test_text_fold_maps_offsets_after_merged_voiced_marks() -> None:
    raw = "ｿﾌﾄﾊﾞﾝｸが①４００億ﾄﾞﾙを出資"
    f = fold_for_nlp(raw)
    assert f.text == "ソフトバンクが①400億ドルを出資"
    start = f.text.index("400億ドル")
    end = start + len("400億ドル")
    raw_start, raw_end = f.span_to_raw(start, end)
    assert raw[raw_start:raw_end] == "４００億ﾄﾞﾙ"
    # ﾊﾞ (two raw characters) maps to the single folded バ.
    b = f.text.index("バ")
    assert f.span_to_raw(b, b + 1) == (3, 5)


def test_text_fold_identity_map_without_length_changes() -> None:
    raw = "ＡＩ投資は　３兆円規模"
    f = fold_for_nlp(raw)
    assert [f.to_raw(i) for i in range(len(f.text) + 1)] == list(range(len(raw) + 1))


@pytest.mark.parametrize("bad", [-1, 5])
def test_text_fold_to_raw_rejects_out_of_range(bad: int) -> None:
    with pytest.raises(IndexError):
        fold_for_nlp("ｶﾞｲﾄﾞ").to_raw(bad)  # folded length 4


@given(any_text)
@settings(max_examples=300)
def test_text_fold_offsets_in_bounds_and_monotonic(raw: str) -> None:
    f = fold_for_nlp(raw)
    mapped = [f.to_raw(i) for i in range(len(f.text) + 1)]
    assert mapped[0] == 0
    assert mapped[-1] == len(raw)
    assert all(a < b for a, b in itertools.pairwise(mapped))
    assert len(f.text) <= len(raw)


@given(any_text)
def test_text_fold_is_idempotent(raw: str) -> None:
    once = fold_for_nlp(raw).text
    assert fold_for_nlp(once).text == once


@given(ja_text)
def test_text_fold_each_char_comes_from_its_raw_span(raw: str) -> None:
    f = fold_for_nlp(raw)
    for i, ch in enumerate(f.text):
        a, b = f.span_to_raw(i, i + 1)
        assert fold_for_nlp(raw[a:b]).text == ch


# --- split_sentences -----------------------------------------------------------------


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "トヨタは新工場を建設する。投資額は約２千億円だ。",
            ["トヨタは新工場を建設する。", "投資額は約２千億円だ。"],
        ),
        ("本当に実現するのか？疑問の声も多い！", ["本当に実現するのか？", "疑問の声も多い！"]),
        ("急騰した!!市場は混乱した?!次へ", ["急騰した!!", "市場は混乱した?!", "次へ"]),
        (
            "社長は「提携を進める。」と述べた。別の話題。",
            ["社長は「提携を進める。」と述べた。", "別の話題。"],
        ),
        (
            "「出資を決めた。」ところが翌日撤回した。",
            ["「出資を決めた。」", "ところが翌日撤回した。"],
        ),
        ("（詳細は後日発表する。）続報を待つ。", ["（詳細は後日発表する。）", "続報を待つ。"]),
        ("見出し\n本文の一行目\n\n  本文の二行目  ", ["見出し", "本文の一行目", "本文の二行目"]),
        ("改行\r\nのある\r文章", ["改行", "のある", "文章"]),
        (
            "・売上高は増加\n  • 営業利益は減少 • 純利益は横ばい",
            ["売上高は増加", "営業利益は減少", "純利益は横ばい"],
        ),
        ("- 第一の論点\n-5%の下落", ["第一の論点", "-5%の下落"]),
        ("ソフトバンク・グループの発表", ["ソフトバンク・グループの発表"]),
        (
            "動画 https://www.youtube.com/watch?v=abc123 を参照。",
            ["動画 https://www.youtube.com/watch?v=abc123 を参照。"],
        ),
        ("Yahoo!ファイナンスによれば株価は上昇。", ["Yahoo!ファイナンスによれば株価は上昇。"]),
        ("Is it real? Nobody knows.", ["Is it real?", "Nobody knows."]),
        ("本当か?AIは伸びる", ["本当か?", "AIは伸びる"]),  # folded from 本当か？ＡＩは
        ("勝負はAI!次に半導体", ["勝負はAI!", "次に半導体"]),
        ("ＡＩ！次の話題", ["ＡＩ！", "次の話題"]),
        ("a=1?b=2", ["a=1?b=2"]),
        ("。。。", ["。。。"]),
        ("", []),
        (" \n\u3000\n ", []),
        ("•\n■ \n", []),
    ],
)
def test_text_split_sentences_table(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_text_split_sentences_long_transcript_without_breaks() -> None:
    clause = "えーその投資の規模についてなんですけれども非常に大きな金額になっていまして、"
    transcript = clause * 200  # ~7,600 characters, no 。 and no newline
    spans = split_sentences(transcript)
    assert len(spans) > 5
    assert all(b - a <= MAX_SENTENCE_CHARS for a, b in spans)
    # Cuts fall right after a 、 rather than mid-word.
    assert all(transcript[b - 1] == "、" for _, b in spans)


def test_text_split_sentences_long_run_without_any_delimiter() -> None:
    text = "あ" * 2500
    spans = split_sentences(text)
    assert spans == [(0, 1000), (1000, 2000), (2000, 2500)]


def test_text_split_sentences_long_english_splits_on_spaces() -> None:
    text = " ".join(["revenue"] * 600)
    spans = split_sentences(text)
    assert all(b - a <= MAX_SENTENCE_CHARS for a, b in spans)
    assert all(text[a:b].strip() == text[a:b] for a, b in spans)
    words = [w for a, b in spans for w in text[a:b].split(" ")]
    assert words == ["revenue"] * 600  # no word was cut in half


@given(any_text)
@settings(max_examples=300)
def test_text_split_sentences_spans_in_bounds_and_ordered(text: str) -> None:
    spans = split_sentences(text)
    prev_end = 0
    for a, b in spans:
        assert prev_end <= a < b <= len(text)
        assert not text[a].isspace()
        assert not text[b - 1].isspace()
        assert b - a <= MAX_SENTENCE_CHARS
        prev_end = b


@given(st.text(alphabet="あ、 。\n", min_size=1000, max_size=5000))
@settings(max_examples=30)
def test_text_split_sentences_never_too_long(text: str) -> None:
    for a, b in split_sentences(text):
        assert b - a <= MAX_SENTENCE_CHARS
        assert text[a:b] == text[a:b].strip()


# --- chunk_spans ------------------------------------------------------------------------


def test_text_chunk_spans_short_text_is_one_chunk() -> None:
    assert chunk_spans("日立製作所は米企業を買収した。") == [(0, 15)]
    assert chunk_spans("") == []


def test_text_chunk_spans_cut_at_sentence_boundaries() -> None:
    sentence = "三菱商事は洋上風力発電事業に約５００億円を投じると発表した。\n"
    text = sentence * 2000  # ~186,000 bytes
    chunks = chunk_spans(text, max_bytes=40000)
    assert len(chunks) >= 5
    assert "".join(text[a:b] for a, b in chunks) == text
    for a, b in chunks:
        assert len(text[a:b].encode()) <= 40000
        assert text[a:b].endswith("\n")  # whole sentences only


def test_text_chunk_spans_hard_split_without_boundaries() -> None:
    text = "株" * 50000  # 150,000 bytes, one sentence per 1,000 chars
    chunks = chunk_spans(text, max_bytes=1000)
    assert "".join(text[a:b] for a, b in chunks) == text
    assert all(len(text[a:b].encode()) <= 1000 for a, b in chunks)


def test_text_chunk_spans_default_fits_sudachi() -> None:
    text = "①AIへの投資額は1000億ドルに達した。" * 5000
    chunks = chunk_spans(text)
    assert all(len(text[a:b].encode()) <= SUDACHI_MAX_BYTES for a, b in chunks)


def test_text_chunk_spans_rejects_tiny_limit() -> None:
    with pytest.raises(ValueError, match="at least 4"):
        chunk_spans("abc", max_bytes=3)


@given(any_text, st.integers(min_value=4, max_value=300))
@settings(max_examples=300)
def test_text_chunk_spans_join_back_under_limit(text: str, max_bytes: int) -> None:
    chunks = chunk_spans(text, max_bytes=max_bytes)
    assert "".join(text[a:b] for a, b in chunks) == text
    pos = 0
    for a, b in chunks:
        assert a == pos < b
        assert len(text[a:b].encode("utf-8", "surrogatepass")) <= max_bytes
        pos = b
    assert pos == len(text)
