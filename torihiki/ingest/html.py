"""Main text, title and publication date from an HTML page.

The page is already decoded (the reader sniffs the charset and calls
:func:`torihiki.ingest.decode.decode_bytes`); it is parsed with lxml through
BeautifulSoup and walked with an explicit stack, so nesting depth never
recurses in our code.  Should the parser itself hit ``RecursionError`` we fall
back to a flat, regex-based tag strip that runs in linear time.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeGuard

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning
from bs4.element import NavigableString, PageElement, PreformattedString, Tag

from torihiki.errors import HtmlExtractionError

__all__ = ["HtmlDocument", "extract_html", "parse_published"]

# Input is whatever a crawler saved; these bs4 hints are noise for us.
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)
warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)


@dataclass(frozen=True)
class HtmlDocument:
    """Extracted page: paragraphs separated by blank lines, list items by newlines."""

    text: str
    title: str | None
    published: date | None
    notes: tuple[str, ...] = ()


# Never text: dropped with everything inside.  rt/rp are ruby readings
# (漢字<rt>かんじ</rt>), which would otherwise split the word.
_DROP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "iframe",
        "template",
        "svg",
        "canvas",
        "object",
        "embed",
        "button",
        "select",
        "textarea",
        "input",
        "head",
        "link",
        "meta",
        "rt",
        "rp",
        "dialog",
        "map",
        "audio",
        "video",
    ]
)
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "menu",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    ]
)
# Blocks that are "one per line" rather than paragraphs.
_LINE_TAGS = frozenset({"li", "tr", "dt", "dd"})
_CELL_TAGS = frozenset({"td", "th"})
# Never dropped because of a class/id name (``<body class="has-sidebar">``).
_PROTECTED_TAGS = frozenset({"html", "body", "article", "main"})
_AD_NAV_NAME = re.compile(
    r"(?:^|[-_])(?:ads?|advert\w*|adsense|banner|sponsor\w*|promo\w*|nav|navi|navbar|"
    r"navigation|menu|breadcrumbs?|sidebar|share|sharing|social|sns|related|"
    r"recommend\w*|ranking|comments?|cookie\w*|popup|modal|pagination|pager|"
    r"subscribe|newsletter)(?:$|[-_])",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

_PUBLISHED_META_KEYS = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "datepublished",
    "dc.date.issued",
    "dc.date",
)


# --- dates -------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_JA_DATE = re.compile(r"(\d{4})\s*[/.年]\s*(\d{1,2})\s*[/.月]\s*(\d{1,2})")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T|$)")


def parse_published(value: str) -> date | None:
    """The calendar date of an ISO date/datetime (or 2025/09/23, 2025年9月23日).

    A datetime's date is taken as written; no time-zone conversion.
    """
    value = value.strip()
    for pattern in (_ISO_DATE, _JA_DATE, _COMPACT_DATE):
        m = pattern.search(value)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


# --- whitespace ----------------------------------------------------------------

_WS_RUN = re.compile(r"[ \t\n\r\f\v\xa0\u200b]+")


def _is_wide(ch: str) -> bool:
    code = ord(ch)
    return 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF


def _collapse(text: str) -> str:
    """Collapse whitespace runs to one space, except that a source line break
    between two Japanese characters disappears (``日本\\n経済`` → ``日本経済``)."""

    def repl(m: re.Match[str]) -> str:
        run = m.group(0)
        if "\n" in run or "\r" in run:
            s, e = m.start(), m.end()
            if s > 0 and e < len(text) and _is_wide(text[s - 1]) and _is_wide(text[e]):
                return ""
        return " "

    return _WS_RUN.sub(repl, text)


_SPACES = re.compile(r" {2,}")


class _Pre(str):
    """A segment of ``<pre>`` text, exempt from whitespace collapsing."""

    __slots__ = ()


class _TextBuilder:
    """Accumulates text into lines and blocks, then joins them."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, bool]] = []  # (text, is_line_item)
        # Current block: lines of segments; None is a hard space (table cell).
        self.lines: list[list[str | None]] = [[]]
        self.line_item = False

    def add(self, text: str) -> None:
        self.lines[-1].append(text)

    def add_pre(self, text: str) -> None:
        """Preformatted text: keep its line breaks and spacing."""
        parts = text.replace("\r\n", "\n").split("\n")
        self.lines[-1].append(_Pre(parts[0].replace("\t", "    ")))
        for part in parts[1:]:
            self.lines.append([_Pre(part.replace("\t", "    "))])

    def hard_space(self) -> None:
        self.lines[-1].append(None)

    def newline(self) -> None:
        self.lines.append([])

    def boundary(self, line_item: bool = False) -> None:
        """End the current block; the next one is a list item when ``line_item``."""
        text = self._render_block()
        if text:
            self.blocks.append((text, self.line_item))
        self.lines = [[]]
        self.line_item = line_item

    def _render_block(self) -> str:
        rendered: list[str] = []
        for segments in self.lines:
            parts: list[str] = []
            buf: list[str] = []
            has_pre = False
            for seg in segments:
                if seg is None or isinstance(seg, _Pre):
                    parts.append(_collapse("".join(buf)))
                    buf = []
                    parts.append(" " if seg is None else seg)
                    has_pre = has_pre or seg is not None
                else:
                    buf.append(seg)
            parts.append(_collapse("".join(buf)))
            line = "".join(parts)
            # Preformatted lines keep their indentation and inner spacing.
            rendered.append(line.rstrip() if has_pre else _SPACES.sub(" ", line).strip())
        # Keep a single blank line where <br><br> separated text.
        out: list[str] = []
        for line in rendered:
            if line or (out and out[-1]):
                out.append(line)
        return "\n".join(out).strip("\n")

    def result(self) -> str:
        self.boundary()
        parts: list[str] = []
        prev_item = False
        for i, (text, item) in enumerate(self.blocks):
            if i:
                parts.append("\n" if item and prev_item else "\n\n")
            parts.append(text)
            prev_item = item
        return "".join(parts)


# --- soup walking ----------------------------------------------------------------


def _is_text(node: PageElement) -> TypeGuard[NavigableString]:
    # Comments, doctypes, CDATA etc. are PreformattedString subclasses.
    return isinstance(node, NavigableString) and not isinstance(node, PreformattedString)


def _structurally_dropped(tag: Tag) -> bool:
    if tag.name in _DROP_TAGS:
        return True
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    return bool(_HIDDEN_STYLE.search(str(tag.get("style", ""))))


def _marked_ad_or_nav(tag: Tag) -> bool:
    if tag.name in _PROTECTED_TAGS:
        return False
    candidates: list[str] = []
    for attr in ("class", "id"):
        value = tag.get(attr)
        if isinstance(value, str):
            candidates.extend(value.split())
        elif value is not None:
            candidates.extend(str(v) for v in value)
    return any(_AD_NAV_NAME.search(name) for name in candidates)


def _children(tag: Tag) -> Iterator[PageElement]:
    return iter(list(tag.contents))


def _subtree_sizes(root: Tag) -> dict[int, int]:
    """Visible text length under each kept tag (keyed by ``id``), in one
    iterative post-order pass, so that the 'article' with most text wins and a
    class-marked block is never most of the page."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Tag, Iterator[PageElement]]] = [(root, _children(root))]
    acc = [0]
    while stack:
        tag, it = stack[-1]
        child = next(it, None)
        if child is None:
            stack.pop()
            total = acc.pop()
            sizes[id(tag)] = total
            if acc:
                acc[-1] += total
        elif isinstance(child, Tag):
            if not _structurally_dropped(child):
                stack.append((child, _children(child)))
                acc.append(0)
        elif _is_text(child):
            acc[-1] += len(child.strip())
    return sizes


def _pick_container(soup: BeautifulSoup, sizes: dict[int, int]) -> Tag:
    articles = [a for a in soup.find_all("article") if sizes.get(id(a), 0) > 0]
    if articles:
        return max(articles, key=lambda a: sizes.get(id(a), 0))
    main = soup.find("main")
    if isinstance(main, Tag) and sizes.get(id(main), 0) > 0:
        return main
    body = soup.body
    return body if body is not None else soup


def _render(container: Tag, sizes: dict[int, int]) -> str:
    limit = sizes.get(id(container), 0) / 2
    out = _TextBuilder()
    pre_depth = 0

    def enter(tag: Tag) -> None:
        nonlocal pre_depth
        if tag.name in _BLOCK_TAGS:
            out.boundary(line_item=tag.name in _LINE_TAGS)
        elif tag.name == "br":
            out.newline()
        if tag.name == "pre":
            pre_depth += 1

    def leave(tag: Tag) -> None:
        nonlocal pre_depth
        if tag.name in _BLOCK_TAGS:
            out.boundary()
        elif tag.name in _CELL_TAGS:
            out.hard_space()
        if tag.name == "pre":
            pre_depth -= 1

    enter(container)
    stack: list[tuple[Tag, Iterator[PageElement]]] = [(container, _children(container))]
    while stack:
        tag, it = stack[-1]
        child = next(it, None)
        if child is None:
            stack.pop()
            leave(tag)
        elif isinstance(child, Tag):
            if _structurally_dropped(child):
                continue
            if _marked_ad_or_nav(child) and sizes.get(id(child), 0) < limit:
                continue
            enter(child)
            stack.append((child, _children(child)))
        elif _is_text(child):
            if pre_depth:
                out.add_pre(str(child))
            else:
                out.add(str(child))
    return out.result()


def _meta_map(soup: BeautifulSoup) -> dict[str, str]:
    """``property``/``name``/``itemprop`` (lower-cased) → ``content``; first wins."""
    found: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        content = meta.get("content")
        if not isinstance(content, str):
            continue
        for attr in ("property", "name", "itemprop"):
            key = meta.get(attr)
            if isinstance(key, str):
                found.setdefault(key.strip().lower(), content)
    return found


def _published_from_meta(meta: Mapping[str, str]) -> date | None:
    for key in _PUBLISHED_META_KEYS:
        if key in meta:
            parsed = parse_published(meta[key])
            if parsed is not None:
                return parsed
    return None


def _published_from_json_ld(sources: list[str]) -> date | None:
    """First ``datePublished`` found breadth-first in JSON-LD blocks (@graph too)."""
    for source in sources:
        try:
            data: object = json.loads(source)
        except (ValueError, RecursionError):
            continue
        queue: list[object] = [data]
        seen = 0
        while queue and seen < 10000:  # bound work on hostile JSON
            node = queue.pop(0)
            seen += 1
            if isinstance(node, dict):
                value = node.get("datePublished")
                if isinstance(value, str):
                    parsed = parse_published(value)
                    if parsed is not None:
                        return parsed
                queue.extend(node.values())
            elif isinstance(node, list):
                queue.extend(node)
    return None


def _not_marked_published(t: Tag) -> bool:
    return not (t.has_attr("pubdate") or t.get("itemprop") == "datePublished")


def _published_from_time(container: Tag, soup: BeautifulSoup) -> date | None:
    for scope in (container, soup):
        times = [t for t in scope.find_all("time") if isinstance(t.get("datetime"), str)]
        # Prefer an explicitly marked publication time.
        times.sort(key=_not_marked_published)
        for t in times:
            parsed = parse_published(str(t.get("datetime")))
            if parsed is not None:
                return parsed
    return None


def _clean_title(value: str | None) -> str | None:
    if value is None:
        return None
    title = _WS_RUN.sub(" ", value).strip()
    return title or None


def _extract_with_soup(html: str) -> HtmlDocument:
    soup = BeautifulSoup(html, "lxml")
    meta = _meta_map(soup)
    sizes = _subtree_sizes(soup)
    container = _pick_container(soup, sizes)
    text = _render(container, sizes)

    title = _clean_title(meta.get("og:title"))
    if title is None and soup.title is not None:
        title = _clean_title(soup.title.get_text())
    if title is None:
        h1 = soup.find("h1")
        if isinstance(h1, Tag):
            title = _clean_title(h1.get_text(" "))

    # JSON-LD before <time>: a bare <time> may belong to a related-article teaser.
    json_ld = [
        s.get_text()
        for s in soup.find_all("script")
        if str(s.get("type", "")).strip().lower() == "application/ld+json"
    ]
    published = (
        _published_from_meta(meta)
        or _published_from_json_ld(json_ld)
        or _published_from_time(container, soup)
    )
    return HtmlDocument(text=text, title=title, published=published)


# --- flat fallback -----------------------------------------------------------------

_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_RAW_OPEN = re.compile(
    r"<(script|style|noscript|template|iframe|svg|head|textarea|title|nav|header|footer|"
    r"aside|form|button|select|rt|rp)\b",
    re.IGNORECASE,
)
_BLOCK_TAG = re.compile(r"</?(?:" + "|".join(sorted(_BLOCK_TAGS - _LINE_TAGS)) + r")\b[^>]*>", re.IGNORECASE)
_LINE_TAG = re.compile(r"</?(?:" + "|".join(sorted(_LINE_TAGS)) + r")\b[^>]*>", re.IGNORECASE)
_BR_TAG = re.compile(r"<br\b[^>]*>", re.IGNORECASE)
_CELL_TAG = re.compile(r"</t[dh]\s*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")
_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_PARA_MARK = "\ue000"  # private use: placeholders that survive tag stripping
_LINE_MARK = "\ue001"


def _strip_raw_elements(html: str) -> str:
    """Remove script/style/... elements with ``find``-style scanning (linear)."""
    out: list[str] = []
    pos = 0
    while True:
        m = _RAW_OPEN.search(html, pos)
        if m is None:
            out.append(html[pos:])
            break
        out.append(html[pos : m.start()])
        close = re.compile(rf"</{m.group(1)}\s*>", re.IGNORECASE).search(html, m.end())
        if close is None:
            break  # unclosed: the rest is its content, as in a browser
        pos = close.end()
    return "".join(out)


def _extract_flat(html: str) -> HtmlDocument:
    """Tag strip for pages too deep for the tree walk; bounded linear time."""
    title_match = _TITLE.search(html)
    title = _clean_title(html_lib.unescape(title_match.group(1))) if title_match else None
    meta: dict[str, str] = {}
    for tag in _META_TAG.findall(html):
        attrs = {k.lower(): a or b or c for k, a, b, c in _ATTR.findall(tag)}
        content = attrs.get("content")
        if content is None:
            continue
        for attr in ("property", "name", "itemprop"):
            if attr in attrs:
                meta.setdefault(attrs[attr].strip().lower(), html_lib.unescape(content))
    title = _clean_title(meta.get("og:title")) or title

    body = html.replace(_PARA_MARK, "").replace(_LINE_MARK, "")
    body = _strip_raw_elements(_COMMENT.sub("", body))
    body = _BLOCK_TAG.sub(_PARA_MARK, body)
    body = _LINE_TAG.sub(_LINE_MARK, body)
    body = _BR_TAG.sub(_LINE_MARK, body)
    body = _CELL_TAG.sub(" ", body)
    body = html_lib.unescape(_ANY_TAG.sub("", body))
    paragraphs: list[str] = []
    for para in body.split(_PARA_MARK):
        lines = [_collapse(line).strip() for line in para.split(_LINE_MARK)]
        text = "\n".join(line for line in lines if line)
        if text:
            paragraphs.append(text)
    return HtmlDocument(
        text="\n\n".join(paragraphs),
        title=title,
        published=_published_from_meta(meta),
        notes=("HTML too deeply nested for the tree walk; used flat tag stripping",),
    )


def extract_html(html: str, *, origin: str) -> HtmlDocument:
    """Extract the main text, title and publication date of a decoded page.

    The text comes from the largest ``<article>`` (else ``<main>``, else
    ``<body>``), without navigation, ads and other chrome.  Raises
    :class:`HtmlExtractionError` only when neither the tree walk nor the flat
    fallback can cope.
    """
    try:
        return _extract_with_soup(html)
    except RecursionError:
        pass
    try:
        return _extract_flat(html)
    except RecursionError as exc:  # pragma: no cover - regexes do not recurse
        raise HtmlExtractionError(origin, "HTML nesting too deep to extract text") from exc
