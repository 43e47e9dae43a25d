"""The demo gym site: seeded once, signs its users in, and starts from its console script."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask import Flask

from sessionpacks import Studio
from sessionpacks_flask import mounted
from sessionpacks_flask.demo import create_app


@pytest.fixture
def demo(tmp_path: Path) -> Flask:
    return create_app(f"sqlite:///{tmp_path / 'demo.db'}")


def _studio(app: Flask) -> Studio:
    with app.app_context():
        return mounted().studio


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_first_start_seeds_the_demo_studio(demo: Flask) -> None:
    # What the seed writes is sessionpacks.demo's, tested in the core (tests/test_demo_studio.py).
    studio = _studio(demo)
    garcias = studio.account_by_ref("family-garcia")
    assert len(studio.members(garcias.id)) == 3
    assert studio.verify() == ()


def test_a_second_start_on_the_same_database_does_not_seed_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = _studio(create_app(url))
    accounts = first.find_accounts()
    assert _studio(create_app(url)).find_accounts() == accounts


def test_signing_in_as_staff_opens_the_office_and_as_a_member_the_portal(demo: Flask) -> None:
    client = demo.test_client()
    home = client.get("/")
    assert home.status_code == 200
    assert "Sign in as Alex (front desk)" in home.text
    assert "1002" in home.text  # Lucía's kiosk code is shown for trying the kiosk
    signed = client.post("/sign-in", data={"csrf_token": _token(home.text), "user": "staff"})
    assert signed.headers["Location"] == "/sessionpacks/office/"
    lucia = _studio(demo).member_by_ref("1002")
    home = client.get("/")
    assert "Signed in as" in home.text
    signed = client.post(
        "/sign-in", data={"csrf_token": _token(home.text), "user": f"member-{lucia.id}"}
    )
    assert signed.headers["Location"] == "/sessionpacks/my/"


@pytest.mark.parametrize("user", ["nobody", "member-999999", "member-x", ""])
def test_an_unknown_demo_user_is_refused(demo: Flask, user: str) -> None:
    client = demo.test_client()
    token = _token(client.get("/").text)
    assert client.post("/sign-in", data={"csrf_token": token, "user": user}).status_code == 400


def test_signing_in_without_the_csrf_token_is_refused(demo: Flask) -> None:
    assert demo.test_client().post("/sign-in", data={"user": "staff"}).status_code == 400


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_console_script_starts_the_site_and_says_where_to_open_it(tmp_path: Path) -> None:
    script = shutil.which("sessionpacks-demo", path=str(Path(sys.executable).parent))
    assert script, "the sessionpacks-demo console script is not installed beside this Python"
    port = _free_port()
    process = subprocess.Popen(
        [script, "--port", str(port), "--database", f"sqlite:///{tmp_path / 'demo.db'}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = "".join(process.stdout.readline() for _ in range(3))
        assert f"open  http://localhost:{port}/" in banner
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as page:
                    assert "Riverside Yoga &amp; Fitness" in page.read().decode()
                    break
            except OSError:
                assert time.monotonic() < deadline, "the demo site did not answer in 30 s"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)
