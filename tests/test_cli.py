"""The ``sessionpacks`` command line, run through click's test runner against the test database."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine

from sessionpacks import ManualClock, codec
from sessionpacks.cli import cli, main
from sessionpacks.cli.moments import parse
from sessionpacks.cli.output import expiry, table
from sessionpacks.cli.state import os_user
from sessionpacks.messages import TaskRequest
from sessionpacks.models import Pass, SideEffect, StaffTask
from tests.conftest import Gym

UTC = dt.timezone.utc
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def make_runner() -> CliRunner:
    # click 8.1 mixes stderr into stdout unless told not to; 8.2 and later keep them apart.
    options: dict[str, Any] = {}
    if "mix_stderr" in inspect.signature(CliRunner).parameters:
        options["mix_stderr"] = False
    return CliRunner(**options)


class Cli:
    """Runs ``sessionpacks --url URL ...`` and checks how it ended."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = make_runner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(cli, ["--url", self.url, *args], input=input)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def fails(self, *args: str, code: int = 1) -> Result:
        result = self(*args)
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        # A handled error exits; anything else would be a traceback.
        assert isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.stderr
        return result


@attrs.frozen
class Family:
    ref: str
    ann: int
    yoga: int


@pytest.fixture
def sp(engine: Engine, database_url: str) -> Cli:
    return Cli(database_url)


@pytest.fixture
def family(sp: Cli) -> Family:
    sp.ok("account", "add", "lee", "The Lee family")
    ann = sp.json("member", "add", "lee", "Ann Lee")
    yoga = sp.json("service", "add", "Yoga", "--category", "yoga", "--minutes", "60")
    return Family("lee", ann["id"], yoga["id"])


def grant(sp: Cli, family: Family, *extra: str, quantity: str = "10") -> int:
    granted = sp.json("grant", family.ref, quantity, "--reason", "test pack", *extra)
    return int(granted["pass_id"])


def redeem(sp: Cli, family: Family, *extra: str) -> Any:
    return sp.json("redeem", str(family.ann), str(family.yoga), *extra)


def passes_of(sp: Cli, ref: str, *extra: str) -> dict[int, Any]:
    return {p["pass_id"]: p for p in sp.json("balance", ref, *extra)["passes"]}


# -- accounts, members, services ---------------------------------------------------------------


def test_account_add(sp: Cli) -> None:
    assert "added account 'lee' (The Lee family), id" in sp.ok(
        "account", "add", "lee", "The Lee family"
    )
    added = sp.json("account", "add", "kim", "Jo Kim")
    assert added == {"id": added["id"], "ref": "kim", "name": "Jo Kim"}
    assert added["id"] > 0


def test_member_add_and_list(sp: Cli) -> None:
    holder = sp.json("account", "add", "lee", "The Lee family")
    ann = sp.json(
        "member", "add", "lee", "Ann Lee", "--ref", "site-user-7", "--email", "ann@example.com"
    )
    assert ann == {
        "id": ann["id"],
        "account_id": holder["id"],
        "ref": "site-user-7",
        "name": "Ann Lee",
        "default_pass_id": None,
        "email": "ann@example.com",
        "user_key": None,
        "has_kiosk_pin": False,
    }
    assert f"added member {ann['id'] + 1}: Bo Lee, of account 'lee'" in sp.ok(
        "member", "add", "lee", "Bo Lee"
    )
    listed = sp.ok("member", "list", "lee")
    assert re.search(rf"{ann['id']}\s+Ann Lee\s+site-user-7", listed)
    assert "Bo Lee" in listed
    assert [m["name"] for m in sp.json("member", "list", "lee")] == ["Ann Lee", "Bo Lee"]


def test_member_linked_to_a_site_user_and_a_kiosk_pin(sp: Cli, family: Family) -> None:
    member = str(family.ann)
    assert "linked to user 'u-42'" in sp.ok("member", "link-user", member, "u-42")
    refused = sp.fails(
        "member", "link-user", str(sp.json("member", "add", "lee", "Bo")["id"]), "u-42"
    )
    assert "already linked to the member Ann Lee" in refused.stderr
    pinned = sp("member", "kiosk-pin", member, "--json", input="4821\n4821\n")
    assert pinned.exit_code == 0, pinned.stderr
    assert "4821" not in pinned.stdout
    # After the prompts, the member as JSON.
    assert json.loads(pinned.stdout[pinned.stdout.index("{") :])["has_kiosk_pin"] is True
    short = sp("member", "kiosk-pin", member, input="12\n12\n")
    assert short.exit_code == 1
    assert "4 to 12 digits" in short.stderr
    assert "asks for no PIN" in sp.ok("member", "kiosk-pin", member, "--clear")
    assert "linked to no user" in sp.ok("member", "link-user", member)


def test_service_add_and_services(sp: Cli) -> None:
    yoga = sp.json("service", "add", "Yoga", "--category", "yoga", "--minutes", "60")
    assert yoga == {
        "id": yoga["id"],
        "name": "Yoga",
        "category": "yoga",
        "duration_minutes": 60,
        "price_minor": None,
        "currency": None,
    }
    out = sp.ok(
        "service", "add", "Massage", "--category", "body", "--minutes", "45",
        "--price", "5500", "--currency", "eur",
    )  # fmt: skip
    assert "(body, 45 min, 55.00 EUR)" in out
    listed = sp.ok("services")
    assert listed.splitlines()[0].split() == ["ID", "NAME", "CATEGORY", "MINUTES", "PRICE"]
    assert re.search(r"Massage\s+body\s+45\s+55\.00 EUR", listed)
    assert [(s["name"], s["price_minor"], s["currency"]) for s in sp.json("services")] == [
        ("Yoga", None, None),
        ("Massage", 5500, "EUR"),
    ]


# -- grant --------------------------------------------------------------------------------------


def test_grant_a_family_pass(sp: Cli, family: Family) -> None:
    out = sp.ok(
        "grant", family.ref, "10", "--category", "yoga", "--expires", "2099-03-31",
        "--label", "10-class pack", "--reason", "bought at the desk", "--key", "g1",
    )  # fmt: skip
    assert "to account 'lee', for any member: 10 sessions" in out
    assert "expires 2099-03-31 24:00 UTC" in out
    (held,) = passes_of(sp, family.ref).values()
    assert held["label"] == "10-class pack"
    assert held["member_id"] is None
    assert (held["remaining"], held["initial_quantity"], held["state"]) == (10, 10, "active")
    # A date alone means valid through that whole day: it expires at the next midnight, UTC.
    assert held["expires_at"] == "2099-04-01T00:00:00+00:00"


def test_grant_json_for_one_member_in_money(sp: Cli, family: Family) -> None:
    granted = sp.json(
        "grant", family.ref, "5000", "--member", str(family.ann), "--metric", "money",
        "--currency", "eur", "--paid", "4500", "--service", str(family.yoga),
        "--starts", "2026-01-01T08:00:00+01:00", "--reason", "gift card", "--key", "g2",
    )  # fmt: skip
    assert granted == {
        "pass_id": granted["pass_id"],
        "account_id": granted["account_id"],
        "member_id": family.ann,
        "metric": "money",
        "currency": "EUR",
        "quantity": 5000,
        "entry_id": granted["entry_id"],
        "operation_id": granted["operation_id"],
        "created_at": granted["created_at"],
    }
    held = passes_of(sp, family.ref)[granted["pass_id"]]
    assert held["starts_at"] == "2026-01-01T07:00:00+00:00"
    out = sp.ok("balance", family.ref)
    assert re.search(
        r"Ann Lee\s+active\s+granted\s+50\.00 EUR\s+50\.00 EUR\s+2026-01-01 07:00", out
    )
    assert "can spend: 50.00 EUR" in out


def test_grant_without_a_key_prints_a_fresh_one_that_retries_safely(
    sp: Cli, family: Family
) -> None:
    args = ("grant", family.ref, "10", "--reason", "comp")
    first = sp.ok(*args)
    match = UUID.search(first)
    assert match is not None
    assert f"idempotency key: {match[0]}" in first.splitlines()[0]
    again = sp.json(*args, "--key", match[0])
    assert f"granted pass {again['pass_id']} " in first
    assert len(passes_of(sp, family.ref)) == 1

    # With --json the key goes to stderr, so stdout stays one JSON document.
    result = sp(*args, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["quantity"] == 10
    assert UUID.search(result.stderr)
    assert len(passes_of(sp, family.ref)) == 2


# -- redeem -------------------------------------------------------------------------------------


def test_redeem_human_and_json(sp: Cli, family: Family) -> None:
    pass_id = grant(sp, family, "--expires", "2099-01-01")
    first = redeem(sp, family, "--key", "r1", "--occurrence", "yoga-monday")
    assert first["member_id"] == family.ann
    assert first["service_id"] == family.yoga
    assert (first["metric"], first["units"], first["occurrence_ref"]) == (
        "sessions",
        1,
        "yoga-monday",
    )
    assert [
        (p["pass_id"], p["units"], p["balance_after"], p["number"], p["of"]) for p in first["parts"]
    ] == [(pass_id, 1, 9, 1, 10)]
    out = sp.ok("redeem", str(family.ann), str(family.yoga), "--key", "r2")
    assert f"redeemed 1 session of Yoga for Ann Lee (member {family.ann}): redemption" in out
    assert re.search(rf"{pass_id}\s+1 session\s+8 sessions\s+session 2 of 10", out)
    assert passes_of(sp, family.ref)[pass_id]["remaining"] == 8


def test_redeem_the_same_key_twice_takes_once(sp: Cli, family: Family) -> None:
    pass_id = grant(sp, family)
    first = redeem(sp, family, "--key", "visit-1")
    assert redeem(sp, family, "--key", "visit-1") == first
    assert passes_of(sp, family.ref)[pass_id]["remaining"] == 9


def test_redeem_count_and_named_pass(sp: Cli, family: Family) -> None:
    grant(sp, family, quantity="10")
    chosen = grant(sp, family, quantity="5")
    taken = redeem(sp, family, "--pass", str(chosen), "--count", "2", "--key", "r")
    assert [(p["pass_id"], p["units"], p["balance_after"]) for p in taken["parts"]] == [
        (chosen, 2, 3)
    ]


def test_dry_run_says_which_pass_and_changes_nothing(sp: Cli, family: Family) -> None:
    pass_id = grant(sp, family)
    plan = redeem(sp, family, "--dry-run")
    assert plan["possible"] is True
    assert (plan["metric"], plan["units"]) == ("sessions", 1)
    assert [(p["pass_id"], p["units"]) for p in plan["parts"]] == [(pass_id, 1)]
    assert plan["considered"][0] == {
        "pass_id": pass_id,
        "usable": True,
        "reason": None,
        "remaining": 10,
        "rank": 1,
    }
    out = sp.ok("redeem", str(family.ann), str(family.yoga), "--dry-run")
    assert out.startswith("dry run: nothing was changed\n")
    assert re.search(rf"\n\s*{pass_id}\s+1 session\s+\S", out)
    assert "idempotency key" not in out
    assert passes_of(sp, family.ref)[pass_id]["remaining"] == 10
    assert sp.json("history", family.ref)[0]["kind"] == "grant"


def test_dry_run_that_would_fail_exits_1(sp: Cli, family: Family) -> None:
    other = sp.json("service", "add", "Massage", "--category", "body", "--minutes", "30")
    pass_id = grant(sp, family, "--category", "yoga")
    result = sp.fails("redeem", str(family.ann), str(other["id"]), "--dry-run", "--json")
    plan = json.loads(result.stdout)
    assert plan["possible"] is False
    assert "no pass that can pay for 'Massage'" in plan["problem"]
    assert result.stderr.startswith("error: the redemption would fail: member")
    out = sp.fails("redeem", str(family.ann), str(other["id"]), "--dry-run").stdout
    assert f"Massage for Ann Lee (member {family.ann}) cannot be paid: member" in out
    assert re.search(rf"{pass_id}\s+no\s+10 sessions\s+not valid for this service", out)


def test_redeem_without_credit_is_an_error(sp: Cli, family: Family) -> None:
    result = sp.fails("redeem", str(family.ann), str(family.yoga), "--key", "k")
    assert result.stderr == f"error: member {family.ann} has no pass that can pay for 'Yoga'\n"


# -- reverse, adjust, delete --------------------------------------------------------------------


def test_reverse(sp: Cli, family: Family) -> None:
    pass_id = grant(sp, family)
    taken = redeem(sp, family, "--key", "r1")
    out = sp.ok("reverse", str(taken["redemption_id"]), "--reason", "class cancelled", "--key", "x")
    assert f"reversed redemption {taken['redemption_id']}" in out
    assert re.search(rf"{pass_id}\s+\+1 session\s+10 sessions", out)
    again = sp.json(
        "reverse", str(taken["redemption_id"]), "--reason", "class cancelled", "--key", "x"
    )
    assert again["action"] == "reverse"
    assert (again["pass_ids"], again["deltas"], again["balances_after"]) == ([pass_id], [1], [10])
    assert again["redemption_id"] == taken["redemption_id"]
    result = sp.fails("reverse", str(taken["redemption_id"]), "--reason", "twice", "--key", "y")
    assert f"redemption {taken['redemption_id']} was already reversed" in result.stderr


def test_adjust_up_and_down(sp: Cli, family: Family) -> None:
    pass_id = grant(sp, family)
    # A negative delta reads as a delta, not as an unknown option.
    down = sp.json("adjust", str(pass_id), "-2", "--reason", "counted twice", "--key", "a1")
    assert (down["action"], down["deltas"], down["balances_after"]) == ("adjust", [-2], [8])
    out = sp.ok("adjust", str(pass_id), "3", "--reason", "goodwill", "--key", "a2")
    assert re.search(rf"{pass_id}\s+\+3 sessions\s+11 sessions", out)
    assert passes_of(sp, family.ref)[pass_id]["remaining"] == 11
    assert "an adjustment of zero" in sp.fails("adjust", str(pass_id), "0", "--reason", "x").stderr


def test_delete(sp: Cli, family: Family) -> None:
    pass_id = grant(sp, family)
    out = sp.ok("delete", str(pass_id), "--reason", "sold by mistake", "--key", "v1")
    assert f"deleted pass {pass_id}" in out
    assert re.search(rf"{pass_id}\s+-10 sessions\s+0 sessions", out)
    assert sp.json("delete", str(pass_id), "--reason", "sold by mistake", "--key", "v1")[
        "deltas"
    ] == [-10]
    assert passes_of(sp, family.ref) == {}
    assert "no passes" in sp.ok("balance", family.ref)
    assert sp.json("history", family.ref, "--pass", str(pass_id))[0]["kind"] == "void"


# -- balance and history ------------------------------------------------------------------------


def test_balance_table_and_totals(sp: Cli, family: Family) -> None:
    grant(sp, family, "--label", "family pack")
    grant(sp, family, "--member", str(family.ann), "--metric", "minutes", quantity="90")
    redeem(sp, family, "--key", "r1")
    out = sp.ok("balance", family.ref)
    lines = out.splitlines()
    assert lines[0] == "account 'lee' (The Lee family), now"
    assert lines[1].split() == [
        "PASS", "LABEL", "FOR", "STATE", "FROM", "REMAINING", "OF", "STARTS", "EXPIRES", "(UTC)"
    ]  # fmt: skip
    assert re.search(r"family pack\s+everyone\s+active\s+granted\s+10 sessions\s+10 sessions", out)
    # Ann's own minutes pass pays first: the member's own before the family's.
    assert re.search(r"Ann Lee\s+active\s+granted\s+0h30\s+1h30", out)
    assert lines[-1] == "can spend: 0h30, 10 sessions"
    report = sp.json("balance", family.ref)
    assert report["account"]["ref"] == "lee"
    assert report["as_of"] is None
    assert {(p["source"], p["cost_basis_minor"]) for p in report["passes"]} == {("grant", 0)}
    assert sorted((t["metric"], t["units"]) for t in report["totals"]) == [
        ("minutes", 30),
        ("sessions", 10),
    ]


def test_balance_and_history_as_of_a_past_moment(sp: Cli, gym: Gym, clock: ManualClock) -> None:
    family = gym.account("The Kim family")
    jo = gym.member(family, "Jo")
    yoga = gym.service("Yoga")
    granted = gym.grant(family, 10)  # 2026-01-05 09:00 UTC
    clock.advance(dt.timedelta(days=1))
    gym.redeem(jo, yoga)  # 2026-01-06 09:00 UTC

    def remaining(as_of: str) -> list[int]:
        return [p["remaining"] for p in sp.json("balance", family.ref, "--as-of", as_of)["passes"]]

    assert remaining("2026-01-04") == []
    assert remaining("2026-01-05") == [10]  # at the close of that day
    assert remaining("2026-01-06T09:59:59+01:00") == [10]
    assert remaining("2026-01-06T10:00:00+01:00") == [9]
    assert remaining("2026-01-06T09:00:00Z") == [9]
    assert sp.json("balance", family.ref, "--as-of", "2026-01-05")["as_of"] == (
        "2026-01-05T23:59:59.999999+00:00"
    )
    out = sp.ok("balance", family.ref, "--as-of", "2026-01-05")
    assert "as of 2026-01-05 23:59:59 UTC" in out
    then = sp.json("history", family.ref, "--as-of", "2026-01-05")
    assert [(e["kind"], e["pass_id"]) for e in then] == [("grant", granted.pass_id)]


def test_history_shows_session_n_of_n(sp: Cli, family: Family) -> None:
    pass_id = grant(sp, family)
    redeem(sp, family, "--key", "r1")
    second = redeem(sp, family, "--key", "r2")
    out = sp.ok("history", family.ref)
    lines = out.splitlines()
    assert lines[0] == "history of account 'lee' (The Lee family), newest first"
    assert lines[1].split()[:3] == ["WHEN", "(UTC)", "PASS"]
    user = os_user()
    assert re.search(
        rf"{pass_id}\s+redeem\s+{second['redemption_id']}\s+-1 session\s+8 sessions\s+Ann Lee"
        rf"\s+Yoga\s+cli:{re.escape(user)} \(cli\)\s+session 2 of 10$",
        lines[3],
    )
    assert lines[4].endswith("session 1 of 10")
    assert re.search(r"grant\s+\+10 sessions\s+10 sessions\s+.*test pack$", lines[5])

    entries = sp.json("history", family.ref)
    assert [(e["kind"], e["number"], e["of"], e["balance_after"]) for e in entries] == [
        ("redeem", 2, 10, 8),
        ("redeem", 1, 10, 9),
        ("grant", None, None, 10),
    ]
    assert {(e["actor_kind"], e["actor_id"], e["channel"]) for e in entries} == {
        ("cli", user, "cli")
    }
    assert len(sp.json("history", family.ref, "--limit", "1")) == 1
    # The family pass's grant is nobody's in particular: Ann's history is her redemptions.
    assert len(sp.json("history", family.ref, "--member", str(family.ann))) == 2
    assert len(sp.json("history", family.ref, "--pass", str(pass_id))) == 3


def test_history_refuses_a_member_or_pass_of_another_account(sp: Cli, family: Family) -> None:
    pass_id = grant(sp, family)
    sp.ok("account", "add", "kim", "The Kim family")
    result = sp.fails("history", "kim", "--member", str(family.ann))
    assert result.stderr == f"error: member {family.ann} does not belong to account 'kim'\n"
    result = sp.fails("history", "kim", "--pass", str(pass_id))
    assert result.stderr == f"error: pass {pass_id} does not belong to account 'kim'\n"


# -- verify and retry ---------------------------------------------------------------------------


def test_verify_agrees(sp: Cli, family: Family) -> None:
    grant(sp, family)
    redeem(sp, family, "--key", "r1")
    assert sp.ok("verify") == "all balances agree: every pass holds the sum of its ledger entries\n"
    assert sp.json("verify") == []


@pytest.mark.tampers
def test_verify_names_a_tampered_pass(sp: Cli, family: Family, engine: Engine) -> None:
    grant(sp, family)
    tampered = grant(sp, family)
    redeem(sp, family, "--pass", str(tampered), "--key", "r1")
    with engine.begin() as conn:
        conn.execute(
            sa.update(Pass).where(Pass.id == tampered).values(remaining=Pass.remaining + 5)
        )
    result = sp.fails("verify")
    assert re.search(rf"^\s*{tampered}\s+14\s+9\s+9\s+0\s+0$", result.stdout, re.MULTILINE)
    assert result.stderr == f"error: pass {tampered} disagrees with its ledger\n"
    result = sp.fails("verify", "--json")
    assert json.loads(result.stdout) == [
        {
            "pass_id": tampered,
            "cached": 14,
            "ledger_sum": 9,
            "last_balance_after": 9,
            "value_left_minor": 0,
            "ledger_value_minor": 0,
        }
    ]


def test_retry_delivers_what_failed(sp: Cli, family: Family, engine: Engine) -> None:
    assert sp.json("retry") == {"delivered": 0, "failed": 0}
    now = dt.datetime.now(UTC)
    task = TaskRequest(title="Call Ann", body="her pack is used up")
    with engine.begin() as conn:
        for payload in (codec.dumps(task), "{}"):  # the second cannot be decoded: it fails
            conn.execute(
                sa.insert(SideEffect).values(
                    hook="sessionpacks_create_task",
                    payload=payload,
                    state="failed",
                    attempts=1,
                    created_at=now,
                )
            )
    result = sp.fails("retry")
    assert result.stdout == "delivered 1 side effect(s); 1 still failing\n"
    assert result.stderr == "error: 1 side effect(s) still failing; see the log for why\n"
    with engine.connect() as conn:
        titles = conn.execute(sa.select(StaffTask.title)).scalars().all()
    assert titles == ["Call Ann"]
    assert json.loads(sp.fails("retry", "--json").stdout) == {"delivered": 0, "failed": 1}


# -- errors -------------------------------------------------------------------------------------


def test_unknown_account_ref(sp: Cli) -> None:
    for args in (("balance", "nobody"), ("grant", "nobody", "10", "--reason", "x")):
        result = sp.fails(*args)
        assert result.stderr == "error: unknown account ref: 'nobody'\n"
        assert result.stdout == ""


def test_zero_quantity(sp: Cli, family: Family) -> None:
    result = sp.fails("grant", family.ref, "0", "--reason", "x", "--key", "k")
    assert result.stderr == "error: quantity must be greater than zero, got 0\n"
    assert passes_of(sp, family.ref) == {}


def test_reusing_a_key_with_other_arguments(sp: Cli, family: Family) -> None:
    pass_id = grant(sp, family)
    redeem(sp, family, "--key", "visit")
    result = sp.fails("redeem", str(family.ann), str(family.yoga), "--count", "2", "--key", "visit")
    assert result.stderr == (
        "error: idempotency key 'visit' was already used for a different redeem call;"
        " use a new key for a new request\n"
    )
    assert passes_of(sp, family.ref)[pass_id]["remaining"] == 9


def test_bad_arguments_are_usage_errors(sp: Cli, family: Family) -> None:
    result = sp.fails("balance", family.ref, "--as-of", "2026-01-05T10:00", code=2)
    assert "'2026-01-05T10:00' has no time zone" in result.stderr
    result = sp.fails("grant", family.ref, "10", "--reason", "x", "--expires", "soon", code=2)
    assert "'soon' is neither a date" in result.stderr
    assert "'ten' is not a valid integer" in sp.fails("grant", family.ref, "ten", code=2).stderr
    assert "Missing option '--reason'" in sp.fails("delete", "1", code=2).stderr
    assert "'nope'" in sp.fails("grant", family.ref, "1", "--metric", "nope", code=2).stderr


def test_a_database_never_upgraded(tmp_path: Path) -> None:
    missing = Cli(f"sqlite:///{tmp_path / 'missing.db'}")
    result = missing.fails("balance", "lee")
    assert "there is no database file" in result.stderr
    assert "run `sessionpacks db upgrade` first" in result.stderr
    assert not (tmp_path / "missing.db").exists()

    (tmp_path / "empty.db").touch()
    empty = Cli(f"sqlite:///{tmp_path / 'empty.db'}")
    for args in (("balance", "lee"), ("verify",), ("account", "add", "lee", "Lee")):
        result = empty.fails(*args)
        assert result.stderr.startswith("error: the database sqlite:///")
        assert result.stderr.endswith("run `sessionpacks db upgrade` first\n")


def test_a_bad_url_is_a_usage_error(tmp_path: Path) -> None:
    assert "--url" in Cli("not a url").fails("verify", code=2).stderr
    assert "--url" in Cli("nosuchdb://x/y").fails("verify", code=2).stderr


# -- db -----------------------------------------------------------------------------------------


def test_db_upgrade_on_the_test_database_is_at_the_newest(sp: Cli) -> None:
    state = sp.json("db", "upgrade")
    assert state["revisions"] == state["heads"]
    assert state["up_to_date"] is True
    assert sp.json("db", "current") == state
    assert "the newest" in sp.ok("db", "current")


def test_db_upgrade_and_downgrade(tmp_path: Path) -> None:
    fresh = Cli(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert "there is no database file" in fresh.fails("db", "current").stderr
    out = fresh.ok("db", "upgrade")
    assert re.fullmatch(r"sqlite:///\S+fresh\.db is at revision \w+, the newest\n", out)
    fresh.ok("account", "add", "lee", "The Lee family")
    # Without --yes it asks, and a no leaves the tables alone.
    refused = fresh("db", "downgrade", "base", input="n\n")
    assert refused.exit_code == 1
    assert "can drop tables" in refused.stderr
    assert fresh.json("balance", "lee")["account"]["name"] == "The Lee family"
    assert fresh.json("db", "downgrade", "base", "--yes")["revisions"] == []
    assert fresh.ok("db", "current").endswith("has no sessionpacks tables\n")
    assert "alembic:" in fresh.fails("db", "upgrade", "nosuchrevision").stderr


# -- the walkthrough ----------------------------------------------------------------------------


def test_walkthrough_runs_to_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = make_runner()
    for _ in range(2):  # the second run replaces the first one's file
        result = runner.invoke(cli, ["walkthrough"])
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        out = result.stdout
        assert "$ sessionpacks db upgrade\n" in out
        assert "$ sessionpacks grant lee-family 10 --member 1" in out
        assert "$ sessionpacks redeem 1 1 --dry-run\ndry run: nothing was changed" in out
        assert out.count("$ sessionpacks redeem 1 1 --key walkthrough-visit-2\n") == 2
        assert re.search(
            r"10-class yoga pack\s+Ann Lee\s+active\s+granted\s+8 sessions\s+10 sessions", out
        )
        assert out.count("session 2 of 10\n") == 3  # twice from redeem (the retry), once history
        assert out.count("  redeem  ") == 2  # two redemptions in the history, not three
        assert "all balances agree" in out
        assert out.rstrip().endswith("history lee-family --json")
    assert (tmp_path / "sessionpacks-walkthrough.db").exists()
    assert not (tmp_path / "sessionpacks.db").exists()  # --url was never opened


def test_walkthrough_never_replaces_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "precious.db").write_text("not a walkthrough")
    result = make_runner().invoke(cli, ["walkthrough", "--db", "precious.db"])
    assert result.exit_code == 1
    assert "precious.db exists and was not made by the walkthrough" in result.stderr
    assert (tmp_path / "precious.db").read_text() == "not a walkthrough"


# -- the pieces ---------------------------------------------------------------------------------


def test_what_a_date_alone_means() -> None:
    assert parse("2026-03-31", "start") == dt.datetime(2026, 3, 31, tzinfo=UTC)
    assert parse("2026-03-31", "through") == dt.datetime(2026, 4, 1, tzinfo=UTC)
    assert parse("2026-03-31", "close") == dt.datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert parse("2026-03-31T18:30:00+02:00", "close") == dt.datetime(
        2026, 3, 31, 16, 30, tzinfo=UTC
    )
    assert parse("2026-03-31T18:30Z", "close") == dt.datetime(2026, 3, 31, 18, 30, tzinfo=UTC)
    assert expiry(parse("2026-03-31", "through")) == "2026-03-31 24:00"


def test_table_aligns_columns() -> None:
    assert table(["ID", "NAME"], [(1, "Ann"), (12, None)], right={0}) == (
        "ID  NAME\n--  ----\n 1  Ann\n12"
    )


def test_main_is_the_console_script(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["sessionpacks", "--version"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 0
    assert importlib.metadata.version("sessionpacks") in capsys.readouterr().out


def test_can_spend_counts_own_and_family_passes_for_the_service(sp: Cli, family: Family) -> None:
    assert "nothing: no usable pass" in sp.ok("can-spend", str(family.ann), str(family.yoga))
    grant(sp, family, quantity="3")
    grant(sp, family, "--member", str(family.ann), quantity="2")
    pilates = sp.json("service", "add", "Pilates", "--category", "pilates", "--minutes", "50")
    grant(sp, family, "--service", str(pilates["id"]), quantity="7")
    assert sp.json("can-spend", str(family.ann), str(family.yoga)) == [
        {"metric": "sessions", "currency": None, "units": 5}
    ]
    assert sp.ok("can-spend", str(family.ann), str(pilates["id"])) == "12 sessions\n"


def test_finding_clients_and_a_member_by_code(sp: Cli) -> None:
    sp.ok("account", "add", "crm-1", "The Garcias")
    sp.ok("member", "add", "crm-1", "Lucía García", "--ref", "1002", "--email", "l@g.example")
    sp.ok("account", "add", "crm-2", "Sam Lee")
    assert [a["ref"] for a in sp.json("account", "find")] == ["crm-2", "crm-1"]
    assert [a["ref"] for a in sp.json("account", "find", "G.EXAMPLE")] == ["crm-1"]
    assert [a["ref"] for a in sp.json("account", "find", "--limit", "1")] == ["crm-2"]
    assert "no account matches" in sp.ok("account", "find", "nobody")
    lucia = sp.json("member", "find", "1002")
    assert lucia["name"] == "Lucía García"
    assert f"member {lucia['id']}: Lucía García" in sp.ok("member", "find", "1002")
    assert "unknown member ref: '9999'" in sp.fails("member", "find", "9999").stderr


def test_an_account_with_its_first_member_and_set_up_under_a_key(sp: Cli) -> None:
    ruiz = ["account", "add", "crm-7", "The Ruiz family", "--member", "Eva Ruiz"]
    ruiz += ["--member-code", "7001", "--email", "eva@ruiz.example", "--key", "k-1"]
    client = sp.json(*ruiz)
    assert (client["account"]["ref"], client["member"]["name"]) == ("crm-7", "Eva Ruiz")
    assert sp.json("member", "find", "7001")["account_id"] == client["account"]["id"]
    # The same key replays; nothing more is added.
    assert sp.json(*ruiz) == client
    assert len(sp.json("member", "list", "crm-7")) == 1
    # A member code already taken refuses both: no account is left without its member.
    half = ["account", "add", "crm-8", "Half", "--member", "H", "--member-code", "7001"]
    assert "exists already" in sp.fails(*half).stderr
    assert sp.json("account", "find", "crm-8") == []
    stray = ["account", "add", "crm-9", "X", "--email", "x@y.example"]
    assert "describe the --member" in sp.fails(*stray, code=2).stderr
    yoga = ["service", "add", "Yoga", "--category", "yoga", "--minutes", "60"]
    first = sp.json(*yoga, "--key", "s")
    assert sp.json(*yoga, "--key", "s") == first
    assert "exists already" in sp.fails(*yoga).stderr
    sp.json("member", "add", "crm-7", "Leo Ruiz", "--key", "m")
    sp.json("member", "add", "crm-7", "Leo Ruiz", "--key", "m")
    assert [m["name"] for m in sp.json("member", "list", "crm-7")] == ["Eva Ruiz", "Leo Ruiz"]
