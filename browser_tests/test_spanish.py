"""A Spanish-speaking studio's demo (``--locale es``) in a real browser: a member reads their
passes and enrolls in a class in Spanish, and the kiosk asks for the member code in Spanish."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import Complaints, Site


@pytest.fixture
def site_locale() -> str:
    return "es"


def test_a_member_enrolls_in_spanish(page: Page, site: Site, complaints: Complaints) -> None:
    page.goto(site.home)
    page.get_by_role("button", name="Sign in as Maria").click()
    page.goto(site.at("my/"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis bonos")
    expect(page.locator("body")).to_contain_text(re.compile(r"Quedan \d+ de 10 sesiones"))
    page.get_by_role("link", name="Clases").first.click()
    page.get_by_role("button", name=re.compile("^Apuntar")).first.click()
    expect(page.locator(".sp-flash-success")).to_contain_text("Te has apuntado a la clase del")
    assert complaints.heard == []


def test_the_kiosk_asks_in_spanish(page: Page, site: Site, complaints: Complaints) -> None:
    page.goto(site.home)
    page.get_by_role("button", name="Sign in as Alex (front desk)").click()
    page.goto(site.at("kiosk/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrar entrada")
    page.get_by_label("Código de socio").fill("NOBODY")
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Registrar entrada").click()
    expect(page.locator(".sp-verdict-no")).to_contain_text("Código o PIN no reconocido")
    assert complaints.heard == []
