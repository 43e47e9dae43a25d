"""Money as the office and the members' pages show it: the core's rule, in the studio's language."""

from __future__ import annotations

from sessionpacks.enums import Metric
from sessionpacks.web.helpers import money, units
from sessionpacks.web.i18n import speaking
from sessionpacks.web.wording import amount


def test_the_office_shows_minor_units_as_amounts() -> None:
    assert money(2500, "EUR") == "25.00 EUR"
    assert money(-250, "EUR") == "-2.50 EUR"
    assert money(2500, None) == "25.00"
    assert money(None, "EUR") == "—"
    # A currency without decimals (ISO 4217 exponent 0) shows whole units.
    assert money(1500, "JPY") == "1500 JPY"
    assert units(10, "sessions") == "10 sessions"
    assert units(1250, Metric.MONEY, "EUR") == "12.50 EUR"


def test_members_read_the_same_amounts() -> None:
    assert amount(1250, Metric.MONEY, "EUR") == "12.50 EUR"
    assert amount(1500, Metric.MONEY, "JPY") == "1500 JPY"
    assert amount(1, Metric.SESSIONS, None) == "1 session"
    assert amount(45, Metric.MINUTES, None) == "45 minutes"


def test_in_spanish_amounts_take_a_decimal_comma_and_spanish_words() -> None:
    with speaking("es"):
        assert money(2500, "EUR") == "25,00 EUR"
        assert money(-250, "EUR") == "-2,50 EUR"
        assert money(1500, "JPY") == "1500 JPY"
        assert amount(1, Metric.SESSIONS, None) == "1 sesión"
        assert amount(4, Metric.SESSIONS, None) == "4 sesiones"
        assert amount(45, Metric.MINUTES, None) == "45 minutos"
    # Outside, English again: the language belongs to the request, not the process.
    assert money(2500, "EUR") == "25.00 EUR"
