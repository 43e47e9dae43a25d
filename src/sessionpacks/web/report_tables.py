"""The core's report tables as the office pages show them, in the studio's language: the column
names and the words in the cells through the catalogue, amounts written the language's way.

The CSV downloads keep the core's tables unchanged: a spreadsheet or a script reads the same
columns whatever the studio speaks.
"""

from __future__ import annotations

import re
from decimal import Decimal

import attrs

from sessionpacks.enums import Metric
from sessionpacks.reports import PassListReport, Table
from sessionpacks.reports.activity import CHANNEL_NAMES
from sessionpacks.reports.holdings import HeldPass
from sessionpacks.reports.tables import Cell, day
from sessionpacks.units import format_units
from sessionpacks.web.i18n import N_, current, gettext, money, ngettext

# Every column the core's tables name, said as the office says it (English: as the core does).
# Marked "column|": a bare word such as "of" would be hard to translate alone, and would read as
# English left on any page that quotes it.
_COLUMNS = frozenset(
    (
        N_("column|account"),
        N_("column|account ref"),
        N_("column|member"),
        N_("column|pass"),
        N_("column|template"),
        N_("column|state"),
        N_("column|left"),
        N_("column|of"),
        N_("column|expires"),
        N_("column|unused paid value"),
        N_("column|currency"),
        N_("column|units"),
        N_("column|deferred at start"),
        N_("column|sales"),
        N_("column|used"),
        N_("column|expired or written off"),
        N_("column|kept on refunds"),
        N_("column|recognised"),
        N_("column|refunded"),
        N_("column|rolled over"),
        N_("column|deferred at end"),
        N_("column|service"),
        N_("column|redemptions"),
        N_("column|no-shows"),
        N_("column|late cancellations"),
        N_("column|channel"),
        N_("column|week of"),
        N_("column|week"),
        N_("column|month"),
        N_("column|sold"),
        N_("column|refunds"),
        # The charts' tables and lines.
        N_("column|visits"),
        N_("column|liability"),
    )
)
# The core's words in cells: a pass's state and the door a visit came through.
_STATES = {
    "pending": N_("not started"),
    "active": N_("active"),
    "suspended": N_("on hold"),
    "exhausted": N_("used up"),
    "expired": N_("expired"),
    "voided": N_("deleted"),
    "refunded": N_("refunded"),
}
_CHANNELS = {
    CHANNEL_NAMES[key]: word
    for key, word in (
        ("office", N_("front desk")),
        ("kiosk", N_("check-in kiosk")),
        ("portal", N_("member portal")),
        ("api", N_("API")),
        ("cli", N_("command line")),
        ("system", N_("automatic")),
    )
}
_CONTEXT = "column|"
# An amount as the core writes it in a table: decimal text with a point.
_AMOUNT = re.compile(r"^-?\d+\.\d+$")


def shown(table: Table, title: str | None = None) -> Table:
    """``table`` with its columns, channel names and amounts in the studio's language."""
    return Table(
        table.title if title is None else title,
        tuple(column(name) for name in table.columns),
        tuple(tuple(_cell(cell) for cell in row) for row in table.rows),
    )


def pass_list(report: PassListReport, title: str) -> Table:
    """A list of passes with its states, units and who may use each in words."""
    core = report.table()
    return attrs.evolve(shown(core, title), rows=tuple(_held(held) for held in report.passes))


def _held(held: HeldPass) -> tuple[Cell, ...]:
    return (
        held.account_name,
        held.account_ref,
        held.member_name or gettext("everyone on the account"),
        held.label,
        held.template,
        gettext(_STATES[held.state.value]),
        _units(held.remaining, held.metric, held.currency),
        _units(held.initial_quantity, held.metric, held.currency),
        day(held.expires_at),
        _amount(held.value_left_minor, held.cost_currency),
        held.cost_currency,
    )


def column(name: str) -> str:
    """A column's name in the studio's language."""
    marked = f"{_CONTEXT}{name}"
    return gettext(marked).removeprefix(_CONTEXT) if marked in _COLUMNS else name


def _cell(cell: Cell) -> Cell:
    if not isinstance(cell, str):
        return cell
    if cell in _CHANNELS:
        return gettext(_CHANNELS[cell])
    if _AMOUNT.match(cell):
        return _decimal(Decimal(cell))
    return cell


def _units(units: int, metric: Metric, currency: str | None) -> str:
    if metric is Metric.SESSIONS:
        return ngettext("%(num)d session", "%(num)d sessions", units)
    if metric is Metric.MONEY:
        return f"{_amount(units, currency)} {currency or ''}".strip()
    # Hours and minutes ("1h30") read the same in every language the pages speak.
    return format_units(units, metric, currency)


def _amount(minor: int, currency: str | None) -> str:
    if not currency:
        return str(minor)
    return money(minor, currency).rsplit(" ", 1)[0]


def _decimal(value: Decimal) -> str:
    from babel.numbers import format_decimal

    digits = max(-int(value.as_tuple().exponent), 0)
    pattern = "0." + "0" * digits if digits else "0"
    return format_decimal(value, format=pattern, locale=current())
