"""The command line for templates, selling, refunds, payments and the life of a pass."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.engine import Engine

from tests.test_cli import Cli, Family, grant

PROVIDER = ("--plugin", "sessionpacks.testing:Recorder")


@pytest.fixture
def sp(engine: Engine, database_url: str) -> Cli:
    return Cli(database_url)


@pytest.fixture
def family(sp: Cli) -> Family:
    sp.ok("account", "add", "lee", "The Lee family")
    ann = sp.json("member", "add", "lee", "Ann Lee")
    yoga = sp.json("service", "add", "Yoga", "--category", "yoga", "--minutes", "60")
    return Family("lee", ann["id"], yoga["id"])


def add_template(sp: Cli, *extra: str) -> int:
    made = sp.json(
        "template", "add", "10 classes", "10", "--price", "12000", "--currency", "eur", *extra
    )
    return int(made["id"])


def test_template_add_list_archive(sp: Cli) -> None:
    out = sp.ok("template", "add", "Intro", "3", "--days", "14", "--start", "on_first_use")
    assert re.search(r"added template \d+: Intro, pack of 3 sessions for free, 14 days", out)
    made = sp.json(
        "template",
        "add",
        "Physio",
        "50000",
        "--metric",
        "money",
        "--currency",
        "AUD",
        "--price",
        "45000",
        "--first-rate",
        "9000",
        "--subsequent-rate",
        "7000",
        "--months",
        "6",
        "--scope",
        "member",
    )
    assert (made["first_rate_minor"], made["subsequent_rate_minor"]) == (9000, 7000)
    assert (made["scope"], made["validity_months"]) == ("member", 6)
    listed = sp.ok("template", "list")
    assert "Intro" in listed
    assert "450.00 AUD" in listed
    assert "archived template" in sp.ok("template", "archive", str(made["id"]))
    assert [t["name"] for t in sp.json("template", "list")] == ["Intro"]
    assert len(sp.json("template", "list", "--archived")) == 2
    failed = sp.fails("template", "add", "Bad", "5", "--price", "100")
    assert failed.stderr.startswith("error: a template with a price needs the currency")


def test_sell_and_refund_through_a_payment_plugin(sp: Cli, family: Family) -> None:
    template_id = add_template(sp, "--days", "90")
    sold = sp.json(*PROVIDER, "sell", str(template_id), family.ref, "--key", "s1")
    assert (sold["amount_minor"], sold["currency"], sold["charge_reference"]) == (
        12000,
        "EUR",
        "charge-1",
    )
    again = sp.json(*PROVIDER, "sell", str(template_id), family.ref, "--key", "s1")
    assert again == sold
    out = sp.ok(*PROVIDER, "sell", str(template_id), family.ref, "--key", "s2")
    assert "for 120.00 EUR (charge charge-1)" in out
    assert "expires" in out
    sp.json("redeem", str(family.ann), str(family.yoga), "--pass", str(sold["pass_id"]))
    refunded = sp.json(
        *PROVIDER, "refund", str(sold["pass_id"]), "--reason", "moving", "--key", "f1"
    )
    assert (refunded["units"], refunded["amount_minor"]) == (9, 10800)
    assert sp.json("history", family.ref, "--pass", str(sold["pass_id"]))[0]["kind"] == "refund"
    payments = sp.json("payments")
    assert [p["state"] for p in payments] == ["passed", "passed"]
    assert sp.json("payments", "--state", "needs_attention") == []
    assert sp.json("payments", "retry") == {"payments": [], "refunds_waiting": []}
    assert "sales retried: 0" in sp.ok("payments", "retry")


def test_sell_without_a_payment_plugin_says_so(sp: Cli, family: Family) -> None:
    template_id = add_template(sp)
    failed = sp.fails("sell", str(template_id), family.ref, "--key", "s1")
    assert "no payment provider configured" in failed.stderr
    assert sp.json("balance", family.ref)["passes"] == []
    assert (
        "cannot load plugin" in sp.fails("--plugin", "nowhere:Nothing", "payments", code=2).stderr
    )


def test_refusing_to_refund_granted_credits(sp: Cli, family: Family) -> None:
    pass_id = grant(sp, family)
    failed = sp.fails(*PROVIDER, "refund", str(pass_id), "--reason", "asked")
    assert "manually granted credits cannot be refunded" in failed.stderr


def test_suspend_unsuspend_extend(sp: Cli, family: Family) -> None:
    pass_id = grant(sp, family, "--expires", "2099-03-31")
    out = sp.ok("suspend", str(pass_id), "--reason", "injury", "--key", "p1")
    assert f"suspended pass {pass_id}: now suspended" in out
    failed = sp.fails("redeem", str(family.ann), str(family.yoga))
    assert "suspended" in failed.stderr
    done = sp.json("unsuspend", str(pass_id), "--reason", "back")
    assert done["state"] == "active"
    # Unsuspending moved the expiry out by the (real) time suspended: set it to a day again.
    moved = sp.json("extend", str(pass_id), "--to", "2099-12-31", "--reason", "season")
    assert moved["expires_at"].startswith("2100-01-01T00:00:00")
    out = sp.ok("extend", str(pass_id), "--days", "10", "--reason", "goodwill")
    assert "expiry moved from 2099-12-31 24:00 to 2100-01-10 24:00 UTC" in out
    assert "give --to or --days" in sp.fails("extend", str(pass_id), "--reason", "x", code=2).stderr
    sp.ok("suspend", str(pass_id), "--reason", "injury again")
    out = sp.ok("unsuspend", str(pass_id), "--reason", "back again")
    assert f"unsuspended pass {pass_id}: now active" in out


def test_default_pack(sp: Cli, family: Family) -> None:
    first = grant(sp, family, "--expires", "2099-01-31")
    preferred = grant(sp, family)
    assert "has no default pack" in sp.ok("default-pack", str(family.ann))
    out = sp.ok("default-pack", str(family.ann), str(preferred))
    assert f"uses pass {preferred}" in out
    used = sp.json("redeem", str(family.ann), str(family.yoga))
    assert used["parts"][0]["pass_id"] == preferred
    cleared = sp.json("default-pack", str(family.ann), "--clear")
    assert cleared["default_pass_id"] is None
    used = sp.json("redeem", str(family.ann), str(family.yoga))
    assert used["parts"][0]["pass_id"] == first


def test_assign_a_template(sp: Cli, family: Family) -> None:
    template_id = add_template(sp, "--days", "30")
    out = sp.ok("assign", str(template_id), family.ref, "--reason", "prize", "--key", "a1")
    assert "assigned pass" in out
    assert "(10 classes) to account 'lee': 10 sessions" in out
    again = sp.json("assign", str(template_id), family.ref, "--reason", "prize", "--key", "a1")
    assert sp.json("balance", family.ref)["passes"][0]["pass_id"] == again["pass_id"]
    failed = sp.fails(*PROVIDER, "refund", str(again["pass_id"]), "--reason", "asked")
    assert "cannot be refunded" in failed.stderr
