"""The main flows in a real browser, through the Flask and the Django demo gym sites: a new
client is added, sold a 10-class pass and checks in at the kiosk; the client card says "session
1 of 10"; the pass is suspended and the kiosk refuses, saying why. No JavaScript runs: the pages
are plain forms, and the site sends a strict Content-Security-Policy that nothing may break."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import Complaints, Site


def _sign_in_as_staff(page: Page, site: Site) -> None:
    page.goto(site.home)
    page.get_by_role("button", name="Sign in as Alex (front desk)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clients")


def _check_in(page: Page, site: Site, code: str, service: str) -> None:
    page.goto(site.at("kiosk/"))
    page.get_by_label("Member code").fill(code)
    # The kiosk lists today's classes soonest first; at some hours of the day the demo's
    # schedule has a second class of the same service later on.
    page.get_by_role("radio", name=re.compile("^" + service)).first.check()
    page.get_by_role("button", name="Check in").click()


def test_sell_punch_see_session_one_of_ten_suspend_and_be_refused(
    page: Page, site: Site, screenshots: Path, complaints: Complaints
) -> None:
    _sign_in_as_staff(page, site)

    # A new client walks in.
    adding = page.locator("form", has=page.get_by_role("button", name="Add client"))
    adding.get_by_label("Name", exact=True).fill("Nora Quinn")
    adding.get_by_label("Account ref (your own id for the client)").fill("client-quinn")
    adding.get_by_label("Member code").fill("3001")
    adding.get_by_role("button", name="Add client").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nora Quinn")

    # She buys a 10-class pass.
    page.get_by_role("link", name="Sell or assign a pack").first.click()
    sell = page.locator("form", has=page.get_by_role("button", name="Sell", exact=True))
    ten_pack = sell.locator("option", has_text="10-Class Pass").get_attribute("value")
    assert ten_pack is not None
    sell.locator("select[name=template_id]").select_option(ten_pack)
    sell.get_by_role("button", name="Sell", exact=True).click()
    # The confirmation says what she is charged before anything is: Confirm states the amount.
    expect(page.locator(".sp-confirm")).to_contain_text("is charged")
    page.screenshot(path=str(screenshots / "sell-confirm.png"), full_page=True)
    page.get_by_role("button", name=re.compile(r"^Charge \d")).click()
    expect(page.locator(".sp-flash-success")).to_be_visible()
    card_url = page.url

    # She checks in at the kiosk, for the yoga class starting soon.
    _check_in(page, site, "3001", "Vinyasa Yoga")
    verdict = page.locator(".sp-verdict-ok")
    expect(verdict).to_contain_text("Welcome, Nora")
    expect(verdict).to_contain_text("1 of 10")
    page.screenshot(path=str(screenshots / "kiosk-welcome.png"), full_page=True)

    # A double tap on the same form: the kiosk redeems once.
    page.go_back()
    page.get_by_label("Member code").fill("3001")
    page.get_by_role("button", name="Check in").click()

    # The client card shows the visit as session 1 of 10, and 9 left.
    page.goto(card_url if "/clients/" in card_url else site.at("office/"))
    if "/clients/" not in page.url:
        page.get_by_role("link", name="Nora Quinn").click()
    expect(page.locator("body")).to_contain_text("session 1 of 10")
    expect(page.locator("body")).not_to_contain_text("session 2 of 10")
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.screenshot(path=str(screenshots / "client-card.png"), full_page=True)

    # The front desk suspends the pass; at the next class the kiosk refuses, and says why.
    page.get_by_role("link", name=re.compile(r"^10-Class Pass")).first.click()
    suspend = page.locator("form", has=page.get_by_role("button", name="Suspend"))
    suspend.get_by_label("Reason").fill("Injury")
    suspend.get_by_role("button", name="Suspend").click()
    expect(page.locator("body")).to_contain_text("suspended")
    _check_in(page, site, "3001", "Spin")
    refusal = page.locator(".sp-verdict-no")
    expect(refusal).to_contain_text("suspended")
    page.screenshot(path=str(screenshots / "kiosk-refused.png"), full_page=True)

    assert complaints.heard == []


def test_a_member_sees_their_passes_and_enrolls_in_a_class(
    page: Page, site: Site, complaints: Complaints
) -> None:
    page.goto(site.home)
    page.get_by_role("button", name="Sign in as Maria").click()
    expect(page.locator("body")).to_contain_text("10-Class Pass")
    page.get_by_role("link", name=re.compile("Classes", re.I)).first.click()
    page.get_by_role("button", name=re.compile("Enroll")).first.click()
    expect(page.locator(".sp-flash-success")).to_contain_text("Enrolled")
    assert complaints.heard == []


def test_the_office_reads_well_on_a_phone(page: Page, site: Site, screenshots: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in_as_staff(page, site)
    page.get_by_role("link", name="The Garcia family").click()
    expect(page.locator("body")).to_contain_text("Lucía Garcia")
    # Nothing wider than the phone's screen but the tables, which scroll in their own box.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the client card is {overflow}px wider than a phone"
    page.screenshot(path=str(screenshots / "client-card-phone.png"), full_page=True)


def test_the_pages_own_assets_load(page: Page, site: Site) -> None:
    """The stylesheet and icon every page links to answer, asked for on their own rather than
    judged from the browser's incidental requests."""
    page.goto(site.home)
    links = page.locator("link[rel=stylesheet], link[rel=icon]")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 2, hrefs
    for href in hrefs:
        assert href is not None
        answer = page.request.get(site.root + href if href.startswith("/") else href)
        assert answer.status == 200, (href, answer.status)
        assert answer.body(), href


def test_the_reports_draw_their_charts_within_the_policy(
    page: Page, site: Site, screenshots: Path, complaints: Complaints
) -> None:
    """Every report page loads from the office's menu without a complaint from the browser (the
    inline SVG charts break no rule of the policy), and reads on a phone."""
    _sign_in_as_staff(page, site)
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    reports = page.locator(".sp-report-nav")
    charts = {"Liability": 1, "Revenue": 2, "Attendance": 1, "Expiring": 1, "Sales": 0}
    for name, drawn in [*charts.items(), ("Holders", 0), ("Never used", 0)]:
        reports.get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
        expect(page.locator("svg.sp-chart")).to_have_count(drawn)
        if drawn:
            expect(page.locator("svg.sp-chart title").first).not_to_be_empty()
        page.screenshot(path=str(screenshots / f"report-{name.lower()}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    reports.get_by_role("link", name="Revenue", exact=True).click()
    # Measured once the revenue page and its stylesheet have loaded: a click only starts the
    # navigation, and a loaded machine could otherwise measure the page before, or unstyled.
    page.wait_for_url(re.compile(r"/reports/revenue$"))
    page.wait_for_load_state("load")
    expect(page.locator("svg.sp-chart")).to_have_count(2)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the revenue report is {overflow}px wider than a phone"
    assert complaints.heard == []
