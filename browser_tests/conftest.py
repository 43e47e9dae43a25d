"""The demo gym site, Flask's and Django's in turn, served on a free port, and Debian's Chromium
driven headless by Playwright.

Chromium comes from the system (``apt-get install chromium``), not from Playwright's own
download: ``SESSIONPACKS_CHROMIUM`` names it, ``/usr/bin/chromium`` by default. Without it the
tests fail, saying so. ``SESSIONPACKS_SCREENSHOTS`` names a folder for the screenshots they take.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Request,
    Response,
    sync_playwright,
)
from werkzeug.serving import make_server

from sessionpacks_flask.demo import create_app

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> str:
    path = os.environ.get("SESSIONPACKS_CHROMIUM", "/usr/bin/chromium")
    if not (os.access(path, os.X_OK) or shutil.which(path)):
        pytest.fail(
            f"no Chromium at {path}: install Debian's (apt-get install chromium chromium-driver)"
            " or set SESSIONPACKS_CHROMIUM to a Chromium binary"
        )
    return path


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@attrs.frozen
class Site:
    """A running demo site: its root URL and where sessionpacks is mounted in it."""

    root: str
    mount: str

    @property
    def home(self) -> str:
        return self.root + "/"

    def at(self, path: str) -> str:
        """The URL of ``path`` (``"kiosk/"``) under sessionpacks' mount."""
        return f"{self.root}{self.mount}/{path}"


@pytest.fixture
def site_locale() -> str:
    """The demo's language; a test module overrides this fixture to run its tests in another."""
    return "en"


@pytest.fixture(params=["flask", "django"])
def site(request: pytest.FixtureRequest, tmp_path: Path, site_locale: str) -> Iterator[Site]:
    """The framework's demo site on a fresh SQLite database, served by a real HTTP server."""
    database = f"sqlite:///{tmp_path / 'demo.db'}"
    if request.param == "flask":
        yield from _flask_site(database, site_locale)
    else:
        yield from _django_site(database, tmp_path / "server.log", site_locale)


def _flask_site(database: str, locale: str) -> Iterator[Site]:
    # In a thread: the Flask demo is an app object, one per database.
    app = create_app(database, locale=locale)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(f"http://127.0.0.1:{server.server_port}", "/sessionpacks")
    server.shutdown()
    thread.join(timeout=10)


def _django_site(database: str, log: Path, locale: str) -> Iterator[Site]:
    # In a process of its own: Django's settings are configured once per process, so each test's
    # fresh database needs a fresh process. Port 0 lets the server choose; its banner says which.
    with log.open("w") as errors:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sessionpacks_django.demo",
                "--port",
                "0",
                "--database",
                database,
                "--locale",
                locale,
            ],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        # A demo that never prints its banner fails the test instead of hanging it.
        watchdog = threading.Timer(90, process.kill)
        watchdog.start()
        try:
            assert process.stdout is not None
            root = None
            for line in process.stdout:
                if "open  http://localhost:" in line:
                    port = line.split("localhost:")[1].split("/")[0]
                    root = f"http://127.0.0.1:{port}"
                    break
            watchdog.cancel()
            if root is None:
                pytest.fail(f"the Django demo did not start:\n{log.read_text()}")
            yield Site(root, "/studio")
        finally:
            watchdog.cancel()
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # A front-desk screen and a phone both matter; the flows run at a desk's size.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("SESSIONPACKS_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


# The requests a flow relies on: the pages it navigates to and the stylesheet they link. Other
# subresources (the favicon) are fetched directly by test_the_pages_own_assets_load instead.
RELIED_ON = frozenset({"document", "stylesheet"})


class Complaints:
    """What shows the site failing while a flow runs: an answer with an error status, an
    uncaught script error, a console error or warning (a CSP violation), and a page or
    stylesheet that could not be fetched.

    A request the browser abandons itself (``net::ERR_ABORTED``: a click navigated away before
    the favicon loaded, which a loaded machine makes likely, even after the server answered 200)
    says nothing about the site, and neither does the console's "Failed to load resource" line,
    which repeats a load's outcome judged here by its status or its failure."""

    def __init__(self, page: Page) -> None:
        self.heard: list[str] = []
        # The abandoned requests let pass, so a test can tell the listener saw them.
        self.abandoned: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        page.on("response", self._response)
        page.on("requestfailed", self._request_failed)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") and not message.text.startswith(
            "Failed to load resource"
        ):
            self.heard.append(f"console {message.type}: {message.text}")

    def _page_error(self, error: Error) -> None:
        self.heard.append(f"page error: {error.message}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.heard.append(f"{response.status}: {response.url}")

    def _request_failed(self, request: Request) -> None:
        failure = request.failure or ""
        if "net::ERR_ABORTED" in failure:
            self.abandoned.append(request.url)
            return
        if request.resource_type not in RELIED_ON:
            return
        self.heard.append(f"{request.resource_type} failed ({failure}): {request.url}")


@pytest.fixture
def complaints(page: Page) -> Complaints:
    """Listens to ``page`` from the start of the test; assert ``complaints.heard == []``."""
    return Complaints(page)
