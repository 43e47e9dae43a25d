"""The office's report pages: the figures the core reports, their charts and CSV files, and bad
dates answered on the page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from xml.etree import ElementTree

import attrs
import pytest
from office_world import OFFICE, World, build, shown
from support import FRONT_DESK, OWNER, START, Client, InlineFinder, Who

from sessionpacks import ManualClock, Studio
from sessionpacks.testing import Recorder
from sessionpacks.web import Identity
from sessionpacks.web.charts import Bar, Series, bar_chart, line_chart
from sessionpacks.web.headers import DEFAULT_SECURITY_HEADERS

REPORTS = f"{OFFICE}/reports"
# A name a spreadsheet would run as a formula.
FORMULA = '=HYPERLINK("http://evil.test","click")'
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@attrs.frozen
class Scenario:
    world: World
    sold_pass: int
    other_pass: int
    member_pack: int


@pytest.fixture
def scenario(studio: Studio, clock: ManualClock) -> Scenario:
    """Two sales of the 10-class pack (120.00 EUR), one to a client named like a formula, two
    classes used; a member's 5-class pack (50.00 EUR) sold a week later."""
    world = build(studio)
    studio.hooks.register(Recorder())
    sold = studio.sell(
        world.template_id,
        world.account_id,
        idempotency_key="s1",
        actor=OWNER.actor,
        channel="office",
    )
    other = studio.add_client("crm-2", FORMULA).account
    other_sale = studio.sell(
        world.template_id, other.id, idempotency_key="s2", actor=OWNER.actor, channel="office"
    )
    clock.advance(dt.timedelta(days=1))
    for n in range(2):
        studio.redeem(
            world.member_id,
            world.service_id,
            idempotency_key=f"r{n}",
            actor=OWNER.actor,
            channel="office",
        )
    clock.advance(dt.timedelta(days=7))
    member_template = studio.create_template(
        "5 for Eva",
        quantity=5,
        price_minor=5000,
        currency="EUR",
        validity_days=20,
        scope="member",
    )
    member_pack = studio.sell(
        member_template.id,
        world.account_id,
        member_id=world.other_member_id,
        idempotency_key="s3",
        actor=OWNER.actor,
        channel="office",
    )
    clock.advance(dt.timedelta(days=1))
    return Scenario(world, sold.pass_id, other_sale.pass_id, member_pack.pass_id)


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_office_nav_leads_to_the_reports(client: Client, who: Who, studio: Studio) -> None:
    build(studio)
    who.current = FRONT_DESK
    page = client.get(f"{OFFICE}/")
    assert f'href="{REPORTS}"' in page.text
    index = client.get(REPORTS)
    assert index.status_code == 200
    for name in ("holders", "expiring", "low-balance", "unused", "suspended"):
        assert f"{REPORTS}/passes/{name}" in index.text
    for name in ("liability", "revenue", "attendance", "sales"):
        assert f'href="{REPORTS}/{name}"' in index.text


def test_the_reports_page_heads_with_what_is_owed_and_earned(
    client: Client, who: Who, studio: Studio, scenario: Scenario
) -> None:
    who.current = OWNER
    text = re.sub(r"<[^>]+>|\s+", " ", shown(client.get(REPORTS)))
    assert "Owed in unused paid credits now 266.00 EUR" in re.sub(r"\s+", " ", text)
    assert "Sold 290.00 EUR , earned 24.00 EUR" in re.sub(r"\s+", " ", text)


def test_liability_shows_the_core_figures_and_a_chart(
    client: Client, who: Who, studio: Studio, scenario: Scenario
) -> None:
    who.current = OWNER
    core = studio.reports.liability()
    # 2 x 120.00 sold, 2 of 10 classes used (24.00), 50.00 for Eva.
    assert core.totals() == {"EUR": 24000 - 2400 + 5000}
    response = client.get(f"{REPORTS}/liability")
    assert response.status_code == 200
    text = shown(response)
    assert "266.00 EUR" in text
    for line in core.lines:
        assert line.template in text
    assert "<svg" in text
    assert "<title" in text
    assert "<desc" in text
    assert "Unused paid credits (liability) in EUR" in text
    # The chart's table: this month ends with what is owed now.
    assert re.search(r"2026-03-01</td><td[^>]*>266\.00</td>", response.text)


def test_revenue_reconciles_on_the_page_as_in_the_core(
    client: Client, who: Who, studio: Studio, scenario: Scenario, clock: ManualClock
) -> None:
    who.current = OWNER
    # A period that starts after the first sales: deferred at start is not zero.
    start = dt.datetime(2026, 3, 3, tzinfo=dt.timezone.utc)
    end = dt.datetime(2026, 3, 31, tzinfo=dt.timezone.utc) + dt.timedelta(days=1)
    (total,) = studio.reports.revenue(start, end).totals()
    assert total.reconciles
    assert total.deferred_at_start == 24000
    response = client.get(
        f"{REPORTS}/revenue", query_string={"start": "2026-03-03", "end": "2026-03-31"}
    )
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>|\s+", " ", shown(response))
    minus = "\N{MINUS SIGN}"
    line = (
        f"Deferred at start 240.00 EUR + sales 50.00 EUR {minus} recognised 24.00 EUR"
        f" {minus} refunded 0.00 EUR = deferred at end 266.00 EUR reconciles"
    )
    assert line in re.sub(r"\s+", " ", text), text
    assert total.sales == 5000
    assert total.recognised == 2400
    assert total.deferred_at_end == 26600
    assert "Sales and revenue recognised in EUR" in text
    weekly = client.get(
        f"{REPORTS}/revenue",
        query_string={"start": "2026-03-03", "end": "2026-03-31", "step": "week"},
    )
    assert "2026-03-09" in weekly.text  # a Monday


def test_pass_lists_name_holders_not_ids(
    client: Client, who: Who, studio: Studio, scenario: Scenario
) -> None:
    who.current = FRONT_DESK
    holders = shown(client.get(f"{REPORTS}/passes/holders"))
    assert "Ana Ruiz" in holders
    assert FORMULA in holders
    assert "Eva Ruiz" in holders
    assert "crm-1" in holders
    # Ids stay out of sight: no "#12" labels, no id column.
    assert not re.search(r"pass (id|#)", holders, re.IGNORECASE)
    one = client.get(
        f"{REPORTS}/passes/holders",
        query_string={"template_id": scenario.world.template_id, "state": "active"},
    )
    assert "Eva Ruiz" not in shown(one)
    assert "Ana Ruiz" in shown(one)
    assert "2 passes" in one.text
    # Ana's account pack was used; the other client's and Eva's were not.
    never = client.get(f"{REPORTS}/passes/unused")
    assert FORMULA in shown(never)
    assert "5 for Eva" in never.text
    assert "2 passes" in never.text
    low = shown(client.get(f"{REPORTS}/passes/low-balance", query_string={"sessions_left": 8}))
    assert "Ana Ruiz" in low
    assert FORMULA not in low


def test_expiring_is_charted_by_week(
    client: Client, who: Who, studio: Studio, scenario: Scenario
) -> None:
    who.current = FRONT_DESK
    # Eva's pack ends 20 days after its sale (2026-03-10): 2026-03-30, a Monday.
    core = studio.reports.expiring(within_days=30)
    assert [p.member_name for p in core.passes] == ["Eva Ruiz"]
    response = client.get(f"{REPORTS}/passes/expiring", query_string={"days": "30"})
    assert response.status_code == 200
    assert "Passes expiring by week" in response.text
    assert "week of 2026-03-30" in response.text
    assert "1 pass" in response.text
    wider = client.get(f"{REPORTS}/passes/expiring", query_string={"days": "100"})
    assert "week of 2026-05-25" in wider.text  # the 10-class packs: 90 days from 2026-03-02


def test_attendance_by_service_chart_and_table(
    client: Client, who: Who, studio: Studio, scenario: Scenario
) -> None:
    who.current = OWNER
    core = studio.reports.attendance(START - dt.timedelta(days=1), START + dt.timedelta(days=30))
    assert [(s.service, s.redemptions) for s in core.by_service] == [("Vinyasa flow", 2)]
    response = client.get(f"{REPORTS}/attendance", query_string=MARCH)
    assert response.status_code == 200
    assert "Attendance by service" in response.text
    assert re.search(r"Vinyasa flow</td><td[^>]*>2</td>", response.text)
    assert "Redemptions by channel" in response.text
    assert "office" in response.text


def test_sales_by_template(client: Client, who: Who, studio: Studio, scenario: Scenario) -> None:
    who.current = OWNER
    response = client.get(f"{REPORTS}/sales", query_string=MARCH)
    text = shown(response)
    assert re.search(r"10-class pack</td><td>EUR</td><td[^>]*>2</td><td[^>]*>240\.00", text), text
    assert re.search(r"5 for Eva</td><td>EUR</td><td[^>]*>1</td><td[^>]*>50\.00", text)


@pytest.mark.parametrize(
    ("path", "query", "filename"),
    [
        ("liability.csv", {"as_of": "2026-03-10"}, "liability-2026-03-10.csv"),
        (
            "revenue.csv",
            {"start": "2026-03-01", "end": "2026-03-31"},
            "revenue-2026-03-01-to-2026-03-31.csv",
        ),
        (
            "sales.csv",
            {"start": "2026-03-01", "end": "2026-03-31"},
            "sales-2026-03-01-to-2026-03-31.csv",
        ),
        (
            "attendance.csv",
            {"start": "2026-03-01", "end": "2026-03-31"},
            "attendance-2026-03-01-to-2026-03-31.csv",
        ),
        ("passes/holders.csv", {}, "passes-holders-2026-03-11.csv"),
    ],
)
def test_each_report_downloads_as_csv(
    client: Client,
    who: Who,
    scenario: Scenario,
    path: str,
    query: dict[str, str],
    filename: str,
) -> None:
    who.current = OWNER
    page = client.get(f"{REPORTS}/{path.removesuffix('.csv')}", query_string=query)
    assert page.status_code == 200
    # The page links to its CSV with the same choices.
    assert f"{REPORTS}/{path}" in page.text
    response = client.get(f"{REPORTS}/{path}", query_string=query)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert len(_csv(response.text)) >= 2


def test_the_csv_matches_the_core_and_defuses_formulas(
    client: Client, who: Who, studio: Studio, scenario: Scenario
) -> None:
    who.current = OWNER
    response = client.get(f"{REPORTS}/passes/holders.csv")
    assert response.text == studio.reports.holders().table().to_csv()
    rows = _csv(response.text)
    assert rows[0][:3] == ["account", "account ref", "member"]
    names = [row[0] for row in rows[1:]]
    assert "'" + FORMULA in names
    assert FORMULA not in names
    revenue = client.get(f"{REPORTS}/revenue.csv", query_string=MARCH)
    last = _csv(revenue.text)[-1]
    assert last[0] == "all"
    assert last[-1] == "266.00"


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("revenue", {"start": "2026-13-01", "end": "2026-03-31"}, "start date must be a date"),
        ("revenue", {"start": "2026-03-31", "end": "2026-03-01"}, "is before the start date"),
        ("sales", {"start": "1900-01-01"}, "between the years 1970 and 2999"),
        ("sales", {"step": "fortnight"}, "group by week or month"),
        ("attendance", {"start": "2000-01-01", "end": "2026-01-01"}, "at most ten years"),
        ("liability", {"as_of": "yesterday"}, "date must be a date"),
        ("passes/expiring", {"days": "soon"}, "whole number"),
        ("passes/expiring", {"days": "0"}, "between 1 and 3660"),
        ("passes/holders", {"state": "lost"}, "choose a pass state"),
    ],
)
def test_bad_input_is_said_on_the_page_keeping_it(
    client: Client, who: Who, studio: Studio, path: str, query: dict[str, str], message: str
) -> None:
    build(studio)
    who.current = OWNER
    response = client.get(f"{REPORTS}/{path}", query_string=query)
    assert response.status_code == 400
    text = shown(response)
    assert message in text
    assert "Traceback" not in text
    for value in query.values():
        assert f'value="{value}"' in text or f'value="{value}" selected' in text or value in text
    # The CSV of the same input says so on the page too, not in a file.
    download = client.get(f"{REPORTS}/{path}.csv", query_string=query)
    assert download.status_code == 400
    assert download.mimetype == "text/html"
    assert message in shown(download)


def test_report_pages_keep_the_policy_and_carry_no_script(
    client: Client, who: Who, studio: Studio, scenario: Scenario
) -> None:
    who.current = OWNER
    pages = [
        "",
        "/liability",
        "/revenue?start=2026-03-01&end=2026-03-31&step=week",
        "/attendance?start=2026-03-01&end=2026-03-31",
        "/sales",
        "/passes/expiring?days=100",
        "/passes/holders",
    ]
    for page in pages:
        response = client.get(REPORTS + page)
        assert response.status_code == 200, page
        policy = DEFAULT_SECURITY_HEADERS["Content-Security-Policy"]
        assert response.headers["Content-Security-Policy"] == policy
        finder = InlineFinder()
        finder.feed(response.text)
        assert finder.blocked == [], page
        assert "<script" not in response.text
    svg = client.get(f"{REPORTS}/liability").text
    assert svg.count("<svg") == 1
    assert 'role="img"' in svg
    assert "aria-labelledby" in svg


def test_reports_are_for_staff_only(
    client: Client, who: Who, studio: Studio, scenario: Scenario
) -> None:
    for page in ("", "/liability", "/liability.csv", "/passes/holders.csv", "/revenue"):
        who.current = None
        assert client.get(REPORTS + page).status_code == 401
        who.current = _member(studio, scenario)
        assert client.get(REPORTS + page).status_code == 403


def _member(studio: Studio, scenario: Scenario) -> Identity:
    return Identity.member(scenario.world.member_id, "member")


def test_chart_text_is_escaped_and_the_svg_well_formed() -> None:
    hostile = '<script>alert("x")</script>'
    bars = bar_chart(f"Visits {hostile}", "a & b", [Bar(hostile, 2, "2 & more"), Bar("B", 0, "0")])
    lines = line_chart(
        hostile,
        "desc",
        ["2026-03-02", "2026-03-09"],
        [Series(hostile, (1.0, None)), Series("empty", (None, None))],
    )
    for svg in (bars, lines):
        assert "<script" not in svg
        assert "&lt;script&gt;" in svg
        root = ElementTree.fromstring(svg)  # well-formed XML, as an image file must be
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("role") == "img"
        assert root.find("{http://www.w3.org/2000/svg}title") is not None
        assert root.find("{http://www.w3.org/2000/svg}desc") is not None
    assert "2 &amp; more" in bars
    assert "No data" in bar_chart("t", "d", [])
    assert "No data" in line_chart("t", "d", ["a"], [Series("s", (None,))])
