"""The command line for plans and renewals."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from tests.test_cli import Cli, Family
from tests.test_cli_products import PROVIDER, family

__all__ = ["family"]


@pytest.fixture
def sp(engine: Engine, database_url: str) -> Cli:
    return Cli(database_url)


def test_subscribe_list_renew_and_cancel(sp: Cli, family: Family) -> None:
    plan = sp.json(
        "template",
        "add",
        "PT membership",
        "4",
        "--kind",
        "plan",
        "--period-months",
        "1",
        "--rollover",
        "--rollover-cap",
        "2",
    )
    assert (plan["period_months"], plan["rollover"], plan["rollover_cap"]) == (1, True, 2)
    started = sp.json(
        "subscribe", str(plan["id"]), family.ref, "--billing", "external", "--key", "sub-1"
    )
    assert (started["period_number"], started["quantity"]) == (1, 4)
    out = sp.ok("subscriptions", "--account", family.ref)
    assert "external" in out
    assert "active" in out
    failed = sp.fails("renew-plan", str(started["subscription_id"]), "--key", "r1")
    assert failed.stderr.startswith("error: subscription")
    assert "renew it at or after the period's end" in failed.stderr
    assert sp.json("renew-due") == {"plans": [], "passes": [], "failures": []}
    out = sp.ok("cancel-subscription", str(started["subscription_id"]), "--key", "c1")
    assert out.startswith(f"cancelled subscription {started['subscription_id']}")
    assert sp.json("subscriptions", "--state", "active") == []
    bad = sp.fails("template", "add", "Bad", "4", "--kind", "plan")
    assert "needs one period" in bad.stderr


def test_template_add_auto_renew_and_renew_due(sp: Cli, family: Family) -> None:
    made = sp.json(
        "template", "add", "Drop-in", "1", "--price", "1500", "--currency", "eur", "--auto-renew"
    )
    assert made["auto_renew"] is True
    sold = sp.json(*PROVIDER, "sell", str(made["id"]), family.ref, "--key", "s1")
    sp.ok("redeem", str(family.ann), str(family.yoga), "--key", "u1")
    report = sp.json(*PROVIDER, "renew-due")
    (renewed,) = report["passes"]
    assert renewed["previous_pass_id"] == sold["pass_id"]
    assert "renewed 0 plan period(s) and 0 pass(es)" in sp.ok(*PROVIDER, "renew-due")


def test_renewals_lists_a_declined_renewal_with_its_reason(sp: Cli, family: Family) -> None:
    made = sp.json(
        "template", "add", "Drop-in", "1", "--price", "1500", "--currency", "eur", "--auto-renew"
    )
    sp.json(*PROVIDER, "sell", str(made["id"]), family.ref, "--key", "s1")
    sp.ok("redeem", str(family.ann), str(family.yoga), "--key", "u1")
    # Without the payment plugin the automatic re-sale cannot charge, and says so.
    (failed,) = sp.json("renewals", "--state", "failed")
    assert failed["new_pass_id"] is None
    assert "no payment provider configured" in failed["last_error"]
    assert "no payment provider" in sp.ok("renewals")
    assert sp.json("renewals", "--state", "done") == []
