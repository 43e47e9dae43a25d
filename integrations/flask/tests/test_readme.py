"""The README's Flask example mounts sessionpacks as it says, in under ten lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

README = Path(__file__).resolve().parents[3] / "README.md"


def _flask_example() -> str:
    section = README.read_text().split("## In a Flask site", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "the README's Flask section has no Python example"
    return found.group(1)


def test_the_example_is_under_ten_lines() -> None:
    lines = [line for line in _flask_example().splitlines() if line.strip()]
    assert len(lines) < 10


def test_the_example_mounts_the_office_and_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(_flask_example(), "README.md", "exec"), namespace)
    app = namespace["app"]
    assert isinstance(app, Flask)
    app.instance_path = str(tmp_path / "instance")
    client = app.test_client()
    assert client.get("/sessionpacks/office/").status_code == 200
    assert client.get("/sessionpacks/api/openapi.json").status_code == 200
