"""Deal mentions from real sentence shapes (written for this project), registry only — no GiNZA."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.document import extract_document

PUB = dt.date(2025, 9, 26)


def _deals(text: str) -> list[tuple[object, ...]]:
    ex = extract_document(text, PUB)
    return [
        (d.source, d.target, d.deal_type, None if d.amount is None else int(d.amount.value or 0))
        for d in ex.deals
        if d.amount is not None
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # AがBに…を投資/出資
        (
            "エヌビディアはOpenAIに最大1000億ドルを投資する。",
            [("NVIDIA", "OpenAI", "investment", 100_000_000_000)],
        ),
        # AからBへの
        (
            "マイクロソフトからOpenAIへの出資は累計130億ドルに達した。",
            [("Microsoft", "OpenAI", "investment", 13_000_000_000)],
        ),
        # coordination: two recipients, two mentions
        (
            "Metaはグーグルに100億ドル、CoreWeaveに140億ドルをクラウド利用のために支払う。",
            [
                ("Meta", "Google", "compute_contract", 10_000_000_000),
                ("Meta", "CoreWeave", "compute_contract", 14_000_000_000),
            ],
        ),
        # BはAから受け取った
        (
            "OpenAIはソフトバンクから100億ドルを受け取った。",
            [("SoftBank", "OpenAI", "investment", 10_000_000_000)],
        ),
        # acquisition with を
        (
            "ソフトバンクグループはアンペアを65億ドルで買収すると発表した。",
            [("SoftBank", "Ampere Computing", "acquisition", 6_500_000_000)],
        ),
        # compute contract: the cloud provider is the target whatever the word order
        (
            "コアウィーブはOpenAIと最大65億ドルの契約を結んだ。",
            [("OpenAI", "CoreWeave", "compute_contract", 6_500_000_000)],
        ),
        # purchase of chips from a maker
        ("オラクルはNVIDIAのGPUを400億ドル分購入する。", [("Oracle", "NVIDIA", "purchase", 40_000_000_000)]),
        # bond: issuer is the target, source null
        ("オラクルは180億ドルの社債を発行した。", [(None, "Oracle", "bond", 18_000_000_000)]),
        # loan: lender → borrower; 融資枠 set up by the borrower with its banks
        (
            "みずほ銀行はソフトバンクグループに5000億円を融資する。",
            [("Mizuho Bank", "SoftBank", "loan", 500_000_000_000)],
        ),
        (
            "さくらインターネットは三菱UFJ銀行と200億円の融資枠を設定した。",
            [("MUFG Bank", "Sakura Internet", "loan", 20_000_000_000)],
        ),
        # equity offering
        (
            "さくらインターネットは公募増資で約180億円を調達する。",
            [(None, "Sakura Internet", "equity_offering", 18_000_000_000)],
        ),
        # lead investor of a round
        (
            "Anthropicは、ICONIQが主導した資金調達ラウンドで130億ドルを集めた。",
            [("ICONIQ", "Anthropic", "investment", 13_000_000_000)],
        ),
        # glued HTML text: names and amounts run together
        ("MetaはScale AI140億ドルを投資した。", [("Meta", "Scale AI", "investment", 14_000_000_000)]),
        # the conversion in brackets is not a second amount
        (
            "NVIDIAはOpenAIに1000億ドル（約15兆円）を出資する。",
            [("NVIDIA", "OpenAI", "investment", 100_000_000_000)],
        ),
        # headline style: "A、Bに…出資へ"
        ("エヌビディア、OpenAIに最大1000億ドル出資へ", [("NVIDIA", "OpenAI", "investment", 100_000_000_000)]),
    ],
)
def test_deals_roles_and_types(text: str, expected: list[tuple[object, ...]]) -> None:
    assert _deals(text) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("OpenAIの今年上半期の売上高は43億ドルだった。", "revenue"),
        ("OpenAIは昨年50億ドルの損失を出した。", "loss"),
        ("NVIDIAの時価総額は4兆ドルを超えた。", "market_cap"),
        ("オラクルは1000億ドルを超える負債を抱えている。", "debt_outstanding"),
        ("もしOpenAIが1000億ドルを手に入れたら、何に使うだろうか。", "other"),
        ("1兆ドル規模の企業がこれほど脆いとは思わなかった。", "other"),
        ("富士通は、英国子会社の株式をすべて売却し、約500億円の売却益を計上した。", "revenue"),
        ("マイクロソフトは、今年度にAIデータセンターに約800億ドルを投資する計画だ。", "capex"),
    ],
)
def test_deals_money_that_is_no_deal_is_a_metric(text: str, kind: str) -> None:
    ex = extract_document(text, PUB)
    assert [d for d in ex.deals if d.amount is not None] == []
    assert [m.kind for m in ex.metrics] == [kind]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("NVIDIAとOpenAIは最大1000億ドルの投資に向けた基本合意書を締結した。", "letter_of_intent"),
        ("関係者によると、アマゾンはOpenAIに500億ドルを投資する方向で協議している。", "rumored"),
        ("ソフトバンクはOpenAIに300億ドルを出資する予定だ。", "planned"),
        ("NVIDIAのOpenAIへの1000億ドルの投資は実現しない可能性が高い。", "denied_or_doubted"),
        ("OpenAIはソフトバンクから100億ドルを受け取った。", "completed"),
        ("マイクロソフトはネビウスと174億ドルの契約を発表した。", "announced"),
        # a transaction verb in the past: done, even when "…と発表した" follows
        ("マイクロソフトはネビウスと174億ドルの契約を結んだと発表した。", "completed"),
        ("ソフトバンクグループはOpenAIに225億ドルを追加で払い込みました。", "completed"),
        # 打ち出した launches a plan; it is no payment
        ("ソフトバンクとOpenAIは最大5000億ドルを投じる「スターゲート」計画を打ち出した。", "planned"),
        # only the amount's own clause counts
        ("コアウィーブにはNVIDIAも出資しており、9月には6億ドル以上を投じると発表した。", "announced"),
        # a media outlet's report
        ("米CNBCによると、NVIDIAはGroqの資産を約200億ドルで取得する。", "rumored"),
        ("OpenAIがオラクルと3000億ドルの契約を結んだと、米紙が報じた。", "rumored"),
    ],
)
def test_deals_status_cues(text: str, status: str) -> None:
    [deal] = extract_document(text, PUB).deals
    assert deal.status == status


def test_deals_anaphora_resolves_to_the_pair_before() -> None:
    text = "OpenAIとオラクルは大型のクラウド契約を結んだ。両社の契約額は3000億ドルを超える。"
    [deal] = [d for d in extract_document(text, PUB).deals if d.amount is not None]
    assert (deal.source, deal.target, deal.deal_type) == ("OpenAI", "Oracle", "compute_contract")


def test_deals_part_of_the_deal_before_inherits_parties() -> None:
    text = "ソフトバンクグループはOpenAIに最大300億ドルを出資する。このうち75億ドルを4月に払い込む。"
    deals = [
        (d.source, d.target, int(d.amount.value or 0)) for d in extract_document(text, PUB).deals if d.amount
    ]
    assert deals == [("SoftBank", "OpenAI", 30_000_000_000), ("SoftBank", "OpenAI", 7_500_000_000)]


def test_deals_date_and_term() -> None:
    text = "OpenAIは昨日、オラクルに5年間で3000億ドルを支払う契約を結んだ。"
    [deal] = extract_document(text, PUB).deals
    assert deal.date is not None and deal.date.value == "2025-09-25"
    assert deal.term_text == "5年間"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # lenders named together each lend the stated sum (one mention per lender)
        (
            "みずほ銀行と三井住友銀行が主導する銀行団は、ソフトバンクグループに総額1兆円を融資する。",
            [
                ("Mizuho Bank", "SoftBank", "loan", 1_000_000_000_000),
                ("SMBC", "SoftBank", "loan", 1_000_000_000_000),
            ],
        ),
        (
            "xAIは先月、米Blackstoneと米Apollo Global Managementが主導する融資で50億ドルを調達した。",
            [("Blackstone", "xAI", "loan", 5_000_000_000), ("Apollo", "xAI", "loan", 5_000_000_000)],
        ),
        # "AとBの契約" stays one two-party deal
        (
            "OpenAIとオラクルの3000億ドルの契約が注目を集めている。",
            [("OpenAI", "Oracle", "compute_contract", 300_000_000_000)],
        ),
        # a bare 政府 is the government of the country named last (default: Japan)
        (
            "政府はラピダスに追加で2000億円を出資する方針だ。",
            [("Government of Japan", "Rapidus", "investment", 200_000_000_000)],
        ),
        (
            "米国ではCHIPS法の見直しが進む。政府はインテルに89億ドルを出資した。",
            [("US Government", "Intel", "investment", 8_900_000_000)],
        ),
        # the owner of the topic phrase receives a subsidy ("同社の新工場は…助成を受ける")
        (
            "キオクシアは岩手県に新工場を建設する。同社の新工場は経済産業省から最大200億円の助成を受ける。",
            [("METI", "Kioxia", "other", 20_000_000_000)],
        ),
        # a partitive or money subject is no actor: the lessee is the company of the passage
        (
            "さくらインターネットは新たなGPU基盤を整備する。同社はさらに増資も検討する。"
            "サーバーの一部は東京センチュリーとのリース契約で調達し、リース料は総額約80億円となる。",
            [("Sakura Internet", "Tokyo Century", "lease", 8_000_000_000)],
        ),
        # a sum sizing the deal just announced takes its parties
        (
            "NTTはNTTデータを完全子会社化すると発表した。買収総額は約2兆円となる。",
            [("NTT", "NTT DATA", "acquisition", 2_000_000_000_000)],
        ),
    ],
)
def test_deals_parties_from_coordination_and_context(text: str, expected: list[tuple[object, ...]]) -> None:
    assert _deals(text) == expected


def _all_deals(text: str) -> list[tuple[object, ...]]:
    return [
        (d.source, d.target, d.deal_type, None if d.amount is None else int(d.amount.value or 0))
        for d in extract_document(text, PUB).deals
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 両社 takes the direction of the pair's earlier deal; a part of that deal follows it
        (
            "NVIDIAはOpenAIに最大1000億ドルを出資する。両社によると、出資は段階的に実行される。"
            "最初の100億ドルは年内に払い込まれる。",
            [
                ("NVIDIA", "OpenAI", "investment", 100_000_000_000),
                ("NVIDIA", "OpenAI", "investment", None),
                ("NVIDIA", "OpenAI", "investment", 10_000_000_000),
            ],
        ),
        # "Xとの契約" with nobody else named: the contract of the company talked about before
        (
            "オラクルは先週、180億ドルの社債を発行した。OpenAIとの3000億ドルの契約に備えるためだ。",
            [
                (None, "Oracle", "bond", 18_000_000_000),
                ("OpenAI", "Oracle", "compute_contract", 300_000_000_000),
            ],
        ),
        # "AはBと契約を結んだ" without an amount, then "この契約は…" sizes it
        (
            "Metaはクラウドへの支出を増やしている。先月にはCoreWeaveと新たな契約を結んだ。"
            "この契約は最大140億ドルに上る。",
            [
                ("Meta", "CoreWeave", "compute_contract", None),
                ("Meta", "CoreWeave", "compute_contract", 14_000_000_000),
            ],
        ),
        (
            "マイクロソフトはネビウスと複数年の契約を結んだ。同契約の総額は174億ドルとなる。",
            [
                ("Microsoft", "Nebius", "compute_contract", None),
                ("Microsoft", "Nebius", "compute_contract", 17_400_000_000),
            ],
        ),
        # selling shares of another company: cash for the seller, the issuer is no party
        (
            "ソフトバンクグループは保有するNVIDIA株をすべて売却し、58億ドルを得た。",
            [(None, "SoftBank", "other", 5_800_000_000)],
        ),
        # the maker of a built-in part is no party ("NVIDIA GPUを搭載した")
        (
            "OpenAIはCoreWeaveとNVIDIA製チップを搭載したサーバーの利用で22億ドルを支払う契約を結んだ。",
            [("OpenAI", "CoreWeave", "compute_contract", 2_200_000_000)],
        ),
        # bonds are sold to the market: no payer, even when a company is named nearby
        (
            "オラクルは社債を発行して180億ドルを調達し、スターゲートのようなAIインフラに投入する。",
            [(None, "Oracle", "bond", 18_000_000_000)],
        ),
        # "AはBから…払って": B is the one paid (a leaseback)
        (
            "グーグルはコアウィーブから、自社のTPUを3年間で20億ドル払って借り戻すリースバックを実施する。",
            [("Google", "CoreWeave", "lease", 2_000_000_000)],
        ),
        # the right to a minority stake is an investment
        (
            "OpenAIはAMDの株を最大10%取得できる権利を得る契約を結んだ。",
            [("OpenAI", "AMD", "investment", None)],
        ),
        # with no seller named before, shares of a company sold are its own offering
        (
            "OpenAIの株を66億ドル分売り出した。",
            [(None, "OpenAI", "equity_offering", 6_600_000_000)],
        ),
    ],
)
def test_deals_context_and_non_parties(text: str, expected: list[tuple[object, ...]]) -> None:
    assert _all_deals(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "XによるYの買収": X buys Y; "Yの買収" alone names only what is bought
        (
            "ソフトバンクによるアンペアの買収は65億ドルで完了した。",
            [("SoftBank", "Ampere Computing", "acquisition", 6_500_000_000)],
        ),
        ("アンペア買収の総額は65億ドルだった。", [(None, "Ampere Computing", "acquisition", 6_500_000_000)]),
        # a price per share is no second deal
        (
            "エヌビディアはインテルに50億ドルを出資し、インテル株を1株23.28ドルで取得する。",
            [("NVIDIA", "Intel", "investment", 5_000_000_000)],
        ),
        # 同社 is not the subject of its own clause
        (
            "コアウィーブは、OpenAIと最大119億ドルのクラウド契約を結び、OpenAIは同社に3億5000万ドルを出資する。",
            [
                ("OpenAI", "CoreWeave", "compute_contract", 11_900_000_000),
                ("OpenAI", "CoreWeave", "investment", 350_000_000),
            ],
        ),
        # a listing raises equity
        (
            "キオクシアホールディングスは東京証券取引所に上場し、約1200億円を調達した。",
            [(None, "Kioxia", "equity_offering", 120_000_000_000)],
        ),
        # "台湾のTSMC" says where TSMC is from: the 政府 paying in Japan is Japan's
        (
            "台湾のTSMCは熊本第2工場の建設に向け、政府から最大7320億円の補助金を受ける。",
            [("Government of Japan", "TSMC", "other", 732_000_000_000)],
        ),
        # a minority stake is an investment, not an acquisition
        (
            "KDDIは、ローソンの株式20%を約1000億円で取得する。",
            [("KDDI", "Lawson", "investment", 100_000_000_000)],
        ),
        (
            "KDDIはローソンにTOBを実施し、約5000億円で株式の50%を取得する。",
            [("KDDI", "Lawson", "acquisition", 500_000_000_000)],
        ),
        # banks listed with 、 each lend; the banks set up the facility for the borrower
        (
            "三菱UFJ銀行、三井住友銀行、みずほ銀行の3行は、ソフトバンクグループに対し計1兆円の融資枠を設定した。",
            [
                ("MUFG Bank", "SoftBank", "loan", 1_000_000_000_000),
                ("SMBC", "SoftBank", "loan", 1_000_000_000_000),
                ("Mizuho Bank", "SoftBank", "loan", 1_000_000_000_000),
            ],
        ),
        # raised through debt is a raise, not debt owed; the whole raise keeps its payers unnamed
        (
            "xAIは、債務と株式で計200億ドルを調達する計画で、このうちエヌビディアが最大20億ドルを出資する見通しだ。",
            [(None, "xAI", "investment", 20_000_000_000), ("NVIDIA", "xAI", "investment", 2_000_000_000)],
        ),
        # a recipient named only by its kind: a one-sided deal
        (
            "エヌビディアは、英国のAI関連企業に今後5年間で計20億ポンドを投資すると発表した。",
            [("NVIDIA", None, "investment", 2_000_000_000)],
        ),
        # a headline seller of another company's shares
        ("トヨタ、デンソー株を売却　約1000億円", [(None, "Toyota Motor", "other", 100_000_000_000)]),
        # an acquirer buying an unnamed business: a one-sided deal
        (
            "日立製作所は、独電機大手の送電事業を約1兆円で買収する。",
            [("Hitachi", None, "acquisition", 1_000_000_000_000)],
        ),
        # receiving an investment or a loan turns the roles round
        (
            "インテルは米政府から89億ドルの出資を受け入れ、政府は同社株の約10%を保有する。",
            [("US Government", "Intel", "investment", 8_900_000_000)],
        ),
        (
            "オラクルは、ミシガン州のデータセンター向けに380億ドルの融資を銀行団から受ける。",
            [(None, "Oracle", "loan", 38_000_000_000)],
        ),
        # buying a cloud provider's service is a capacity contract
        (
            "オープンAIはマイクロソフトとの契約を見直し、今後アジュールを2500億ドル分追加購入することで合意した。",
            [("OpenAI", "Microsoft", "compute_contract", 250_000_000_000)],
        ),
        # one contributor to a joint programme keeps its name
        (
            "ソフトバンクは、米スターゲート計画に190億ドルを拠出する。",
            [("SoftBank", "Stargate", "partnership", 19_000_000_000)],
        ),
        # 国 as the state; 支援 with an amount is funding
        (
            "ラピダスには国が累計で1兆7000億円超を支援している。",
            [("Government of Japan", "Rapidus", "other", 1_700_000_000_000)],
        ),
        # the lessor is the subject of "Bに…リースする"; the lessee pays
        (
            "東京センチュリーは、さくらインターネットにGPUサーバーを約120億円でリースする。",
            [("Sakura Internet", "Tokyo Century", "lease", 12_000_000_000)],
        ),
        # a short katakana name (メタ) is a party
        (
            "メタは、ブルー・アウル・キャピタルと270億ドルの資金調達で合意した。",
            [("Blue Owl", "Meta", "investment", 27_000_000_000)],
        ),
    ],
)
def test_deals_news_shapes(text: str, expected: list[tuple[object, ...]]) -> None:
    assert _deals(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # passive: the subject is the one bought; both buyers named get a line
        (
            "米アンペア・コンピューティングは昨年、ソフトバンクグループに65億ドルで買収された。",
            [("SoftBank", "Ampere Computing", "acquisition", 6_500_000_000)],
        ),
        # a syndicate the borrower signs with: the banks lend
        (
            "ラピダスは、みずほ銀行を中心とする銀行団と総額3000億円の融資契約を結んだ。",
            [("Mizuho Bank", "Rapidus", "loan", 300_000_000_000)],
        ),
        # shares of the deal just described ("それぞれ"), with a shared verb
        (
            "ラピダスは、みずほ銀行を中心とする銀行団と総額3000億円の融資契約を結んだ。"
            "みずほ銀行と三井住友銀行がそれぞれ1千億円、三菱UFJ銀行が500億円を拠出する。",
            [
                ("Mizuho Bank", "Rapidus", "loan", 300_000_000_000),
                ("Mizuho Bank", "Rapidus", "loan", 100_000_000_000),
                ("SMBC", "Rapidus", "loan", 100_000_000_000),
                ("MUFG Bank", "Rapidus", "loan", 50_000_000_000),
            ],
        ),
        # money from a group named by its kind: the subject receives
        ("豪AirTrunk、3メガバンクなどから4000億円の協調融資", [(None, "AirTrunk", "loan", 400_000_000_000)]),
        # a headline government; a country without a registered government
        (
            "政府、ラピダスに1兆円超の追加支援へ",
            [("Government of Japan", "Rapidus", "other", 1_000_000_000_000)],
        ),
        (
            "インテルはドイツ政府から99億ユーロの補助金をもらう予定だった。",
            [("Government of Germany", "Intel", "other", 9_900_000_000)],
        ),
        # the ministry gives a subsidy
        ("経済産業省はキオクシアに最大2430億円を助成する。", [("METI", "Kioxia", "other", 243_000_000_000)]),
        # capacity bought from a chip maker is still a compute contract
        (
            "OpenAIはCerebrasと100億ドル超の計算契約を結んだ。",
            [("OpenAI", "Cerebras", "compute_contract", 10_000_000_000)],
        ),
        # a convertible bond is a bond, not new shares
        (
            "キオクシアは転換社債型新株予約権付社債を発行し、2000億円を調達する。",
            [(None, "Kioxia", "bond", 200_000_000_000)],
        ),
        # colloquial 入れる: investing
        (
            "エヌビデアがインテルに50億ドル入れるって発表して",
            [("NVIDIA", "Intel", "investment", 5_000_000_000)],
        ),
    ],
)
def test_deals_heldout_shapes(text: str, expected: list[tuple[object, ...]]) -> None:
    assert _deals(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # every bank of a list led by 、 lends, whichever the role reading picked
        (
            "ラピダスは、三菱UFJ銀行、三井住友銀行、みずほ銀行の3メガバンクを中心とする銀行団と"
            "総額3000億円の融資契約を結んだ。",
            [
                ("MUFG Bank", "Rapidus", "loan", 300_000_000_000),
                ("SMBC", "Rapidus", "loan", 300_000_000_000),
                ("Mizuho Bank", "Rapidus", "loan", 300_000_000_000),
            ],
        ),
        # "Xを通じた出資": X is the channel that pays
        (
            "政府はラピダスを支援する。このうち1000億円は産業革新投資機構を通じた出資とする。",
            [("Japan Investment Corporation", "Rapidus", "investment", 100_000_000_000)],
        ),
        # a subsidy received from a named government
        (
            "インテルは米政府から受け取った補助金と合わせると、全部で111億ドルになると説明した。",
            [("US Government", "Intel", "other", 11_100_000_000)],
        ),
        # a generic recipient is not filled from the sentences before
        (
            "エヌビディアはノキアに10億ドルを出資した。英国でもスタートアップに20億ポンド投資すると述べた。",
            [("NVIDIA", "Nokia", "investment", 1_000_000_000), ("NVIDIA", None, "investment", 2_000_000_000)],
        ),
        # payers named by their kind, and a raise, carry no payer in from elsewhere
        (
            "3メガバンクはラピダスへの出資に応じる方向で、民間企業からの出資は総額1300億円程度になる見通しだ。",
            [(None, "Rapidus", "investment", 130_000_000_000)],
        ),
        # the company of the passage is found through 同社, not the last name mentioned
        (
            "サカナAIは17日、約200億円を集めたと発表した。同社は2023年、米グーグルの研究者らが設立した。"
            "2024年9月には米NVIDIAなどから約300億円を調達している。",
            [
                (None, "Sakana AI", "investment", 20_000_000_000),
                ("NVIDIA", "Sakana AI", "investment", 30_000_000_000),
            ],
        ),
        # "X買収" names the one bought, even with a DAT party in the headline
        (
            "日本製鉄、USスチール買収を完了　141億ドル、米政府に「黄金株」",
            [("Nippon Steel", "U.S. Steel", "acquisition", 14_100_000_000)],
        ),
        # "XのTOB" is X's tender offer for the subject
        (
            "東芝、日本産業パートナーズ連合のTOB成立　約2兆円",
            [("Japan Industrial Partners", "Toshiba", "acquisition", 2_000_000_000_000)],
        ),
        # the instrument before the amount types the raise
        (
            "日本製鉄は今後、ハイブリッド社債の発行などで最大5000億円を調達し、借り換えを進める。",
            [(None, "Nippon Steel", "bond", 500_000_000_000)],
        ),
        # investors listed with や each pay
        (
            "Wizは昨年5月、アンドリーセン・ホロウィッツやセコイア・キャピタルなどから10億ドルを調達した。",
            [
                ("Andreessen Horowitz", "Wiz", "investment", 1_000_000_000),
                ("Sequoia Capital", "Wiz", "investment", 1_000_000_000),
            ],
        ),
        # banks listed by 、 are one side: the borrower comes from the passage
        (
            "伊藤忠商事はセブン&アイの買収を検討した。三菱UFJ銀行、三井住友銀行、みずほ銀行の3メガバンクが"
            "計6兆円を融資する案も検討された。",
            [
                ("MUFG Bank", "Itochu", "loan", 6_000_000_000_000),
                ("SMBC", "Itochu", "loan", 6_000_000_000_000),
                ("Mizuho Bank", "Itochu", "loan", 6_000_000_000_000),
            ],
        ),
        # spoken: a list with とか, misheard names, 借りてて
        (
            "コアウィーブは去年の5月にはブラックストンとかマグネタから75億ドル借りてて。",
            [
                ("Blackstone", "CoreWeave", "loan", 7_500_000_000),
                ("Magnetar", "CoreWeave", "loan", 7_500_000_000),
            ],
        ),
        # "N規模のつなぎ融資": a deal noun after a short modifier; lenders listed before から
        (
            "日本製鉄は買収を完了した。買収資金は、三菱UFJ銀行、みずほ銀行から借り入れた総額2兆円規模のつなぎ融資で賄った。",
            [
                ("MUFG Bank", "Nippon Steel", "loan", 2_000_000_000_000),
                ("Mizuho Bank", "Nippon Steel", "loan", 2_000_000_000_000),
            ],
        ),
        # another company's facilities: an investment in that company, not capex
        (
            "日本製鉄は2028年までにUSスチールの設備に約110億ドルを投じる。",
            [("Nippon Steel", "U.S. Steel", "investment", 11_000_000_000)],
        ),
        # shares bought on the market are a stake
        (
            "三井住友銀行はSBIホールディングス株を約800億円で市場から取得した。",
            [("SMBC", "SBI Holdings", "investment", 80_000_000_000)],
        ),
        # a company sold to a buyer is acquired by the buyer
        (
            "セブン&アイは、ヨーク・ホールディングスを米ベインキャピタルに約8147億円で売却する。",
            [("Bain Capital", "York Holdings", "acquisition", 814_700_000_000)],
        ),
        # the pair spends together
        (
            "トヨタ自動車とNTTは自動運転の基盤を共同開発する。両社は2030年までに約5000億円を投じる。",
            [("Toyota Motor", "NTT", "partnership", 500_000_000_000)],
        ),
    ],
)
def test_deals_context_heldout_shapes(text: str, expected: list[tuple[object, ...]]) -> None:
    assert _deals(text) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # the clause's topic is a metric even far from the amount
        (
            "キオクシアの有利子負債は昨年12月末時点で約1兆1000億円あり、借り入れの返済を急ぐ。",
            "debt_outstanding",
        ),
        ("三井住友銀行はデータセンター向けの融資残高を2027年度までに1兆円に増やす。", "debt_outstanding"),
        ("国内のデータセンター市場は2030年に約5兆円規模に拡大し、大型融資も続きそうだ。", "other"),
        # money for a sector is a budget; a programme's total is not a deal
        ("政府は2030年度までにAI・半導体分野へ10兆円以上の公的支援を行う。", "other"),
        ("米国でもCHIPS法に基づく補助金の総額は527億ドルに上る。", "other"),
        # investing in a country is building there (capex), not a deal
        ("アマゾンは2027年までに日本に2兆2600億円を投資すると発表した。", "capex"),
        ("AI関連の社債発行額は今年だけで2000億ドルに達するとの試算もある。", "other"),
        # sums over many deals
        ("創業から2年余りで累計の調達額は約500億円に達した。", "other"),
        ("2025年1〜9月の国内AIスタートアップの資金調達額は約2800億円と、前年の1.5倍に増えた。", "other"),

    ],
)
def test_deals_metric_shapes(text: str, kind: str) -> None:
    ex = extract_document(text, PUB)
    assert [d for d in ex.deals if d.amount is not None] == []
    assert [m.kind for m in ex.metrics] == [kind]


def test_deals_metric_cue_belongs_to_the_amount_before_it() -> None:
    ex = extract_document("エックスAIは企業価値2千億ドルで100億ドルを調達したと報じられた。", PUB)
    assert [m.kind for m in ex.metrics] == ["valuation"]
    assert [(d.target, int(d.amount.value or 0)) for d in ex.deals if d.amount] == [("xAI", 10_000_000_000)]
