"""Tests for torihiki.ingest.html: main text, title, date, deep nesting."""

from __future__ import annotations

import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from torihiki.errors import HtmlExtractionError
from torihiki.ingest import html as html_mod
from torihiki.ingest.html import extract_html, parse_published

PAGE = """<!DOCTYPE html>
<html lang="ja"><head>
<meta charset="utf-8">
<title>経済ニュース | サンプル新聞</title>
<meta property="og:title" content="日立、欧州の鉄道信号会社を買収">
<meta property="article:published_time" content="2025-10-02T09:30:00+09:00">
<script>var ad = "<p>スクリプト内の文字</p>";</script>
<style>p { color: red }</style>
</head>
<body class="page has-sidebar">
<header><nav><a href="/">トップ</a> <a href="/biz">経済</a></nav></header>
<div class="ad-slot">ここに広告が入ります</div>
<main>
<article>
<h1>日立、欧州の鉄道信号会社を買収</h1>
<p>日立製作所は２日、欧州の鉄道信号大手を
約２５００億円で買収すると発表した。</p>
<p>買収は来年３月までに完了する見通し。</p>
<ul><li>買収額：約２５００億円</li><li>完了予定：２０２６年３月</li></ul>
<div class="share-buttons">Xでシェア</div>
</article>
<aside class="ranking">よく読まれている記事</aside>
</main>
<footer>Copyright サンプル新聞</footer>
</body></html>
"""


def test_html_extracts_article_paragraphs_and_metadata() -> None:
    doc = extract_html(PAGE, origin="page.html")
    assert doc.title == "日立、欧州の鉄道信号会社を買収"
    assert doc.published == date(2025, 10, 2)
    assert doc.text == (
        "日立、欧州の鉄道信号会社を買収\n\n"
        "日立製作所は２日、欧州の鉄道信号大手を約２５００億円で買収すると発表した。\n\n"
        "買収は来年３月までに完了する見通し。\n\n"
        "買収額：約２５００億円\n"
        "完了予定：２０２６年３月"
    )


@pytest.mark.parametrize(
    "unwanted",
    ["スクリプト", "color", "トップ", "広告", "シェア", "よく読まれて", "Copyright"],
)
def test_html_drops_chrome(unwanted: str) -> None:
    assert unwanted not in extract_html(PAGE, origin="page.html").text


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("<p>NVIDIA</p><p>OpenAI</p>", "NVIDIA\n\nOpenAI"),
        ("<div>NVIDIA</div><div>OpenAI</div>", "NVIDIA\n\nOpenAI"),
        ("<h2>見出し</h2>本文が続く", "見出し\n\n本文が続く"),
        ("一行目<br>二行目<br/>三行目", "一行目\n二行目\n三行目"),
        ("段落A<br><br><br>段落B", "段落A\n\n段落B"),
        ("<ul><li>ソフトバンク</li><li>オラクル</li></ul>", "ソフトバンク\nオラクル"),
        ("<ol><li>一</li></ol><p>後</p>", "一\n\n後"),
        (
            "<table><tr><td>売上高</td>\n<td>１兆円</td></tr><tr><td>純利益</td><td>500億円</td></tr></table>",
            "売上高 １兆円\n純利益 500億円",
        ),
        ("<p>米国の\n  半導体大手</p>", "米国の半導体大手"),  # source wrap inside Japanese
        ("<p>Tokyo\n  Electron</p>", "Tokyo Electron"),
        ("<p>複数の   空白\t\tと&nbsp;&nbsp;NBSP</p>", "複数の 空白 と NBSP"),
        ("<p><span>日本</span><b>製鉄</b>が</p>", "日本製鉄が"),
        ("<p>漢字<ruby>表記<rt>ひょうき</rt></ruby>を残す</p>", "漢字表記を残す"),
        ("<pre>行1\n  行2 インデント</pre>", "行1\n  行2 インデント"),
        ("<p>表示</p><p hidden>非表示</p><p style='display:none'>隠し</p>", "表示"),
        ("<p>前<!-- コメント -->後</p>", "前後"),
        ("<p>&lt;株&gt; &amp; ①</p>", "<株> & ①"),
        ("<form><input value='検索'>検索</form><p>本文</p>", "本文"),
        ("<iframe>外部</iframe><noscript>JS無効</noscript><p>本文</p>", "本文"),
    ],
)
def test_html_block_layout(body: str, text: str) -> None:
    assert extract_html(f"<html><body>{body}</body></html>", origin="t").text == text


def test_html_prefers_largest_article() -> None:
    page = (
        "<body><article><p>関連：短い記事</p></article>"
        "<article><p>トヨタ自動車は電池工場に１兆円を投資すると発表した。詳細は後日。</p></article>"
        "<p>本文外の文章</p></body>"
    )
    assert extract_html(page, origin="t").text == (
        "トヨタ自動車は電池工場に１兆円を投資すると発表した。詳細は後日。"
    )


def test_html_uses_main_without_article() -> None:
    page = "<body><div>サイト共通の文言</div><main><p>本文だけ</p></main></body>"
    assert extract_html(page, origin="t").text == "本文だけ"


def test_html_class_marked_block_that_is_most_of_the_page_is_kept() -> None:
    # "js-share-target" looks like a share widget, but it holds the whole article.
    page = (
        "<body><div class='js-share-target'><p>ＫＤＤＩはローソンへの出資比率を"
        "引き上げると発表した。取得額は約５０００億円。</p></div>"
        "<div class='ad'>広告</div></body>"
    )
    assert extract_html(page, origin="t").text == (
        "ＫＤＤＩはローソンへの出資比率を引き上げると発表した。取得額は約５０００億円。"
    )


@pytest.mark.parametrize(
    ("head", "title"),
    [
        ('<meta property="og:title" content=" OGの題名 "><title>タイトル</title>', "OGの題名"),
        ("<title>\n  タイトル要素\n  </title>", "タイトル要素"),
        ("", "本文の見出し"),
    ],
)
def test_html_title_sources(head: str, title: str) -> None:
    page = f"<html><head>{head}</head><body><h1>本文の<br>見出し</h1><p>本文</p></body></html>"
    expected = "本文の 見出し" if not head else title
    assert extract_html(page, origin="t").title == expected


def test_html_title_none_when_absent() -> None:
    assert extract_html("<p>本文のみ</p>", origin="t").title is None


@pytest.mark.parametrize(
    ("head", "body", "published"),
    [
        ('<meta property="article:published_time" content="2025-09-23T08:00:00Z">', "", date(2025, 9, 23)),
        ('<meta property="og:published_time" content="2025-01-05">', "", date(2025, 1, 5)),
        (
            '<meta property="og:article:published_time" content="2024-12-31T23:59:59+09:00">',
            "",
            date(2024, 12, 31),
        ),
        ('<meta name="date" content="2025/04/01">', "", date(2025, 4, 1)),
        ('<meta name="pubdate" content="20250402">', "", date(2025, 4, 2)),
        ('<meta name="PublishDate" content="2025年4月3日">', "", date(2025, 4, 3)),
        ("", '<time datetime="2025-05-06T10:00">5月6日</time>', date(2025, 5, 6)),
        (
            '<script type="application/ld+json">'
            '{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},'
            '{"@type":"NewsArticle","datePublished":"2025-07-08T06:00:00+09:00"}]}</script>',
            '<time datetime="2020-01-01">関連記事</time>',
            date(2025, 7, 8),
        ),
        ('<script type="application/ld+json">{broken json</script>', "", None),
        ('<meta name="date" content="not a date">', "", None),
        ('<meta name="date" content="2025-02-30">', "", None),
        ("", "", None),
    ],
)
def test_html_published_sources(head: str, body: str, published: date | None) -> None:
    page = f"<html><head>{head}</head><body>{body}<p>本文</p></body></html>"
    assert extract_html(page, origin="t").published == published


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-09-23", date(2025, 9, 23)),
        ("2025-09-23T23:30:00-05:00", date(2025, 9, 23)),  # date as written
        ("2025/9/3", date(2025, 9, 3)),
        ("2025年10月1日", date(2025, 10, 1)),
        ("20251001T120000", date(2025, 10, 1)),
        ("2025-13-01", None),
        ("", None),
        ("昨日", None),
    ],
)
def test_html_parse_published(value: str, expected: date | None) -> None:
    assert parse_published(value) == expected


@pytest.mark.parametrize("depth", [300, 20000])
def test_html_deep_nesting_does_not_crash(depth: int) -> None:
    page = "<html><body>" + "<div>" * depth + "<p>深い入れ子の本文</p>" + "</div>" * depth
    started = time.monotonic()
    doc = extract_html(page + "</body></html>", origin="deep.html")
    assert time.monotonic() - started < 30
    assert doc.text == "深い入れ子の本文"


@pytest.mark.parametrize("depth", [300, 20000])
def test_html_deep_nesting_unclosed_with_text_at_each_level(depth: int) -> None:
    page = "<html><body>" + "<div><span>層</span>" * depth
    doc = extract_html(page, origin="deep.html")
    assert doc.text.count("層") == depth


def test_html_recursion_error_falls_back_to_flat_strip(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(html: str) -> html_mod.HtmlDocument:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(html_mod, "_extract_with_soup", boom)
    doc = extract_html(PAGE, origin="page.html")
    assert doc.title == "日立、欧州の鉄道信号会社を買収"
    assert doc.published == date(2025, 10, 2)
    assert "約２５００億円で買収すると発表した。" in doc.text
    assert "買収額：約２５００億円\n完了予定：２０２６年３月" in doc.text
    assert "スクリプト" not in doc.text
    assert "トップ" not in doc.text
    assert doc.notes and "flat" in doc.notes[0]


def test_html_flat_fallback_on_deep_page_is_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(html: str) -> html_mod.HtmlDocument:
        raise RecursionError

    monkeypatch.setattr(html_mod, "_extract_with_soup", boom)
    page = "<div>" * 20000 + "<p>本文</p>" + "</div>" * 20000 + "<script>x"
    started = time.monotonic()
    assert extract_html(page, origin="deep.html").text == "本文"
    assert time.monotonic() - started < 5


def test_html_fallback_failure_raises_extraction_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(html: str) -> html_mod.HtmlDocument:
        raise RecursionError

    monkeypatch.setattr(html_mod, "_extract_with_soup", boom)
    monkeypatch.setattr(html_mod, "_extract_flat", boom)
    with pytest.raises(HtmlExtractionError, match=r"deep\.html"):
        extract_html("<p>x</p>", origin="deep.html")


@given(st.text(alphabet="<>/=\"' apbrdivlhtml本文。\n&;#x!-", max_size=300))
@settings(max_examples=200)
def test_html_arbitrary_markup_never_crashes(markup: str) -> None:
    doc = extract_html(markup, origin="fuzz")
    assert "\n\n\n" not in doc.text
    assert doc.text == doc.text.strip()
