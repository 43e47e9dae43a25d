"""Showing quantities the way staff read them: sessions, hours and minutes, money."""

from __future__ import annotations

from sessionpacks.enums import Metric

# ISO 4217 currencies whose minor unit is not a hundredth.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def format_money(minor: int, currency: str) -> str:
    exponent = minor_digits(currency)
    if exponent == 0:
        return f"{minor} {currency}"
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}.{fraction:0{exponent}d} {currency}"


def minor_digits(currency: str) -> int:
    """How many digits a currency's minor unit has: 2 for EUR, 0 for JPY, 3 for KWD."""
    return _EXPONENTS.get(currency, 2)


def format_units(units: int, metric: Metric, currency: str | None = None) -> str:
    if metric is Metric.MONEY:
        return format_money(units, currency or "")
    if metric is Metric.MINUTES:
        sign = "-" if units < 0 else ""
        hours, minutes = divmod(abs(units), 60)
        return f"{sign}{hours}h{minutes:02d}"
    return f"{units} session" + ("" if abs(units) == 1 else "s")
