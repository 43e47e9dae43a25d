"""Every report as a table: the columns people read, the same for the CLI, the office, CSV and
JSON, so the figures agree wherever they are shown."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence

import attrs

from sessionpacks.units import format_money

Cell = str | int | None


@attrs.frozen
class Table:
    """A report's rows under named columns. Money cells are decimal text with the currency in
    its own column, so a spreadsheet can sum them."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows([_safe(cell) for cell in row] for row in self.rows)
        return out.getvalue()

    def to_json(self) -> str:
        records = [dict(zip(self.columns, row, strict=True)) for row in self.rows]
        return json.dumps({"title": self.title, "rows": records}, indent=2)


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _safe(cell: Cell) -> Cell:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers (also
    negative ones, written by us) stay numbers."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) and not _is_number(cell):
        return "'" + cell
    return cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def money(minor: int, currency: str | None) -> str:
    """Minor units as decimal text without the currency code (it has its own column)."""
    if not currency:
        return str(minor)
    return format_money(minor, currency).rsplit(" ", 1)[0]


def moment(value: dt.datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M")


def day(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d")


def rows(*items: Sequence[Cell]) -> tuple[tuple[Cell, ...], ...]:
    return tuple(tuple(item) for item in items)
