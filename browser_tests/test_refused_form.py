"""A refused form in a real browser, at a desk's width and a phone's: the front desk takes more
credits off a pass than it holds, and the pass page comes back with its menu, what was typed still
in the form, and the error beside the field at fault, not on a dead-end page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import Site
from .test_flows import _sign_in_as_staff


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)], ids=["desk", "phone"])
def test_a_refused_adjustment_keeps_the_page_the_input_and_says_why_beside_the_field(
    page: Page, site: Site, screenshots: Path, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    _sign_in_as_staff(page, site)
    page.get_by_role("link", name="The Garcia family").first.click()
    page.locator("table a[href*='/passes/']").first.click()
    pass_heading = page.get_by_role("heading", level=1).inner_text()

    adjust = page.locator("form", has=page.get_by_role("button", name="Adjust"))
    adjust.get_by_label("Reason").fill("Counted twice at the door")
    adjust.locator("input[name=delta]").fill("-999")
    adjust.get_by_role("button", name="Adjust").click()

    # The same pass page, with the office's menu, not a problem page.
    expect(page.get_by_role("heading", level=1)).to_have_text(pass_heading)
    expect(page.get_by_role("navigation").first).to_be_visible()
    adjust = page.locator("form", has=page.get_by_role("button", name="Adjust"))
    delta = adjust.locator("input[name=delta]")
    expect(delta).to_have_value("-999")
    expect(delta).to_have_attribute("aria-invalid", "true")
    expect(adjust.get_by_label("Reason")).to_have_value("Counted twice at the door")
    # The message sits beside the field it is about, and the field points at it.
    beside = adjust.locator(".sp-field", has=page.locator("input[name=delta]")).locator(
        ".sp-field-error"
    )
    expect(beside).to_be_visible()
    expect(beside).not_to_be_empty()
    described = delta.get_attribute("aria-describedby") or ""
    assert beside.get_attribute("id") in described.split()
    # No other form on the page shows an error.
    expect(page.locator(".sp-field-error")).to_have_count(1)
    page.screenshot(path=str(screenshots / f"refused-adjustment-{width}.png"), full_page=True)
