"""What the flows count as the site failing, tried on pages the browser is handed directly
(``page.route``), so each case happens every run instead of when a machine is slow."""

from __future__ import annotations

from playwright.sync_api import Page, Route

from .conftest import Complaints

ORIGIN = "http://site.test"


def _serve(page: Page, pages: dict[str, tuple[int, str, str]]) -> None:
    """Answers each path of ``pages`` with (status, content type, body); aborts the rest, as a
    navigation cuts off a request in flight."""

    def answer(route: Route) -> None:
        found = pages.get(route.request.url.removeprefix(ORIGIN))
        if found is None:
            route.abort("aborted")
            return
        status, media, body = found
        route.fulfill(status=status, content_type=media, body=body)

    page.route(ORIGIN + "/**", answer)


def test_an_abandoned_request_is_no_complaint_but_an_error_status_and_a_script_error_are(
    page: Page, complaints: Complaints
) -> None:
    _serve(
        page,
        {
            "/": (
                200,
                "text/html",
                '<link rel="stylesheet" href="/cut.css"><link rel="stylesheet" href="/gone.css">'
                "<script>throw new Error('broken script')</script><p>hello</p>",
            ),
            "/gone.css": (404, "text/css", ""),
        },
    )
    page.goto(ORIGIN + "/")
    page.wait_for_load_state("load")
    assert f"404: {ORIGIN}/gone.css" in complaints.heard
    assert any(heard == "page error: broken script" for heard in complaints.heard)
    # Cut off, as a navigation cuts off the favicon: seen, and let pass.
    # (Chromium abandons the refused stylesheet's body too: its status is what counts.)
    assert f"{ORIGIN}/cut.css" in complaints.abandoned
    assert not any("cut.css" in heard for heard in complaints.heard), complaints.heard


def test_a_stylesheet_that_cannot_be_fetched_is_a_complaint(
    page: Page, complaints: Complaints
) -> None:
    _serve(page, {"/": (200, "text/html", '<link rel="stylesheet" href="/refused.css">')})
    page.route(ORIGIN + "/refused.css", lambda route: route.abort("connectionrefused"))
    page.goto(ORIGIN + "/")
    page.wait_for_load_state("load")
    assert complaints.heard == [
        f"stylesheet failed (net::ERR_CONNECTION_REFUSED): {ORIGIN}/refused.css"
    ]
