"""The reports on a small studio whose figures are worked out by hand: who holds what, the
liability, revenue and its reconciliation, attendance, sales, CSV export, the command line."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from sessionpacks import (
    Channel,
    InvalidInput,
    ManualClock,
    PassState,
    PassTerms,
    Recipient,
    Settings,
    Studio,
    allow_all,
)
from sessionpacks.cli import cli
from sessionpacks.testing import Recorder
from tests.conftest import STAFF, START

DAY = dt.timedelta(days=1)
BEFORE = START - DAY
LATER = START + 10 * DAY


class Shop:
    """Sells, redeems and books with fresh keys."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.number = 0

    def writes(self) -> dict[str, Any]:
        self.number += 1
        return {"idempotency_key": f"k-{self.number}", "actor": STAFF, "channel": Channel.OFFICE}

    def sell(self, template_id: int, account_id: int) -> int:
        return self.studio.sell(template_id, account_id, **self.writes()).pass_id

    def redeem(self, member_id: int, service_id: int, **kw: Any) -> int:
        writes = {**self.writes(), **kw}
        return self.studio.redeem(member_id, service_id, **writes).redemption_id


@pytest.fixture
def shop(engine: Engine, clock: ManualClock) -> Shop:
    studio = Studio(engine, settings=Settings(policy=allow_all), plugins=[Recorder()], clock=clock)
    return Shop(studio)


@pytest.fixture
def smiths(shop: Shop, clock: ManualClock) -> dict[str, Any]:
    """The Smiths buy a 10-class pack (100.00), a money pack (500.00: 120.00 for the first
    session, 100.00 after) and 300 minutes valid 20 days (150.00); the Joneses, whose name
    looks like a spreadsheet formula, buy a 10-class pack and never use it."""
    s = shop.studio
    smiths = s.add_account("smith", "Smith family")
    anna = s.add_member(smiths.id, "Anna Smith")
    jones = s.add_account("jones", '=HYPERLINK("http://x","Jones")')
    s.add_member(jones.id, "Bo Jones")
    yoga = s.add_service("Yoga", category="classes", duration_minutes=60)
    pt = s.add_service("PT", category="pt", duration_minutes=30)
    ten = s.create_template("Ten classes", quantity=10, price_minor=10_000, currency="USD")
    cash = s.create_template(
        "Money pack",
        quantity=50_000,
        metric="money",
        currency="USD",
        price_minor=50_000,
        first_rate_minor=12_000,
        subsequent_rate_minor=10_000,
    )
    minutes = s.create_template(
        "PT minutes", quantity=300, metric="minutes", price_minor=15_000, currency="USD",
        validity_days=20,
    )  # fmt: skip
    passes = {
        "ten": shop.sell(ten.id, smiths.id),
        "cash": shop.sell(cash.id, smiths.id),
        "minutes": shop.sell(minutes.id, smiths.id),
        "jones": shop.sell(ten.id, jones.id),
    }
    clock.advance(DAY)
    used = [shop.redeem(anna.id, yoga.id, pass_id=passes["ten"]) for _ in range(3)]
    s.reverse(used[0], reason="booked in error", **shop.writes())
    for _ in range(4):  # 120 + 100 + 100 + 100 = 420.00: 80.00 left
        shop.redeem(anna.id, yoga.id, pass_id=passes["cash"], channel=Channel.KIOSK)
    pt_used = shop.redeem(anna.id, pt.id, pass_id=passes["minutes"])
    s.suspend(passes["jones"], reason="travelling", **shop.writes())
    clock.advance(DAY)
    return {
        "account": smiths,
        "anna": anna,
        "yoga": yoga,
        "pt": pt,
        "templates": {"ten": ten, "cash": cash, "minutes": minutes},
        "passes": passes,
        "pt_used": pt_used,
    }


def test_liability_is_the_paid_value_of_unused_units_by_template(
    shop: Shop, smiths: dict[str, Any]
) -> None:
    owed = shop.studio.reports.liability()
    # Ten classes: 8 of 10 (80.00) + the Joneses' 10 (100.00); money: 80.00 of 500.00;
    # minutes: 270 of 300 (135.00).
    assert [(line.template, line.units, line.value_minor) for line in owed.lines] == [
        ("Money pack", 8_000, 8_000),
        ("PT minutes", 270, 13_500),
        ("Ten classes", 18, 18_000),
    ]
    assert owed.totals() == {"USD": 39_500}
    # Before anything was sold nothing was owed; after the sales, all of it.
    assert shop.studio.reports.liability(as_of=BEFORE).lines == ()
    assert shop.studio.reports.liability(as_of=START).totals() == {"USD": 85_000}


def test_revenue_reconciles_and_says_where_the_money_went(
    shop: Shop, smiths: dict[str, Any]
) -> None:
    period = shop.studio.reports.revenue(BEFORE, LATER)
    (usd,) = period.totals()
    assert (usd.deferred_at_start, usd.sales, usd.deferred_at_end) == (0, 85_000, 39_500)
    # Used: two classes (20.00), four sessions paid in money (420.00), 30 minutes (15.00).
    assert (usd.used, usd.forfeited, usd.kept, usd.refunded, usd.moved) == (45_500, 0, 0, 0, 0)
    assert usd.reconciles
    assert all(line.reconciles for line in period.lines)
    # A later period starts from where this one ended.
    after = shop.studio.reports.revenue(LATER, LATER + DAY)
    assert after.totals()[0].deferred_at_start == 39_500


def test_expiry_and_refund_are_breakage_and_money_back(
    shop: Shop, smiths: dict[str, Any], clock: ManualClock
) -> None:
    s = shop.studio
    s.adjust(smiths["passes"]["ten"], 2, reason="goodwill", **shop.writes())
    s.refund(smiths["passes"]["ten"], reason="moving away", **shop.writes())
    clock.advance(30 * DAY)
    s.expire_due()
    (usd,) = s.reports.revenue(BEFORE, clock.now()).totals()
    # After 2 goodwill classes the pass holds 10, and the refund counts paid units first (issue
    # 14's rule): all 100.00 goes back, though only 80.00 was still deferred, so the 20.00 the
    # two used classes earned is taken back. The minutes expire: 135.00 is breakage.
    assert (usd.refunded, usd.kept) == (10_000, -2_000)
    assert (usd.used, usd.forfeited) == (45_500, 13_500)
    assert usd.reconciles
    assert s.reports.liability().totals() == {"USD": 8_000 + 10_000}


def test_credit_given_back_to_an_expired_pass_is_forfeited_with_it(
    shop: Shop, smiths: dict[str, Any], clock: ManualClock
) -> None:
    s = shop.studio
    minutes = smiths["passes"]["minutes"]
    clock.advance(30 * DAY)
    s.expire_due()
    before = s.reports.revenue(BEFORE, clock.now()).totals()[0]
    s.reverse(smiths["pt_used"], reason="the session was cancelled", **shop.writes())
    # The 30 minutes come back to an expired pass and go with it: nothing is owed for them,
    # and their 15.00 moves from used to breakage.
    assert s.pass_balance(minutes).remaining == 0
    after = s.reports.revenue(BEFORE, clock.now()).totals()[0]
    assert (after.used, after.forfeited) == (before.used - 1_500, before.forfeited + 1_500)
    assert after.deferred_at_end == before.deferred_at_end
    # Reopening the pass gives back all that its expiries took: 300 minutes worth 150.00.
    s.extend(minutes, by=dt.timedelta(days=60), reason="injury", **shop.writes())
    assert s.pass_balance(minutes).remaining == 300
    reopened = s.reports.revenue(BEFORE, clock.now()).totals()[0]
    assert reopened.deferred_at_end == before.deferred_at_end + 15_000
    assert reopened.reconciles


def test_paid_passes_of_a_bulk_grant_carry_their_value(shop: Shop) -> None:
    s = shop.studio
    families = [s.add_account(f"fam-{n}", f"Family {n}") for n in range(3)]
    s.bulk_grant(
        [Recipient(account_id=f.id) for f in families],
        PassTerms(quantity=4, cost_basis_minor=4_000, cost_currency="GBP"),
        reason="paid at the old desk",
        batch_key="import-1",
        actor=STAFF,
        channel=Channel.OFFICE,
    )
    assert s.reports.liability().totals() == {"GBP": 12_000}
    (gbp,) = s.reports.revenue(BEFORE, LATER).totals()
    assert (gbp.sales, gbp.deferred_at_end) == (12_000, 12_000)


def test_pass_lists_find_expiring_low_unused_and_suspended_passes(
    shop: Shop, smiths: dict[str, Any]
) -> None:
    r = shop.studio.reports
    p = smiths["passes"]
    assert [h.pass_id for h in r.expiring(within_days=30).passes] == [p["minutes"]]
    assert r.expiring(within_days=5).passes == ()
    # 80.00 cannot pay another 100.00 session: low for every metric, not only sessions.
    assert [h.pass_id for h in r.low_balance(sessions_left=0).passes] == [p["cash"]]
    low = {h.pass_id for h in r.low_balance(sessions_left=8).passes}
    assert low == {p["cash"], p["ten"]}  # 8 classes left; 270 minutes are 9 PT sessions
    assert [h.pass_id for h in r.unused().passes] == [p["jones"]]
    (held,) = r.suspended().passes
    assert (held.pass_id, held.state, held.value_left_minor) == (
        p["jones"],
        PassState.SUSPENDED,
        10_000,
    )
    holders = r.holders(template_id=smiths["templates"]["ten"].id)
    assert [(h.account_name, h.remaining) for h in holders.passes] == [
        ('=HYPERLINK("http://x","Jones")', 10),
        ("Smith family", 8),
    ]
    assert [h.pass_id for h in r.holders(states=("suspended",)).passes] == [p["jones"]]
    # As of the first moment, nothing was used yet: all three of the Smiths' passes are whole.
    then = r.holders(as_of=START)
    assert {h.pass_id: h.remaining for h in then.passes if h.account_name == "Smith family"} == {
        p["ten"]: 10,
        p["cash"]: 50_000,
        p["minutes"]: 300,
    }
    # A pass for the PT service: the minutes, and the money and class packs that pay for all.
    assert {h.pass_id for h in r.holders(service_id=smiths["pt"].id).passes} == set(p.values())


def test_attendance_counts_redemptions_no_shows_and_late_cancellations(
    shop: Shop, smiths: dict[str, Any], clock: ManualClock
) -> None:
    s = shop.studio
    anna, pt = smiths["anna"], smiths["pt"]
    s.set_booking_policy(pt.id, cancel_cutoff_minutes=24 * 60)
    soon = s.add_occurrence(pt.id, clock.now() + dt.timedelta(hours=2))
    later = s.add_occurrence(pt.id, clock.now() + dt.timedelta(hours=5))
    missed = s.book(anna.id, soon.id, pass_id=smiths["passes"]["minutes"], **shop.writes())
    late = s.book(anna.id, later.id, pass_id=smiths["passes"]["minutes"], **shop.writes())
    s.cancel_booking(late.booking_id, **shop.writes())
    clock.advance(dt.timedelta(hours=3))
    s.mark_no_show(missed.booking_id, **shop.writes())
    seen = s.reports.attendance(BEFORE, LATER)
    by_name = {
        a.service: (a.redemptions, a.no_shows, a.late_cancellations) for a in seen.by_service
    }
    # Yoga: 2 classes (one reversed) and 4 money sessions; PT: one redemption, one booking
    # kept as a no-show, one late-cancelled (both keep their credit).
    assert by_name == {"Yoga": (6, 0, 0), "PT": (3, 1, 1)}
    assert dict(seen.by_channel) == {"kiosk": 4, "office": 5}
    assert seen.channel_table().rows == (("check-in kiosk", 4), ("front desk", 5))
    assert dict(seen.by_week) == {"2026-01-05": 9}


def test_sales_by_template_and_month(shop: Shop, smiths: dict[str, Any]) -> None:
    sold = shop.studio.reports.sales(BEFORE, LATER, step="month")
    assert [
        (line.period_start, line.template, line.sold, line.sold_minor) for line in sold.lines
    ] == [
        ("2026-01-01", "Money pack", 1, 50_000),
        ("2026-01-01", "PT minutes", 1, 15_000),
        ("2026-01-01", "Ten classes", 2, 20_000),
    ]
    weekly = shop.studio.reports.money_over_time(BEFORE, LATER, step="week")
    assert [(p.period_start, p.sales, p.recognised, p.deferred_at_end) for p in weekly.points] == [
        ("2025-12-29", 0, 0, 0),  # every week of the period, those without entries too
        ("2026-01-05", 85_000, 45_500, 39_500),
        ("2026-01-12", 0, 0, 39_500),
    ]


def test_csv_is_safe_in_a_spreadsheet(shop: Shop, smiths: dict[str, Any]) -> None:
    text = shop.studio.reports.holders().table().to_csv()
    assert '\'=HYPERLINK(""http://x"",""Jones"")' in text
    assert "\n=HYPERLINK" not in text
    assert ",=HYPERLINK" not in text
    # Negative amounts stay numbers.
    shop.studio.adjust(smiths["passes"]["ten"], -8, reason="written off", **shop.writes())
    revenue = shop.studio.reports.revenue(BEFORE, LATER).table()
    assert revenue.rows
    assert "'-" not in revenue.to_csv()
    records = json.loads(revenue.to_json())["rows"]
    assert records[-1]["template"] == "all"
    assert records[-1]["expired or written off"] == "80.00"


def test_bad_report_input_is_refused_by_name(shop: Shop) -> None:
    r = shop.studio.reports
    with pytest.raises(InvalidInput, match="must be after its start"):
        r.revenue(LATER, BEFORE)
    with pytest.raises(InvalidInput, match="step must be 'week' or 'month'"):
        r.sales(BEFORE, LATER, step="day")
    with pytest.raises(InvalidInput, match="within_days must be greater than zero"):
        r.expiring(within_days=0)
    with pytest.raises(InvalidInput, match="sessions_left cannot be negative"):
        r.low_balance(sessions_left=-1)
    with pytest.raises(InvalidInput, match="unknown pass state 'gone'"):
        r.holders(states=("gone",))
    with pytest.raises(InvalidInput, match="template_id must be an id"):
        r.holders(template_id=0)
    with pytest.raises(InvalidInput, match="timezone-aware"):
        r.liability(as_of=dt.datetime(2026, 1, 1))
    with pytest.raises(InvalidInput, match="at most ten years"):
        r.revenue(BEFORE, BEFORE + dt.timedelta(days=4000))


def test_the_command_line_prints_the_same_figures(
    shop: Shop, smiths: dict[str, Any], database_url: str
) -> None:
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--url", database_url, "report", *args])
        assert result.exit_code == 0, result.output
        return result.output

    as_csv = run("revenue", "--from", "2026-01-01", "--to", "2026-01-31", "--csv")
    assert as_csv.splitlines()[-1] == "all,USD,0.00,850.00,455.00,0.00,0.00,455.00,0.00,0.00,395.00"
    printed = run("liability", "--as-of", "2026-01-31")
    assert "Ten classes" in printed
    assert "180.00" in printed
    listed = json.loads(run("unused", "--json"))
    assert [p["pass_id"] for p in listed["passes"]] == [smiths["passes"]["jones"]]
    assert "'=HYPERLINK" in run("holders", "--csv")
    refused = runner.invoke(
        cli,
        ["--url", database_url, "report", "revenue", "--from", "2026-02-01", "--to", "2026-01-01"],
    )
    assert refused.exit_code != 0
    assert "must be after its start" in refused.output
    missing = runner.invoke(cli, ["--url", database_url, "report", "sales", "--from", "2026-01-01"])
    assert missing.exit_code == 2
    assert "--from and --to" in missing.output
