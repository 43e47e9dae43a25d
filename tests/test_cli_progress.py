"""The running count of every long command: on stderr, on a terminal only, never in --json.

CliRunner's stderr is no terminal, so the tests that want the count pretend it is one by
replacing ``progress.on_terminal``; everything else (the database, the commands) is real.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from sessionpacks.cli import progress
from tests.test_cli import Cli
from tests.test_cli_products import PROVIDER

UTC = dt.timezone.utc


@pytest.fixture
def sp(engine: Engine, database_url: str) -> Cli:
    return Cli(database_url)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "on_terminal", lambda: True)


def counts(stderr: str, done: str) -> list[str]:
    """The counts a running count showed, in order (each rewrites the line after a CR)."""
    return re.findall(rf"\r{done} (\d+(?: of \d+)?)", stderr)


def _in_days(n: int) -> str:
    return (dt.datetime.now(UTC) + dt.timedelta(days=n)).date().isoformat()


def _due_passes(sp: Cli, n: int) -> None:
    sp.ok("account", "add", "kim", "Jo Kim")
    for _ in range(n):
        sp.json("grant", "kim", "2", "--expires", _in_days(1), "--reason", "trial")


def test_expire_counts_each_batch_on_a_terminal(sp: Cli, terminal: None) -> None:
    _due_passes(sp, 5)
    result = sp("expire", "--now", _in_days(3), "--batch-size", "2")
    assert result.exit_code == 0, result.stderr
    assert counts(result.stderr, "expired") == ["2", "4", "5"]
    assert result.stderr.endswith("\n")  # the line is ended: the shell prompt starts afresh
    assert "expired 5 pass(es) in 3 batch(es)" in result.stdout
    assert "\r" not in result.stdout  # stdout keeps the summary alone


def test_run_due_counts_what_it_expired_on_a_terminal(sp: Cli, terminal: None) -> None:
    _due_passes(sp, 3)
    result = sp("run-due", "--now", _in_days(3))
    assert result.exit_code == 0, result.stderr
    assert counts(result.stderr, "expired") == ["3"]
    assert "expired 3 pass(es)" in result.stdout


def test_renew_due_counts_the_renewals_it_tried_on_a_terminal(sp: Cli, terminal: None) -> None:
    sp.ok("account", "add", "lee", "The Lee family")
    ann = sp.json("member", "add", "lee", "Ann Lee")["id"]
    yoga = sp.json("service", "add", "Yoga", "--category", "yoga", "--minutes", "60")["id"]
    made = sp.json(
        "template", "add", "Drop-in", "1", "--price", "1500", "--currency", "eur", "--auto-renew"
    )
    for number in (1, 2):
        sp.json(*PROVIDER, "sell", str(made["id"]), "lee", "--key", f"s{number}")
        sp.ok("redeem", str(ann), str(yoga), "--key", f"u{number}")
    result = sp(*PROVIDER, "renew-due")
    assert result.exit_code == 0, result.stderr
    assert counts(result.stderr, "renewals tried") == ["1", "2"]
    assert "renewed 0 plan period(s) and 2 pass(es); 0 failed" in result.stdout


def test_bulk_grant_counts_rows_of_the_file_on_a_terminal(
    sp: Cli, terminal: None, tmp_path: Path
) -> None:
    path = tmp_path / "clients.csv"
    refs = [f"c{n}" for n in range(5)]
    for ref in refs:
        sp.ok("account", "add", ref, f"Client {ref}")
    path.write_text("account_ref\n" + "".join(f"{ref}\n" for ref in [*refs, "nobody"]))
    result = sp("bulk-grant", str(path), "3", "--reason", "snow day", "--batch-key", "snow")
    assert result.exit_code == 0, result.stderr
    assert counts(result.stderr, "granted") == ["6 of 6"]  # one chunk
    assert "5 granted, 1 skipped of 6" in result.stdout


def test_import_clients_counts_rows_of_the_file_on_a_terminal(
    sp: Cli, terminal: None, tmp_path: Path
) -> None:
    path = tmp_path / "clients.csv"
    path.write_text(
        "account_ref,name\n" + "".join(f"crm-{n},Client {n}\n" for n in range(5)),
        encoding="utf-8",
    )
    result = sp("import-clients", str(path), "--chunk-size", "2")
    assert result.exit_code == 0, result.stderr
    assert counts(result.stderr, "imported") == ["2 of 5", "4 of 5", "5 of 5"]
    assert "5 accounts and 5 members added" in result.stdout


def test_no_count_off_a_terminal_nor_in_json(sp: Cli, tmp_path: Path) -> None:
    _due_passes(sp, 2)
    path = tmp_path / "clients.csv"
    path.write_text("account_ref,name\ncrm-1,Ana\n", encoding="utf-8")
    grants = tmp_path / "grants.csv"
    grants.write_text("account_ref\nkim\n")
    for args in (
        ("expire", "--now", _in_days(3)),
        ("run-due", "--now", _in_days(3)),
        ("renew-due",),
        ("import-clients", str(path)),
        ("bulk-grant", str(grants), "1", "--reason", "r", "--batch-key", "b1"),
    ):
        result = sp(*args)
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stderr == "", args


def test_no_count_in_json_even_on_a_terminal(sp: Cli, terminal: None, tmp_path: Path) -> None:
    _due_passes(sp, 2)
    path = tmp_path / "clients.csv"
    path.write_text("account_ref,name\ncrm-1,Ana\n", encoding="utf-8")
    for args in (
        ("expire", "--now", _in_days(3)),
        ("run-due", "--now", _in_days(3)),
        ("renew-due",),
        ("import-clients", str(path)),
    ):
        result = sp(*args, "--json")
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stderr == "", args
