"""Setting a product up in the browser: the kind chosen first, then the summary follows what is
typed (the page's one script file asks the server for the words), within the strict policy."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import Complaints, Site


def test_the_summary_follows_the_typing_and_the_template_is_made(
    page: Page, site: Site, complaints: Complaints
) -> None:
    page.goto(site.home)
    page.get_by_role("button", name="Sign in as Alex (front desk)").click()
    page.goto(site.at("office/templates"))
    page.get_by_role("link", name="Punch pass", exact=True).click()
    form = page.locator("form[data-summary-url]")
    summary = page.locator("#template-summary")
    expect(summary).to_have_text("free, no expiry")

    form.locator("input[name=name]").fill("Ten classes")
    form.locator("input[name=quantity]").fill("10")
    form.locator("input[name=price]").fill("120")
    form.locator("input[name=currency]").fill("EUR")
    form.locator("input[name=validity_months]").fill("3")
    form.locator("select[name=start_rule]").select_option("on_first_use")
    expect(summary).to_have_text("10 classes, 120.00 EUR, valid 3 months from first use")

    # Typing a different quantity changes the words without a reload.
    form.locator("input[name=quantity]").fill("12")
    expect(summary).to_have_text("12 classes, 120.00 EUR, valid 3 months from first use")
    form.locator("input[name=refundable]").uncheck()
    expect(summary).to_contain_text("not refundable")

    form.get_by_role("button", name="Create template").click()
    expect(page.locator(".sp-flash-success")).to_contain_text("Template Ten classes created.")
    row = page.locator("tr", has_text="Ten classes")
    expect(row).to_contain_text("12 classes, 120.00 EUR, valid 3 months from first use")
    assert complaints.heard == []
