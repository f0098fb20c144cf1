"""Integrity checks for the alias registry data file ``extractors/data/companies.yaml``.

These tests read the YAML directly (not through ``extractors.registry``) so that
they check the data itself: shape, kinds, uniqueness of names and aliases,
parents, the size of the party vocabulary, the coverage of the gold annotation
names, and the documented decisions about risky or mistranscribed aliases.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "extractors" / "data" / "companies.yaml"
GOLD = Path(__file__).resolve().parents[2] / "shared" / "gold"
GOLD_FILES = ("seeds_deals.jsonl", "seeds_metrics.jsonl")
GOLD_NAME_FIELDS = ("source", "target", "company")

KINDS = frozenset({"company", "jv", "fund", "bank", "government", "country", "media", "person", "product"})
PARTY_BUSINESS_KINDS = frozenset({"company", "jv", "fund", "bank"})
KEYS = frozenset({"name", "kind", "ticker", "aliases", "parent", "sector"})
MIN_BUSINESS_ENTRIES = 200


def alias_key(alias: str) -> str:
    """NFKC plus case folding (a superset of the registry's Latin-only folding)."""
    return unicodedata.normalize("NFKC", alias).strip().casefold()


@cache
def entries() -> tuple[dict[str, Any], ...]:
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    assert isinstance(raw, list), "companies.yaml must be a YAML list"
    return tuple(raw)


def surfaces(entry: dict[str, Any]) -> list[str]:
    """The canonical name (always an alias) followed by the listed aliases."""
    return [entry["name"], *(entry.get("aliases") or [])]


@cache
def by_name() -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in entries()}


@cache
def by_alias_key() -> dict[str, set[str]]:
    index: dict[str, set[str]] = defaultdict(set)
    for e in entries():
        for s in surfaces(e):
            index[alias_key(s)].add(e["name"])
    return index


def resolve(surface: str) -> str | None:
    names = by_alias_key().get(alias_key(surface), set())
    assert len(names) <= 1, f"{surface!r} is ambiguous: {sorted(names)}"
    return next(iter(names), None)


def test_registry_data_parses_as_list_of_mappings() -> None:
    assert entries(), "companies.yaml is empty"
    bad = [i for i, e in enumerate(entries()) if not isinstance(e, dict)]
    assert not bad, f"entries that are not mappings, at positions {bad}"


def test_registry_data_keys_are_known_and_name_kind_present() -> None:
    problems = []
    for e in entries():
        if not {"name", "kind"} <= e.keys():
            problems.append(f"{e}: missing name or kind")
        if extra := set(e) - KEYS:
            problems.append(f"{e.get('name')}: unknown keys {sorted(extra)}")
    assert not problems, "\n".join(problems)


def test_registry_data_field_types() -> None:
    problems = []
    for e in entries():
        name = e.get("name")
        if not isinstance(name, str) or not name.strip() or name != name.strip():
            problems.append(f"bad name {name!r}")
        aliases = e.get("aliases", [])
        if aliases is not None and not isinstance(aliases, list):
            problems.append(f"{name}: aliases must be a list")
            continue
        for a in aliases or []:
            # YAML turns bare yes/no/on/off/numbers into non-strings.
            if not isinstance(a, str) or not a.strip() or a != a.strip():
                problems.append(f"{name}: bad alias {a!r}")
        for key in ("ticker", "parent"):
            value = e.get(key)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                problems.append(f"{name}: bad {key} {value!r}")
    assert not problems, "\n".join(problems)


def test_registry_data_kind_is_valid() -> None:
    bad = {e["name"]: e["kind"] for e in entries() if e.get("kind") not in KINDS}
    assert not bad, f"invalid kinds: {bad}"


def test_registry_data_names_unique() -> None:
    seen: dict[str, int] = defaultdict(int)
    for e in entries():
        seen[e["name"]] += 1
    dupes = sorted(n for n, c in seen.items() if c > 1)
    assert not dupes, f"duplicate names: {dupes}"


def test_registry_data_alias_belongs_to_one_entry() -> None:
    clashes = {k: sorted(v) for k, v in by_alias_key().items() if len(v) > 1}
    assert not clashes, f"aliases shared by several entries: {clashes}"


def test_registry_data_alias_not_repeated_within_entry() -> None:
    problems = []
    for e in entries():
        keys = [alias_key(s) for s in surfaces(e)]
        if dupes := sorted({k for k in keys if keys.count(k) > 1}):
            problems.append(
                f"{e['name']}: {dupes} (the name is always an alias; Latin case variants are redundant)"
            )
    assert not problems, "\n".join(problems)


def test_registry_data_business_entity_count() -> None:
    n = sum(1 for e in entries() if e["kind"] in PARTY_BUSINESS_KINDS)
    assert n >= MIN_BUSINESS_ENTRIES, f"only {n} company/jv/fund/bank entries"


def test_registry_data_parent_exists() -> None:
    problems = []
    for e in entries():
        parent = e.get("parent")
        if parent is None:
            continue
        if parent == e["name"]:
            problems.append(f"{e['name']}: is its own parent")
        elif parent not in by_name():
            problems.append(f"{e['name']}: unknown parent {parent!r}")
    assert not problems, "\n".join(problems)


def test_registry_data_parent_chain_has_no_cycle() -> None:
    for e in entries():
        seen = {e["name"]}
        parent = e.get("parent")
        while parent is not None and parent in by_name():
            assert parent not in seen, f"parent cycle through {e['name']}"
            seen.add(parent)
            parent = by_name()[parent].get("parent")


def test_registry_data_product_has_parent() -> None:
    orphans = [e["name"] for e in entries() if e["kind"] == "product" and not e.get("parent")]
    assert not orphans, f"products without a maker: {orphans}"


def test_registry_data_product_alias_does_not_swallow_maker() -> None:
    """No product alias contains a maker alias, so "Nvidia H100" still yields NVIDIA."""
    problems = []
    for e in entries():
        if e["kind"] != "product" or e.get("parent") not in by_name():
            continue
        maker = [alias_key(s) for s in surfaces(by_name()[e["parent"]])]
        for s in surfaces(e):
            if hit := [m for m in maker if m in alias_key(s)]:
                problems.append(f"{e['name']}: alias {s!r} contains maker alias {hit}")
    assert not problems, "\n".join(problems)


def test_registry_data_tickers_unique() -> None:
    seen: dict[str, list[str]] = defaultdict(list)
    for e in entries():
        if e.get("ticker"):
            seen[e["ticker"].upper()].append(e["name"])
    dupes = {t: n for t, n in seen.items() if len(n) > 1}
    assert not dupes, f"tickers shared by several entries: {dupes}"


@cache
def gold_names() -> dict[str, set[str]]:
    names: dict[str, set[str]] = defaultdict(set)
    for fname in GOLD_FILES:
        path = GOLD / fname
        if not path.exists():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            for field in GOLD_NAME_FIELDS:
                if row.get(field) is not None:
                    names[row[field]].add(f"{fname}:{n}:{field}")
    return names


def test_registry_data_gold_parties_are_names() -> None:
    if not GOLD.is_dir():
        pytest.skip(f"gold annotations not available at {GOLD}")
    if not gold_names():
        pytest.skip(f"no gold files {GOLD_FILES} under {GOLD}")
    missing = {n: sorted(w)[:3] for n, w in gold_names().items() if n not in by_name()}
    assert not missing, f"gold names that are not registry names: {missing}"


def test_registry_data_gold_parties_are_party_kinds() -> None:
    if not GOLD.is_dir() or not gold_names():
        pytest.skip(f"gold annotations not available at {GOLD}")
    wrong = {
        n: by_name()[n]["kind"]
        for n in gold_names()
        if n in by_name() and by_name()[n]["kind"] in {"media", "person", "product"}
    }
    assert not wrong, f"gold parties registered as non-party kinds: {wrong}"


# Surface forms seen in the seed documents (including transcription errors and
# glued or translated spellings) and the canonical name each must resolve to.
SEED_SURFACES = [
    ("ネバス", "Nebius"),
    ("ネブ", "Nebius"),
    ("Nebis", "Nebius"),
    ("Nebius", "Nebius"),
    ("Lamba", "Lambda"),
    ("ラムダ", "Lambda"),
    ("Corewave", "CoreWeave"),
    ("Coreweave", "CoreWeave"),
    ("MCI", "Super Micro Computer"),
    ("Super Micro Computer", "Super Micro Computer"),
    ("オラクル", "Oracle"),
    ("Nvidia", "NVIDIA"),
    ("OPENAI", "OpenAI"),
    ("マイクロソフト", "Microsoft"),
    ("グーグル", "Google"),
    ("ブロードコム", "Broadcom"),
    ("ソフトバンク", "SoftBank"),
    ("SoftBank", "SoftBank"),
    ("スターゲート", "Stargate"),
    ("スターゲイト", "Stargate"),
    ("スターゲイトプロジェクト", "Stargate"),
    ("JPモルガン・チェース", "JPMorgan Chase"),
    ("JP Morgan", "JPMorgan Chase"),
    ("Deepseek", "DeepSeek"),
    ("Deep 6", "DeepSeek"),
    ("対米", "United States"),
    ("日本", "Japan"),
    ("Amazon Web Services", "Amazon"),
    ("Bear Sterns", "Bear Stearns"),
    ("Door Dash", "DoorDash"),
    ("国際協力銀行", "JBIC"),
    ("日本貿易保険", "NEXI"),
    ("第一生命経済研究所", "Dai-ichi Life Research Institute"),
    ("ロイター", "Reuters"),
    ("ブルームバーグ", "Bloomberg"),
    ("エコノミスト誌", "The Economist"),
    ("ザ・レジスター", "The Register"),
    ("ウォール・ストリート・ジャーナル", "The Wall Street Journal"),
    ("フィナンシャル・タイムズ", "Financial Times"),
    ("Where’s Your Ed", "Where's Your Ed At"),
    ("ジェンスン・フアン", "Jensen Huang"),
    ("ジェンセン・ウォン", "Jensen Huang"),
    ("Jensen", "Jensen Huang"),
    ("サム・アルマン", "Sam Altman"),
    ("ラリー・エリソン", "Larry Ellison"),
    ("ブラッド・ガースナー", "Brad Gerstner"),
    ("サティア・ナデラ", "Satya Nadella"),
    ("毛沢東", "Mao Zedong"),
    ("星野 卓也", "Takuya Hoshino"),
    ("B3.1", "V3.1"),
    ("H100", "H100"),
    ("ChatGPT", "ChatGPT"),
    ("Azure", "Azure"),
]


@pytest.mark.parametrize(("surface", "name"), SEED_SURFACES)
def test_registry_data_resolves_seed_surface(surface: str, name: str) -> None:
    assert resolve(surface) == name


# Decisions between two readings of one surface form.
DECISIONS = [
    ("ソフトバンク", "SoftBank"),  # bare form = SoftBank Group (the gold's SoftBank)
    ("ソフトバンクグループ", "SoftBank"),
    ("ソフトバンク株式会社", "SoftBank Corp."),  # the telecom operator
    ("Alphabet", "Alphabet"),  # the holding company; Google is its subsidiary
    ("グロック社", "Groq"),  # katakana グロック alone is shared with Grok
    ("ネブラスカ", "Nebraska"),  # longest match keeps ネブラスカ from reading as ネブ
    ("中国電力", "Chugoku Electric Power"),  # not China
    ("インドネシア", "Indonesia"),  # not India
    ("Dario", "JustDario"),  # Dario Amodei only under his full name
    ("住信SBIネット銀行", "SBI Sumishin Net Bank"),  # not SBI Holdings
    ("日鉄", "Nippon Steel"),
    ("新日鉄住金", "Nippon Steel"),  # former name
    ("日鉄鉱業", "Nittetsu Mining"),  # not in the Nippon Steel group
    ("USスチール", "U.S. Steel"),
    ("財務省", "Ministry of Finance Japan"),  # bare 財務省 in Japanese news
    ("米財務省", "US Department of the Treasury"),
    ("中国商務省", "MOFCOM"),  # not China + a bare 商務省
    ("JICA", "JICA"),  # not JIC
    ("CFTC", "CFTC"),  # not FTC
    ("NTTコムウェア", "NTT Comware"),  # not NTTコム (NTT Communications)
    ("楽天銀行", "Rakuten Bank"),
    ("三井住友トラスト", "Sumitomo Mitsui Trust Group"),
    ("SMBC日興証券", "SMBC Nikko Securities"),
    ("三菱UFJモルガン・スタンレー証券", "Mitsubishi UFJ Morgan Stanley Securities"),
    ("ゆうちょ銀行", "Japan Post Bank"),
    ("セブン&アイ", "Seven & i Holdings"),
    ("クシュタール", "Alimentation Couche-Tard"),
    ("クレディ・スイス", "Credit Suisse"),  # not Switzerland
    ("エンビディア", "NVIDIA"),  # spoken / transcribed form
    ("日経ビジネス", "Nikkei Business"),  # not 日経 + ビジネス
]


@pytest.mark.parametrize(("surface", "name"), DECISIONS)
def test_registry_data_ambiguous_surface_decision(surface: str, name: str) -> None:
    assert resolve(surface) == name


# Ordinary words or ambiguous short forms that must not be aliases (each has a
# safer long form in the registry; see the YAML comments).
RISKY = [
    "アーム",  # ロボットアーム
    "デル",  # モデル
    "シスコ",  # サンフランシスコ
    "マスク",  # mask
    "ファン",  # fan
    "フアン",  # Juan; フアン氏 is listed instead
    "アルファベット",  # the letters
    "グロック",  # Groq / Grok / Glock
    "リクルート",  # recruitment
    "ディスコ",
    "スクリーン",
    "スイッチ",
    "Switch",
    "ジェラ",  # ジェラート
    "シティ",  # スマートシティ
    "ネイバー",  # neighbour
    "バルチャー",  # vulture
    "日産",  # daily output
    "シャープ",  # adjective (シャープな下落)
    "日米",  # two countries
    "米",
    "US",  # the pronoun
    "孫",
    "Larry",
    "HP",  # ホームページ
    "CNN",  # convolutional neural network
    "X",
    "Ed",
    "JD",
    "オープンな理想",  # seed 000 mistranslation, not a name
    "アイシン",  # アイシング (icing); Aisin only under its corporate forms
    "三井住友",  # starts 三井住友建設, 三井住友海上 ...
    "荏原",  # a Tokyo district
    "キリン",  # giraffe
    "武田",  # surname
    "川崎",  # the city
    "中電",  # Chubu or Chugoku Electric
    "JT",  # inside JTB / OJT (Latin aliases also match inside capitals)
    "MOF",  # metal-organic framework
    "BIS",  # the US bureau or the Bank for International Settlements
    "IDC",  # also "internet data centre"
    "Treasury",  # Treasuries (bonds)
    "Turkey",  # the bird
    "Suzuki",  # surname
    "メキシコ",  # inside ニューメキシコ (a US state)
    "孫氏",  # Sun Tzu
    "高市",  # inside 日高市 / 妙高市
    "セコイア",  # inside メタセコイア
    "プレステ",  # inside プレステージ
    "フォートレス",  # inside エフォートレス
    "フィッチ",  # inside アバクロンビー&フィッチ
    "ラザード",  # inside シェエラザード
    "エリオット",  # エリオット波動 (Elliott wave)
    "京東",  # inside 北京東
    "ウィズ",  # "with" (ウィズ・コロナ)
    "ING",  # inside capitals (BANKING)
    "CVC",  # corporate venture capital
    "EY",  # inside capitals (KEY)
    "S&P",  # the index S&P500
    "KIA",  # the carmaker
]


@pytest.mark.parametrize("surface", RISKY)
def test_registry_data_risky_word_is_not_alias(surface: str) -> None:
    assert resolve(surface) is None


@pytest.mark.parametrize("sector", ["compute", "hardware"])
def test_registry_data_sectors_are_known(sector: str) -> None:
    tagged = [e["name"] for e in entries() if e.get("sector") == sector]
    assert len(tagged) >= 10
    assert all(e.get("sector") in (None, "compute", "hardware") for e in entries())


# Leftmost-longest decisions that only show in running text (through the
# registry's matcher rather than the YAML): a longer name wins over a name inside
# it, and a short katakana name does not match inside another katakana word.
TEXT_MATCHES = [
    ("ドコモが住信SBIネット銀行を買収",
     [("ドコモ", "NTT Docomo"), ("住信SBIネット銀行", "SBI Sumishin Net Bank")]),
    ("SBIホールディングスとSBI新生銀行",
     [("SBIホールディングス", "SBI Holdings"), ("SBI新生銀行", "SBI Shinsei Bank")]),
    ("ニューメキシコ州のデータセンター", []),  # not the country Mexico (not registered)
    ("リチウムイオン電池の増産", []),  # イオン (Aeon) stays out of katakana words
    ("日本製鉄がUSスチールを買収", [("日本製鉄", "Nippon Steel"), ("USスチール", "U.S. Steel")]),
    ("米国防総省と契約", [("米国防総省", "US Department of Defense")]),  # not 米国 + 防総省
    ("埼玉県日高市に新工場", []),  # 高市 (Takaichi) is not an alias
    ("クレディ・スイスを買収したUBS", [("クレディ・スイス", "Credit Suisse"), ("UBS", "UBS")]),
]


@cache
def registry() -> Any:
    from extractors.registry import Registry, load_entities

    return Registry(load_entities(DATA))


@pytest.mark.parametrize(("text", "expected"), TEXT_MATCHES)
def test_registry_data_longest_name_wins_in_text(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(m.text, m.canonical) for m in registry().find(text)] == expected
