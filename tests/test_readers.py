"""Tests for torihiki.ingest.readers: files → RawDocument or yielded errors."""

from __future__ import annotations

import codecs
import json
from datetime import date
from pathlib import Path

import pytest

from torihiki.errors import (
    BinaryInputError,
    DecodeError,
    EmptyDocumentError,
    InputTooLargeError,
    JsonlRecordError,
    TorihikiError,
    UnsupportedInputError,
)
from torihiki.ingest.readers import RawDocument, iter_paths, read_documents

BODY = "東芝㈱は２０日、半導体子会社の株式の一部を①国内ファンドに約３０００億円で売却すると発表した。"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def read_all(path: Path, **kwargs: int) -> list[RawDocument | TorihikiError]:
    return list(read_documents(path, **kwargs))


def read_one(path: Path) -> RawDocument:
    (doc,) = read_all(path)
    assert isinstance(doc, RawDocument), doc
    return doc


def html_page(charset: str) -> str:
    return (
        f'<html><head><meta charset="{charset}"><title>東芝の資産売却</title>'
        '<meta property="article:published_time" content="2025-11-20T15:00:00+09:00">'
        f"</head><body><nav>メニュー</nav><article><p>{BODY}</p></article></body></html>"
    )


def test_readers_cp932_html_with_shift_jis_meta(tmp_path: Path) -> None:
    path = write(tmp_path / "sjis.html", html_page("Shift_JIS").encode("cp932"))
    doc = read_one(path)
    assert doc.text == BODY
    assert "㈱" in doc.text and "①" in doc.text
    assert doc.title == "東芝の資産売却"
    assert doc.published == date(2025, 11, 20)
    assert (doc.content_type, doc.encoding) == ("html", "cp932")
    assert doc.origin == doc.source_path == str(path)


def test_readers_html_declared_sjis_but_utf8(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path / "mislabeled.html", html_page("Shift_JIS")))
    assert doc.text == BODY
    assert doc.encoding == "utf-8"
    assert doc.notes == ("declared charset shift_jis did not match; decoded as utf-8",)


def test_readers_utf8_with_and_without_bom_identical(tmp_path: Path) -> None:
    text = f"見出し\r\n\r\n{BODY}\r\n二段落目。\r最終行\n"
    plain = read_one(write(tmp_path / "a.txt", text))
    bom = read_one(write(tmp_path / "b.txt", codecs.BOM_UTF8 + text.encode()))
    sjis = read_one(write(tmp_path / "c.txt", text.encode("cp932")))
    assert plain.text == bom.text == sjis.text == f"見出し\n\n{BODY}\n二段落目。\n最終行\n"
    assert (plain.encoding, bom.encoding, sjis.encoding) == ("utf-8", "utf-8-sig", "cp932")
    assert plain.content_type == "text"
    assert plain.title is None and plain.published is None


def test_readers_markdown_is_plain_text(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path / "note.MD", "# 見出し\n\n- 項目\n"))
    assert doc.text == "# 見出し\n\n- 項目\n"
    assert doc.content_type == "text"


def test_readers_jsonl_one_bad_line(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "id": "a1",
                "title": "記事A",
                "published": "2025-09-23",
                "text": "NECは防衛事業の拡大に向け\r\n５００億円を投資する。",
            },
            ensure_ascii=False,
        ),
        '{"id": "a2", "text": "閉じていない',
        json.dumps(
            {
                "url": "https://example.jp/news/3",
                "html": "<p>記事C</p><p>第二段落</p>",
                "published": "2025-09-24T07:00:00+09:00",
            },
            ensure_ascii=False,
        ),
        "",
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": 7, "title": "本文なし"}, ensure_ascii=False),
        json.dumps({"text": "記事E", "published": "先週"}, ensure_ascii=False),
        json.dumps({"id": "x", "text": 42}),
        json.dumps({"text": "  \n "}),
    ]
    path = write(tmp_path / "batch.jsonl", "\n".join(lines) + "\n")
    results = read_all(path)
    assert len(results) == 8  # the blank line is skipped

    first, bad, third, not_obj, no_text, fifth, bad_type, empty = results
    assert isinstance(first, RawDocument)
    assert first.origin == f"{path}#a1"
    assert first.text == "NECは防衛事業の拡大に向け\n５００億円を投資する。"
    assert (first.title, first.published) == ("記事A", date(2025, 9, 23))
    assert (first.content_type, first.source_path) == ("jsonl", str(path))

    assert isinstance(bad, JsonlRecordError)
    assert f"{path}#2" in str(bad) and "invalid JSON" in bad.reason

    assert isinstance(third, RawDocument)
    assert third.origin == "https://example.jp/news/3"
    assert third.text == "記事C\n\n第二段落"
    assert third.published == date(2025, 9, 24)

    assert isinstance(not_obj, JsonlRecordError) and f"{path}#5" in str(not_obj)
    assert isinstance(no_text, JsonlRecordError) and "neither 'text' nor 'html'" in no_text.reason

    assert isinstance(fifth, RawDocument)
    assert fifth.origin == f"{path}#7"  # no id, no url: the line number
    assert fifth.published is None
    assert "unparseable published" in fifth.notes[0]

    assert isinstance(bad_type, JsonlRecordError) and "'text' must be a string" in bad_type.reason
    assert isinstance(empty, JsonlRecordError) and "empty text" in empty.reason


def test_readers_jsonl_keeps_line_separator_inside_strings(tmp_path: Path) -> None:
    record = json.dumps({"id": 1, "text": "前半\u2028後半"}, ensure_ascii=False)
    doc = read_one(write(tmp_path / "ls.jsonl", record))
    assert doc.text == "前半\u2028後半"
    assert doc.origin == f"{tmp_path / 'ls.jsonl'}#1"


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("empty.txt", b"", EmptyDocumentError),
        ("blank.md", b"\n \r\n\t", EmptyDocumentError),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), BinaryInputError),
        ("garbage.txt", bytes(range(0x80, 0x100)), DecodeError),
        ("scripts-only.html", b"<html><body><script>x()</script></body></html>", EmptyDocumentError),
        ("empty.jsonl", b"", EmptyDocumentError),
    ],
)
def test_readers_yield_errors(tmp_path: Path, name: str, data: bytes, error: type[TorihikiError]) -> None:
    path = write(tmp_path / name, data)
    (result,) = read_all(path)
    assert isinstance(result, error)
    assert str(path) in str(result)


def test_readers_oversized_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "big.txt", "大型買収の記事。" * 100)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("content must not be read")

    monkeypatch.setattr(Path, "open", no_open)
    (result,) = read_all(path, max_bytes=1000)
    assert isinstance(result, InputTooLargeError)
    assert "exceeds the limit of 1000" in result.reason


def test_readers_unsupported_and_missing(tmp_path: Path) -> None:
    (result,) = read_all(write(tmp_path / "deck.pdf", b"%PDF-1.4"))
    assert isinstance(result, UnsupportedInputError)
    (missing,) = read_all(tmp_path / "gone.txt")
    assert isinstance(missing, UnsupportedInputError)


def test_readers_iter_paths_recurses_sorted_skipping_hidden(tmp_path: Path) -> None:
    for rel in [
        "b.txt",
        "a.html",
        "sub/c.jsonl",
        "sub/deeper/d.htm",
        "sub/e.md",
        "z.csv",
        ".hidden.txt",
        ".git/config.txt",
        "sub/.cache/f.txt",
        "UPPER.TXT",
    ]:
        write(tmp_path / rel, "内容")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_paths([tmp_path])]
    assert found == ["UPPER.TXT", "a.html", "b.txt", "sub/c.jsonl", "sub/deeper/d.htm", "sub/e.md"]


def test_readers_iter_paths_explicit_files_and_duplicates(tmp_path: Path) -> None:
    a = write(tmp_path / "a.txt", "A")
    b = write(tmp_path / "d" / "b.txt", "B")
    assert list(iter_paths([a, str(b), tmp_path / "d", a])) == [a, b]


def test_readers_iter_paths_refuses_unknown_explicit_extension(tmp_path: Path) -> None:
    path = write(tmp_path / "report.docx", b"PK")
    with pytest.raises(UnsupportedInputError, match=r"report\.docx"):
        list(iter_paths([path]))
    with pytest.raises(UnsupportedInputError, match="no such file"):
        list(iter_paths([tmp_path / "nothing.txt"]))


def test_readers_directory_batch_continues_after_bad_files(tmp_path: Path) -> None:
    write(tmp_path / "1_good.txt", BODY)
    write(tmp_path / "2_empty.txt", b"")
    write(tmp_path / "3_binary.txt", b"\x00\x01\x02\x03")
    write(tmp_path / "4_good.html", html_page("utf-8"))
    results = [r for p in iter_paths([tmp_path]) for r in read_documents(p)]
    kinds = [type(r).__name__ for r in results]
    assert kinds == ["RawDocument", "EmptyDocumentError", "BinaryInputError", "RawDocument"]
