"""The time-based commands: expire, reminders passes, tasks, run-due. They run on the real
clock, so moments are given with --now."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from sessionpacks.cli import cli
from tests.test_cli import Cli

UTC = dt.timezone.utc


@pytest.fixture
def sp(engine: Engine, database_url: str) -> Cli:
    return Cli(database_url)


def _in_days(n: int) -> str:
    return (dt.datetime.now(UTC) + dt.timedelta(days=n)).date().isoformat()


def test_expire_remind_and_tasks_from_the_command_line(sp: Cli) -> None:
    sp.ok("account", "add", "kim", "Jo Kim")
    jo = sp.json("member", "add", "kim", "Jo Kim", "--email", "jo@example.com")
    pack = sp.json(
        "grant",
        "kim",
        "10",
        "--expires",
        _in_days(5),
        "--paid",
        "10000",
        "--paid-currency",
        "USD",
        "--reason",
        "sold at the desk",
    )
    reminded = sp.json("reminders", "passes")
    assert [(s["pass_id"], s["kind"]) for s in reminded["sent"]] == [
        (pack["pass_id"], "expiring_soon")
    ]
    assert sp.json("reminders", "passes")["sent"] == []
    assert "expired 0 pass(es) in 0 batch(es), 0 unit(s) forfeited" in sp.ok("expire")
    assert "nothing was due" in sp.ok("expire", "--detail")
    later = _in_days(7)
    expired = sp.json("expire", "--now", later)
    assert [(e["pass_id"], e["units"], e["value_minor"]) for e in expired["expired"]] == [
        (pack["pass_id"], 10, 10_000)
    ]
    assert expired["value"] == [{"currency": "USD", "value_minor": 10_000}]
    assert sp.json("expire", "--now", later)["expired"] == []
    (task,) = sp.json("tasks", "list", "--state", "open")
    assert task["pass_id"] == pack["pass_id"]
    done = sp.json("tasks", "done", str(task["id"]))
    assert done["state"] == "done"
    assert sp.json("tasks", "list", "--state", "open") == []
    assert "no tasks" in sp.ok("tasks", "list", "--state", "open", "--account", "kim")
    assert jo["email"] == "jo@example.com"


def test_expire_prints_the_totals_and_every_pass_only_when_asked(sp: Cli) -> None:
    sp.ok("account", "add", "kim", "Jo Kim")
    for paid in ("3000", "4500"):
        sp.json(
            "grant", "kim", "5", "--expires", _in_days(1), "--paid", paid,
            "--paid-currency", "USD", "--reason", "sold at the desk",
        )  # fmt: skip
    summary = sp.ok("expire", "--now", _in_days(3))
    assert "expired 2 pass(es) in 1 batch(es), 10 unit(s) forfeited worth 75.00 USD" in summary
    assert "PASS" not in summary  # no per-pass table without --detail
    sp.json("grant", "kim", "2", "--expires", _in_days(4), "--reason", "trial")
    detailed = sp.ok("expire", "--now", _in_days(6), "--detail")
    assert "expired 1 pass(es) in 1 batch(es), 2 unit(s) forfeited" in detailed
    assert "PASS" in detailed
    assert (
        "expired "
        not in sp.runner.invoke(cli, ["--url", sp.url, "expire", "--now", _in_days(6)]).stderr
    )  # the running count is for terminals only: nothing on a pipe


def test_run_due_from_the_command_line(sp: Cli) -> None:
    sp.ok("account", "add", "kim", "Jo Kim")
    sp.json("member", "add", "kim", "Jo Kim", "--email", "jo@example.com")
    sp.json("grant", "kim", "3", "--expires", _in_days(1), "--reason", "trial")
    report = sp.json("run-due", "--now", _in_days(3))
    assert (report["expired"], report["units_forfeited"]) == (1, 3)
    assert report["renewed"] == 0
    assert "expired 0 pass(es)" in sp.ok("run-due", "--now", _in_days(3))


def test_time_commands_refuse_bad_input(sp: Cli) -> None:
    assert "no-such-state" in sp.fails("tasks", "list", "--state", "no-such-state", code=2).stderr
    assert "unknown task" in sp.fails("tasks", "done", "12345").stderr
    assert "--batch-size" in sp.fails("expire", "--batch-size", "0", code=2).stderr
    assert "time zone" in sp.fails("expire", "--now", "2026-01-01T10:00:00", code=2).stderr


def test_a_date_alone_is_a_day_in_the_studio_timezone(sp: Cli) -> None:
    sp.ok("account", "add", "kim", "Jo Kim")
    expiry = (dt.datetime.now(UTC) + dt.timedelta(days=30)).date()
    sp.json(
        "--timezone", "Australia/Sydney", "grant", "kim", "3", "--expires", expiry.isoformat(),
        "--reason", "trial",
    )  # fmt: skip
    expected = dt.datetime.combine(
        expiry + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo("Australia/Sydney")
    ).astimezone(UTC)
    (held,) = sp.json("balance", "kim")["passes"]
    assert dt.datetime.fromisoformat(held["expires_at"]) == expected
    assert "Mars/Olympus" in sp.fails("--timezone", "Mars/Olympus", "tasks", "list", code=2).stderr
