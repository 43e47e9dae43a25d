"""The Django demo gym site: seeded once, signs its users in with Django's own auth, and starts
from its console script.

The demo is a Django project of its own, and Django's settings are configured once per process
(here, the gym site's), so each demo runs in a process of its own, as its users start it.
"""

from __future__ import annotations

import http.cookiejar
import re
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

import pytest

from sessionpacks import Studio, create_engine


def _script() -> str:
    script = shutil.which("sessionpacks-django-demo", path=str(Path(sys.executable).parent))
    assert script, "the sessionpacks-django-demo console script is not installed beside this Python"
    return script


@contextmanager
def _running(database: str, port: int = 0) -> Iterator[tuple[str, str]]:
    """The demo on ``database``, until the block ends: its root URL and its banner."""
    process = subprocess.Popen(
        [_script(), "--port", str(port), "--database", database],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        # The banner comes once migrate and the seed are done and the port is bound.
        banner = "".join(process.stdout.readline() for _ in range(3))
        found = re.search(r"open  http://localhost:(\d+)/", banner)
        assert found, f"no address in the banner: {banner!r}"
        yield f"http://127.0.0.1:{found.group(1)}", banner
    finally:
        process.terminate()
        process.wait(timeout=10)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        # Where a sign-in sends the user is what the tests check.
        return None


class _Visitor:
    """One browser's cookies (Django's session and CSRF cookie) across requests."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._open = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects()
        ).open

    def get(self, path: str) -> tuple[int, str]:
        status, _, text = self._send(urllib.request.Request(self.root + path))
        return status, text

    def post(self, path: str, form: dict[str, str]) -> tuple[int, Message]:
        data = urllib.parse.urlencode(form).encode()
        status, headers, _ = self._send(urllib.request.Request(self.root + path, data=data))
        return status, headers

    def _send(self, request: urllib.request.Request) -> tuple[int, Message, str]:
        try:
            with self._open(request, timeout=30) as answer:
                return answer.status, answer.headers, answer.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.headers, refused.read().decode()


def _token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found
    return found.group(1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The demo running on a fresh SQLite file: its root URL and its database's URL."""
    database = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    with _running(database) as (root, _):
        yield root, database


def _studio(database: str) -> Studio:
    return Studio(create_engine(database))


def test_the_first_start_seeds_the_demo_studio(demo: tuple[str, str]) -> None:
    # What the seed writes is sessionpacks.demo's, tested in the core (tests/test_demo_studio.py).
    studio = _studio(demo[1])
    garcias = studio.account_by_ref("family-garcia")
    assert len(studio.members(garcias.id)) == 3
    assert studio.verify() == ()


def test_a_second_start_on_the_same_database_does_not_seed_again(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'demo.db'}"
    with _running(database):
        accounts = _studio(database).find_accounts()
    # The users are not made again either: a second Alex would stop the start.
    with _running(database) as (root, _):
        visitor = _Visitor(root)
        token = _token(visitor.get("/")[1])
        assert visitor.post("/sign-in", {"csrfmiddlewaretoken": token, "user": "staff"})[0] == 302
        assert _studio(database).find_accounts() == accounts


def test_signing_in_as_staff_opens_the_office_and_as_a_member_the_portal(
    demo: tuple[str, str],
) -> None:
    root, database = demo
    visitor = _Visitor(root)
    status, home = visitor.get("/")
    assert status == 200
    assert "Sign in as Alex (front desk)" in home
    assert "1002" in home  # Lucía's kiosk code is shown for trying the kiosk
    status, headers = visitor.post(
        "/sign-in", {"csrfmiddlewaretoken": _token(home), "user": "staff"}
    )
    assert (status, headers["Location"]) == (302, "/studio/office/")
    # The "Front desk" group gave Alex the owner's role: the office opens.
    status, office = visitor.get("/studio/office/")
    assert status == 200, office
    assert "Alex (front desk)" in office

    lucia = _studio(database).member_by_ref("1002")
    status, home = visitor.get("/")
    assert "Signed in as" in home
    form = {"csrfmiddlewaretoken": _token(home), "user": f"member-{lucia.id}"}
    status, headers = visitor.post("/sign-in", form)
    assert (status, headers["Location"]) == (302, "/studio/my/")
    # Her user's sessionpacks_member_id makes her that member in the portal.
    status, portal = visitor.get("/studio/my/")
    assert status == 200, portal
    assert "Lucía Garcia" in portal


@pytest.mark.parametrize("user", ["nobody", "member-999999", "member-x", ""])
def test_an_unknown_demo_user_is_refused(demo: tuple[str, str], user: str) -> None:
    visitor = _Visitor(demo[0])
    token = _token(visitor.get("/")[1])
    assert visitor.post("/sign-in", {"csrfmiddlewaretoken": token, "user": user})[0] == 400


def test_signing_in_without_the_csrf_token_is_refused(demo: tuple[str, str]) -> None:
    visitor = _Visitor(demo[0])
    visitor.get("/")  # the CSRF cookie alone is not enough
    assert visitor.post("/sign-in", {"user": "staff"})[0] == 403


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_console_script_starts_the_site_and_says_where_to_open_it(tmp_path: Path) -> None:
    port = _free_port()
    with _running(f"sqlite:///{tmp_path / 'demo.db'}", port) as (root, banner):
        assert f"open  http://localhost:{port}/" in banner
        status, page = _Visitor(root).get("/")
        assert status == 200
        assert "Riverside Yoga &amp; Fitness" in page
