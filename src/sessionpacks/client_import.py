"""Importing a studio's clients in bulk: accounts and their members, from a CSV list.

A studio moving from another system brings thousands of clients. They go in chunks, each in one
transaction with set-based inserts, so memory stays bounded and a crash loses at most the chunk
under way. An import is keyed by the rows themselves: an account whose ref is already there, and a
member already in its account (by member code, or by name when the row gives no code), are
counted as already present, not added again. Running the same file again after a crash therefore
finishes it without adding anyone twice.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TextIO

import attrs
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from sessionpacks import validation
from sessionpacks.directory import accounts, check_email, members
from sessionpacks.errors import InvalidInput
from sessionpacks.models import REF_LENGTH

COLUMNS = ("account_ref", "name", "member_name", "member_ref", "email")
REQUIRED = ("account_ref", "name")


@attrs.frozen
class ClientRow:
    """One line of the list: an account (its ref and name) and one of its members, who is named
    like the account unless ``member_name`` says otherwise."""

    line: int
    account_ref: str
    name: str
    member_name: str | None = None
    member_ref: str | None = None
    email: str | None = None


@attrs.frozen
class RefusedRow:
    line: int
    reason: str


@attrs.frozen
class ClientImportReport:
    """What an import did: rows read, accounts and members added, rows already there (from an
    earlier run of the same list) and rows refused, each with its line and why."""

    processed: int = 0
    accounts_added: int = 0
    members_added: int = 0
    already_present: int = 0
    refused: tuple[RefusedRow, ...] = ()

    def plus(self, other: ClientImportReport) -> ClientImportReport:
        return ClientImportReport(
            processed=self.processed + other.processed,
            accounts_added=self.accounts_added + other.accounts_added,
            members_added=self.members_added + other.members_added,
            already_present=self.already_present + other.already_present,
            refused=self.refused + other.refused,
        )


def read_csv(stream: TextIO, source: str = "the file") -> Iterator[ClientRow]:
    """The rows of a client list, checked strictly as they are read: a header with at least
    ``account_ref`` and ``name``, no unknown column, no row with more or fewer cells than the
    header, no broken quoting. A bad file raises :class:`InvalidInput` naming its line."""
    reader = csv.reader(stream, strict=True)
    done = 0  # the lines read in whole records: a broken record starts on the next one
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        done = reader.line_num
        unknown = [name for name in header if name not in COLUMNS]
        missing = [name for name in REQUIRED if name not in header]
        if unknown or missing or len(set(header)) != len(header):
            raise InvalidInput(
                f"{source}, line 1: the header must name the columns {', '.join(REQUIRED)} and"
                f" may add {', '.join(COLUMNS[len(REQUIRED) :])}, each once"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            )
        for cells in reader:
            line = reader.line_num
            if len(cells) != len(header):
                raise InvalidInput(
                    f"{source}, line {line}: {len(cells)} cells where the header has {len(header)}"
                )
            values = {name: cell.strip() or None for name, cell in zip(header, cells, strict=True)}
            done = line
            yield ClientRow(
                line=line,
                account_ref=values.get("account_ref") or "",
                name=values.get("name") or "",
                member_name=values.get("member_name"),
                member_ref=values.get("member_ref"),
                email=values.get("email"),
            )
    except csv.Error as error:
        raise InvalidInput(f"{source}, line {done + 1}: bad CSV: {error}") from None
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{source} is not a UTF-8 CSV file: {error}") from None


def chunks(rows: Iterable[ClientRow], size: int) -> Iterator[list[ClientRow]]:
    chunk: list[ClientRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_chunk(
    conn: Connection, now: dt.datetime, rows: Sequence[ClientRow]
) -> ClientImportReport:
    """Add the chunk's new accounts and members in a few statements, in the caller's
    transaction. A refused row adds nothing, not even its account."""
    checked: list[ClientRow] = []
    refused: list[RefusedRow] = []
    for row in rows:
        try:
            checked.append(_checked(row))
        except InvalidInput as error:
            refused.append(RefusedRow(row.line, str(error)))
    # A member code belongs to one account: whose it is already, by account ref.
    codes = sorted({row.member_ref for row in checked if row.member_ref})
    code_owner: dict[str, str] = {}
    if codes:
        by_code = (
            select(members.c.ref, accounts.c.ref)
            .join(accounts, accounts.c.id == members.c.account_id)
            .where(members.c.ref.in_(codes))
        )
        code_owner = {row[0]: row[1] for row in conn.execute(by_code)}
    valid: list[ClientRow] = []
    for row in checked:
        owner = code_owner.setdefault(row.member_ref, row.account_ref) if row.member_ref else None
        if owner is not None and owner != row.account_ref:
            why = f"member code {row.member_ref!r} is another account's member's"
            refused.append(RefusedRow(row.line, why))
        else:
            valid.append(row)
    known = _account_ids(conn, sorted({row.account_ref for row in valid}))
    new_accounts: dict[str, str] = {}
    for row in valid:
        if row.account_ref not in known:
            new_accounts.setdefault(row.account_ref, row.name)
    if new_accounts:
        conn.execute(
            insert(accounts),
            [{"ref": ref, "name": name, "created_at": now} for ref, name in new_accounts.items()],
        )
        known.update(_account_ids(conn, sorted(new_accounts)))
    # Who is there already: by member code, or by name within the account.
    taken_codes: set[str] = set()
    if codes:
        taken_codes = set(conn.scalars(select(members.c.ref).where(members.c.ref.in_(codes))))
    named: set[tuple[int, str]] = set()
    if known:
        by_name = select(members.c.account_id, members.c.name).where(
            members.c.account_id.in_(sorted(set(known.values())))
        )
        named = {(row[0], row[1]) for row in conn.execute(by_name)}
    new_members: list[dict[str, object]] = []
    present = 0
    for row in valid:
        account_id = known[row.account_ref]
        member_name = row.member_name or row.name
        there = (
            row.member_ref in taken_codes if row.member_ref else (account_id, member_name) in named
        )
        if there:
            present += 1
            continue
        new_members.append(
            {
                "account_id": account_id,
                "name": member_name,
                "ref": row.member_ref,
                "email": row.email,
                "created_at": now,
            }
        )
        if row.member_ref:
            taken_codes.add(row.member_ref)
        named.add((account_id, member_name))
    if new_members:
        conn.execute(insert(members), new_members)
    return ClientImportReport(
        processed=len(rows),
        accounts_added=len(new_accounts),
        members_added=len(new_members),
        already_present=present,
        refused=tuple(sorted(refused, key=lambda r: r.line)),
    )


def _checked(row: ClientRow) -> ClientRow:
    return attrs.evolve(
        row,
        account_ref=validation.name("account_ref", row.account_ref, REF_LENGTH),
        name=validation.name("name", row.name),
        member_name=None
        if row.member_name is None
        else validation.name("member_name", row.member_name),
        member_ref=None
        if row.member_ref is None
        else validation.name("member_ref", row.member_ref, REF_LENGTH),
        email=check_email(row.email),
    )


def _account_ids(conn: Connection, refs: Sequence[str]) -> dict[str, int]:
    if not refs:
        return {}
    found = select(accounts.c.ref, accounts.c.id).where(accounts.c.ref.in_(refs))
    return {row[0]: row[1] for row in conn.execute(found)}


Progress = Callable[[ClientImportReport], None]
