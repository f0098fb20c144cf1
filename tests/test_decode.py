"""Tests for torihiki.ingest.decode: bytes → text, never mojibake."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from torihiki.errors import BinaryInputError, DecodeError, EmptyDocumentError, TorihikiError
from torihiki.ingest.decode import decode_bytes, normalize_charset, sniff_html_charset

ARTICLE = "髙島屋と山﨑製パン㈱は２４日、①資本提携②共同出資で合意したと発表した。出資額は約１００億円。"
SHORT = "楽天グループは携帯事業の黒字化を目指す。"
EUC_TEXT = "みずほ銀行は再生可能エネルギー事業に３０００億円を融資すると明らかにした。"
JIS_TEXT = "三井住友フィナンシャルグループは海外銀行への出資比率を引き上げた。"
ASCII_CP932 = (
    "Tokyo, Sept. 24 -- ABC Holdings (ABC㈱) said it would acquire XYZ Corp. "
    "for 12 billion yen, its largest deal since 2019."
)


@pytest.mark.parametrize(
    ("name", "data", "declared", "text", "encoding"),
    [
        ("utf8", ARTICLE.encode(), None, ARTICLE, "utf-8"),
        ("utf8 bom", codecs.BOM_UTF8 + ARTICLE.encode(), None, ARTICLE, "utf-8-sig"),
        ("utf16 le bom", ARTICLE.encode("utf-16"), None, ARTICLE, "utf-16"),
        ("utf16 be bom", codecs.BOM_UTF16_BE + SHORT.encode("utf-16-be"), None, SHORT, "utf-16"),
        ("utf32 bom", SHORT.encode("utf-32"), None, SHORT, "utf-32"),
        ("cp932 declared", ARTICLE.encode("cp932"), "Shift_JIS", ARTICLE, "cp932"),
        ("cp932 as sjis", ARTICLE.encode("cp932"), "sjis", ARTICLE, "cp932"),
        ("cp932 as x-sjis", ARTICLE.encode("cp932"), "x-sjis", ARTICLE, "cp932"),
        ("cp932 as ms_kanji", ARTICLE.encode("cp932"), "MS_Kanji", ARTICLE, "cp932"),
        ("cp932 as windows-31j", ARTICLE.encode("cp932"), "Windows-31J", ARTICLE, "cp932"),
        ("cp932 as csshiftjis", ARTICLE.encode("cp932"), "csShiftJIS", ARTICLE, "cp932"),
        ("cp932 undeclared", ARTICLE.encode("cp932"), None, ARTICLE, "cp932"),
        ("cp932 mostly ascii", ASCII_CP932.encode("cp932"), None, ASCII_CP932, "cp932"),
        ("euc declared", EUC_TEXT.encode("euc_jp"), "EUC-JP", EUC_TEXT, "euc_jp"),
        ("euc undeclared", EUC_TEXT.encode("euc_jp"), None, EUC_TEXT, "euc_jp"),
        (
            "euc with circled digit",
            "①株式交換で完全子会社化".encode("euc_jis_2004"),
            "euc-jp",
            "①株式交換で完全子会社化",
            "euc_jis_2004",
        ),
        ("iso2022 declared", JIS_TEXT.encode("iso2022_jp"), "ISO-2022-JP", JIS_TEXT, "iso2022_jp"),
        ("iso2022 undeclared", JIS_TEXT.encode("iso2022_jp"), None, JIS_TEXT, "iso2022_jp"),
        (
            "utf16 le no bom",
            "NTT、1兆円を投資\n".encode("utf-16-le"),
            None,
            "NTT、1兆円を投資\n",
            "utf-16-le",
        ),
        ("ascii", b"Plain ASCII report.\n", None, "Plain ASCII report.\n", "utf-8"),
        ("ascii declared sjis", b"Plain ASCII.", "shift_jis", "Plain ASCII.", "utf-8"),
        ("latin1 label on utf8", SHORT.encode(), "iso-8859-1", SHORT, "utf-8"),
        ("crlf kept", "一行目\r\n二行目".encode(), None, "一行目\r\n二行目", "utf-8"),
    ],
)
def test_decode_table(name: str, data: bytes, declared: str | None, text: str, encoding: str) -> None:
    result = decode_bytes(data, origin=name, declared=declared)
    assert result.text == text
    assert result.encoding == encoding


def test_decode_declared_sjis_but_utf8_notes_mismatch() -> None:
    result = decode_bytes(ARTICLE.encode(), origin="page.html", declared="shift_jis")
    assert result.text == ARTICLE
    assert result.encoding == "utf-8"
    assert result.notes == ("declared charset shift_jis did not match; decoded as utf-8",)


def test_decode_declared_euc_but_cp932_is_detected() -> None:
    result = decode_bytes(ARTICLE.encode("cp932"), origin="x.html", declared="euc-jp")
    assert result.text == ARTICLE
    assert result.encoding == "cp932"
    assert any("euc-jp did not match" in note for note in result.notes)


def test_decode_euc_mislabeled_as_shift_jis() -> None:
    text = "トヨタは新型電池の量産に着手した。"
    data = text.encode("euc_jp")
    assert data.decode("cp932")  # the trap: it reads as cp932 half-width katakana
    result = decode_bytes(data, origin="x.html", declared="Shift_JIS")
    assert (result.text, result.encoding) == (text, "euc_jp")
    assert result.notes == ("declared charset shift_jis did not match; decoded as euc_jp",)


def test_decode_unknown_declared_label_is_ignored() -> None:
    result = decode_bytes(SHORT.encode(), origin="x.html", declared="x-unheard-of")
    assert result.text == SHORT
    assert "unknown declared charset" in result.notes[0]


@pytest.mark.parametrize(
    ("name", "data", "error", "reason"),
    [
        ("empty", b"", EmptyDocumentError, "empty"),
        ("blank", b" \r\n\t \n", EmptyDocumentError, "empty"),
        ("bom only", codecs.BOM_UTF8 + b"  \n", EmptyDocumentError, "whitespace"),
        ("ideographic spaces", "\u3000\u3000\n".encode(), EmptyDocumentError, "whitespace"),
        ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", BinaryInputError, "PNG"),
        ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", BinaryInputError, "PDF"),
        ("zip", b"PK\x03\x04\x14\x00\x00\x00", BinaryInputError, "ZIP"),
        ("nul bytes", b"header\x00\x00\x01\x02\x03\x00body", BinaryInputError, "NUL"),
        ("random high bytes", bytes(range(0x80, 0x100)) * 4, DecodeError, "decodes"),
        ("latin1 prose", "Café crème, déjà vu.".encode("latin-1"), DecodeError, "decodes"),
        ("bad utf8 after bom", codecs.BOM_UTF8 + b"\xff\xfe\xfd", DecodeError, "utf-8-sig"),
        (
            "control characters",
            "決算\x01\x02\x03\x04\x05\x06短信".encode(),
            DecodeError,
            "control",
        ),
        # Two bytes that are a valid (different) kanji in both cp932 and EUC-JP.
        ("ambiguous", b"Code: \xe0\xa1", DecodeError, "low confidence"),
        # Only A1-DF bytes: cp932 half-width katakana, or EUC-JP kanji pairs.
        ("halfwidth only", "ｶﾌﾞｼｷｶﾞｲｼｬ ｱｲ".encode("cp932"), DecodeError, "low confidence"),
        (
            "halfwidth longer",
            "ｶﾌﾞｼｷｶﾞｲｼｬ ｱｲｳｴ ﾃｽﾄﾃﾞｰ".encode("cp932"),
            DecodeError,
            "half-width",
        ),
        # cp932 that happens to be valid UTF-8 (﨑ア = ED 95 83 41 = 핃A).
        ("cp932 valid as utf8", "﨑ア".encode("cp932"), DecodeError, "low confidence"),
    ],
)
def test_decode_refuses(name: str, data: bytes, error: type[TorihikiError], reason: str) -> None:
    with pytest.raises(error) as info:
        decode_bytes(data, origin=f"in/{name}.txt")
    assert f"in/{name}.txt" in str(info.value)
    assert reason in info.value.reason


def test_decode_short_cp932_valid_as_utf8_uses_declaration() -> None:
    data = "﨑ア﨑ア".encode("cp932")
    assert data.decode("utf-8")  # the trap: it is valid UTF-8 too
    result = decode_bytes(data, origin="x.html", declared="Shift_JIS")
    assert (result.text, result.encoding) == ("﨑ア﨑ア", "cp932")


def test_decode_halfwidth_katakana_decodes_when_declared() -> None:
    data = "ｶﾌﾞｼｷｶﾞｲｼｬ ﾃｽﾄ".encode("cp932")
    assert decode_bytes(data, origin="x", declared="shift_jis").text == "ｶﾌﾞｼｷｶﾞｲｼｬ ﾃｽﾄ"


@pytest.mark.parametrize(
    ("head", "label"),
    [
        (b'<html><head><meta charset="Shift_JIS">', "Shift_JIS"),
        (b"<meta charset=utf-8>", "utf-8"),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP">',
            "EUC-JP",
        ),
        (b'<?xml version="1.0" encoding="windows-31j"?><html>', "windows-31j"),
        (b"<html><body>no declaration</body></html>", None),
    ],
)
def test_decode_sniff_html_charset(head: bytes, label: str | None) -> None:
    assert sniff_html_charset(head) == label


def test_decode_normalize_charset() -> None:
    assert normalize_charset(" Shift_JIS ") == "shift-jis"
    assert normalize_charset('"EUC_JP"') == "euc-jp"


# Common Japanese characters whose cp932 lead bytes are never UTF-8 lead bytes.
CP932_ALPHABET = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
    "株式会社買収出資提携発表億円兆万ドル年月日銀行電機自動車通信半導体"
    "、。「」（）・ー①②③㈱髙﨑"
    "ABCxyz0129 .,-%\n"
)


@given(st.text(alphabet=CP932_ALPHABET, min_size=1, max_size=200))
@settings(max_examples=300)
def test_decode_cp932_round_trips_or_refuses(text: str) -> None:
    data = text.encode("cp932")
    try:
        result = decode_bytes(data, origin="prop")
    except (DecodeError, EmptyDocumentError):
        return
    assert result.text == text  # never mojibake


@given(st.text(alphabet=CP932_ALPHABET + "ｱｲｳ～〜♪★", min_size=1, max_size=200))
@settings(max_examples=300)
def test_decode_utf8_round_trips(text: str) -> None:
    try:
        result = decode_bytes(text.encode(), origin="prop")
    except EmptyDocumentError:
        assert not text.strip()
        return
    except DecodeError:
        # Only a very short text may also read cleanly as cp932/EUC-JP.
        assert sum(not ch.isascii() for ch in text) < 8
        return
    assert result.text == text
    assert result.encoding == "utf-8"


@given(st.binary(max_size=300), st.sampled_from([None, "shift_jis", "euc-jp", "utf-8", "bogus"]))
@settings(max_examples=300)
def test_decode_arbitrary_bytes_never_crash(data: bytes, declared: str | None) -> None:
    try:
        result = decode_bytes(data, origin="fuzz", declared=declared)
    except TorihikiError:
        return
    assert "\ufffd" not in result.text
    assert result.text.strip()
