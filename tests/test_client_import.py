"""Importing clients from a CSV list: strict reading, chunked set-based writes, refusals with
their line, and a run killed part-way then run again adding nobody twice, on SQLite, PostgreSQL
and MariaDB."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import (
    ClientImportReport,
    InvalidInput,
    Settings,
    Studio,
    allow_all,
    create_engine,
    read_client_csv,
)
from sessionpacks.models import Account, Member
from tests.test_cli import Cli
from tests.test_concurrency import _context

LIST = """account_ref,name,member_name,member_ref,email
crm-1,The Garcia family,Lucía Garcia,K-1,lucia@example.org
crm-1,The Garcia family,Mateo Garcia,K-2,
crm-2,Sam Lee,,,sam@example.org
"""


def _read(text: str) -> list[object]:
    return list(read_client_csv(io.StringIO(text), "clients.csv"))


def _count(engine: Engine, model: type[object]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(model)).scalar_one())


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("ref,name\nx,y\n", "line 1: the header must name the columns account_ref, name"),
        ("account_ref,name,age\nx,y,3\n", "unknown: age"),
        ("account_ref,name\ncrm-1,Ana\ncrm-2,Bo,extra\n", "line 3: 3 cells where the header has 2"),
        ("account_ref,name\ncrm-1\n", "line 2: 1 cells where the header has 2"),
        ('account_ref,name\ncrm-1,"Ana\ncrm-2,Bo\n', "bad CSV"),
    ],
)
def test_a_bad_file_is_refused_naming_its_line(text: str, said: str) -> None:
    with pytest.raises(InvalidInput, match=said):
        _read(text)


def test_clients_are_added_once_and_a_second_run_adds_nobody(
    studio: Studio, engine: Engine
) -> None:
    first = studio.import_clients(read_client_csv(io.StringIO(LIST)))
    assert first == ClientImportReport(processed=3, accounts_added=2, members_added=3)
    garcias = studio.account_by_ref("crm-1")
    assert [(m.name, m.ref) for m in studio.members(garcias.id)] == [
        ("Lucía Garcia", "K-1"),
        ("Mateo Garcia", "K-2"),
    ]
    (sam,) = studio.members(studio.account_by_ref("crm-2").id)
    assert (sam.name, sam.email) == ("Sam Lee", "sam@example.org")
    again = studio.import_clients(read_client_csv(io.StringIO(LIST)), chunk_size=2)
    assert again == ClientImportReport(processed=3, already_present=3)
    assert (_count(engine, Account), _count(engine, Member)) == (2, 3)


def test_a_row_that_cannot_go_in_is_refused_with_its_line_and_the_others_go_in(
    studio: Studio, engine: Engine
) -> None:
    studio.add_client("crm-9", "Ines", member_ref="K-7")
    text = (
        "account_ref,name,member_ref,email\n"
        "crm-1,Ana,,not an address\n"
        f"crm-2,{'B' * 201},,\n"
        "crm-3,Cy,K-7,\n"
        "crm-4,Dee,K-8,dee@example.org\n"
    )
    report = studio.import_clients(read_client_csv(io.StringIO(text)))
    assert (report.accounts_added, report.members_added) == (1, 1)  # a refused row adds nothing
    assert [(r.line, r.reason.split(" ")[0]) for r in report.refused] == [
        (2, "email"),
        (3, "name"),
        (4, "member"),
    ]
    assert "another account's member's" in report.refused[2].reason
    assert studio.member_by_ref("K-8").name == "Dee"


def import_until_killed(url: str, path: str) -> None:
    studio = Studio(create_engine(url), settings=Settings(policy=allow_all))

    def progress(report: ClientImportReport) -> None:
        if report.processed >= 500:
            os._exit(70)  # killed, no clean-up, after five chunks

    with open(path, encoding="utf-8") as stream:
        studio.import_clients(read_client_csv(stream), chunk_size=100, on_progress=progress)


def test_an_import_killed_part_way_is_finished_by_running_it_again(
    studio: Studio, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "clients.csv"
    path.write_text(
        "account_ref,name,member_ref\n"
        + "".join(f"crm-{n},Client {n},K-{n}\n" for n in range(1, 1201)),
        encoding="utf-8",
    )
    child = _context.Process(target=import_until_killed, args=(database_url, str(path)))
    child.start()
    child.join(120)
    assert child.exitcode == 70
    assert _count(engine, Account) == 500  # whole chunks only
    with path.open(encoding="utf-8") as stream:
        report = studio.import_clients(read_client_csv(stream), chunk_size=100)
    assert (report.already_present, report.accounts_added, report.members_added) == (500, 700, 700)
    assert (_count(engine, Account), _count(engine, Member)) == (1200, 1200)


def test_the_command_line_imports_a_list_and_reports_it(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "clients.csv"
    path.write_text(LIST + "crm-3,Cy,,K-1,\n", encoding="utf-8")
    sp = Cli(database_url)
    out = sp.ok("import-clients", str(path))
    assert "2 accounts and 3 members added, 0 already there, 1 refused (4 rows)" in out
    assert re.search(r"^\s+5\s+member code 'K-1'", out, re.M)  # the refused row's line
    assert "another account's member's" in out
    assert sp.json("import-clients", str(path))["already_present"] == 3
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("account_ref,name\ncrm-1,Ana,x\n", encoding="utf-8")
    refused = sp.fails("import-clients", str(ragged))
    assert "line 2: 3 cells" in refused.stderr
    assert _count(engine, Account) == 2
