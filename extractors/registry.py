"""The company alias registry: canonical entities and the surface forms that name them.

The data lives in ``extractors/data/companies.yaml``.  Matching is character
based (not token based) so that glued text from HTML extraction such as
``NVIDIAOpenAI`` still yields two companies.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from extractors.types import CompanyMention

DATA = Path(__file__).resolve().parent / "data" / "companies.yaml"

# Kinds that can be a party to a deal; media, people and products cannot.
# Countries are not: "米国の企業" names a place far more often than a party (the
# Japan–US framework is the rare exception we give up).
PARTY_KINDS = frozenset({"company", "jv", "fund", "bank", "government"})

_CORP_SUFFIXES = re.compile(
    r"(株式会社|\(株\)|㈱|有限会社|合同会社|ホールディングス|グループ"
    r"|\b(incorporated|inc|corp|corporation|co|ltd|limited|llc|plc|group|holdings|company|ag|sa|nv)\b\.?)",
    re.IGNORECASE,
)
_PUNCT = re.compile(r"[\s\-‐・･.,、，。'\"’“”()（）・/&＆]+")


def fold_name(name: str) -> str:
    """Fold a company name for comparison: NFKC, case, punctuation, spaces."""
    s = unicodedata.normalize("NFKC", name).casefold()
    return _PUNCT.sub("", s)


def fold_name_loose(name: str) -> str:
    """``fold_name`` after dropping corporate suffixes (Inc, Corp, 株式会社, Holdings …)."""
    s = unicodedata.normalize("NFKC", name)
    stripped = _CORP_SUFFIXES.sub(" ", s)
    return fold_name(stripped) or fold_name(s)


@dataclass(frozen=True)
class Entity:
    name: str
    kind: str = "company"
    ticker: str | None = None
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    verified: bool = True
    # "compute" sells cloud/data-centre capacity, "hardware" sells chips or servers:
    # they are the receiving side of compute contracts and purchases.
    sector: str | None = None

    @property
    def is_party(self) -> bool:
        return self.kind in PARTY_KINDS


_KATAKANA_CHARS = "ァ-ヺー"
_KATAKANA = re.compile(f"[{_KATAKANA_CHARS}]+")


def _is_latin(alias: str) -> bool:
    return all(ord(ch) < 0x250 for ch in alias)


@dataclass
class Registry:
    entities: dict[str, Entity]
    _by_alias: dict[str, Entity] = field(default_factory=dict, repr=False)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        surfaces: dict[str, Entity] = {}
        for entity in self.entities.values():
            for alias in (entity.name, *entity.aliases):
                self._by_alias.setdefault(self._key(alias), entity)
                # Both the alias as written and its NFKC form (ソフトバンク㈱ / ソフトバンク(株)).
                surfaces.setdefault(alias, entity)
                surfaces.setdefault(unicodedata.normalize("NFKC", alias), entity)
                if "(株)" in alias:
                    surfaces.setdefault(alias.replace("(株)", "㈱"), entity)
        self._pattern = self._compile(surfaces)

    @staticmethod
    def _key(alias: str) -> str:
        s = unicodedata.normalize("NFKC", alias)
        return s.casefold() if _is_latin(s) else s

    @staticmethod
    def _compile(by_alias: dict[str, Entity]) -> re.Pattern[str]:
        parts = []
        # Longest first: the regex alternation takes the first branch that matches.
        for alias in sorted(by_alias, key=lambda a: (-len(a), a)):
            esc = re.escape(alias)
            if _is_latin(alias):
                # Case-insensitive, and a Latin alias ending in a letter may not be
                # followed by a lower-case letter ("Arm" is not in "Army"), while
                # "NVIDIAOpenAI" still splits at the upper-case O.
                tail = "(?![a-z])" if alias[-1:].isalpha() else ""
                tail += "(?![0-9])" if alias[-1:].isdigit() else ""
                parts.append(f"(?i:{esc}){tail}")
            elif len(alias) <= 3 and _KATAKANA.fullmatch(alias):
                # A short katakana alias must not run into more katakana (ネブ in ネブラスカ).
                parts.append(f"(?<![{_KATAKANA_CHARS}]){esc}(?![{_KATAKANA_CHARS}])")
            else:
                parts.append(esc)
        if not parts:
            return re.compile(r"(?!x)x")
        # A lookahead on the possible first characters lets the engine skip most
        # positions without trying ~2,700 alternatives (about 4x faster, same matches).
        firsts = {a[0].lower() for a in by_alias} | {a[0].upper() for a in by_alias}
        head = "".join(sorted(re.escape(c) for c in firsts))
        return re.compile(f"(?=[{head}])(?:{'|'.join(parts)})")

    def lookup(self, surface: str) -> Entity | None:
        return self._by_alias.get(self._key(surface.strip()))

    def sector(self, name: str | None) -> str | None:
        entity = self.entities.get(name) if name else None
        return entity.sector if entity else None

    def find(self, text: str) -> list[CompanyMention]:
        """Every registry alias in ``text`` (leftmost-longest, non-overlapping)."""
        assert self._pattern is not None
        out: list[CompanyMention] = []
        for m in self._pattern.finditer(text):
            start, end = m.span()
            surface = m.group()
            # A match starting in lower case right after a Latin letter is inside a word.
            if start > 0 and surface[0].islower() and text[start - 1].isascii() and text[start - 1].isalpha():
                continue
            entity = self.lookup(surface)
            if entity is None:
                continue
            out.append(CompanyMention(start, end, surface, entity.name, entity.kind))
        return out

    def with_entities(self, extra: Iterable[Entity]) -> Registry:
        merged = dict(self.entities)
        for e in extra:
            merged.setdefault(e.name, e)
        return Registry(merged)


def load_entities(path: Path = DATA) -> dict[str, Entity]:
    # The C loader reads the ~3,000-line file in a tenth of the pure-Python time.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or []
    entities: dict[str, Entity] = {}
    for row in raw:
        entity = Entity(
            name=str(row["name"]),
            kind=str(row.get("kind") or "company"),
            ticker=row.get("ticker"),
            aliases=tuple(str(a) for a in row.get("aliases") or ()),
            parent=row.get("parent"),
            sector=row.get("sector"),
        )
        entities[entity.name] = entity
    return entities


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    return Registry(load_entities())
