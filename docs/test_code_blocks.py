"""Every code block of README.md and docs/*.md runs, so that the documentation cannot go stale.

- ``python`` blocks run in order, one namespace per page, on a fresh SQLite studio whose names
  the pages take for granted (:func:`page_namespace`: ``studio``, ``staff``, ``account``...);
- ``console`` and ``sh`` blocks run their ``sessionpacks ...`` commands through the command
  line, on a fresh SQLite database, and what a console block shows a command printing must be
  among what it prints (``$ cat FILE`` followed by lines writes FILE first);
- ``ini`` blocks are parsed as configuration and ``html`` blocks as Jinja templates.

A block that cannot run here (an installer, a server's URL, another framework) says so in the
Markdown, on the line before it: ``<!-- docs-test: skip: the reason -->``. Few may say so, each
with its reason (see ``test_few_blocks_are_skipped_and_each_says_why``), and such a block is
still checked, not run (:func:`check_unrunnable`): its Python parses and imports what exists;
its commands name our commands, tox environments, packages, extras and scripts as they are.

Run by the ``docs`` tox environment, which has the Flask integration installed.
"""

from __future__ import annotations

import configparser
import datetime as dt
import os
import re
import shlex
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN = {"python", "console", "sh", "ini", "html"}
# Directives, not code: MyST's way of writing Sphinx's own constructs.
DIRECTIVES = re.compile(r"^\{[\w-]+\}$")
SKIP = re.compile(r"^\s*<!-- docs-test: skip: (?P<why>.+?) -->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,})(?P<language>[^\s`]*)")
# At most this share of the blocks may be marked as not runnable: installers, test and benchmark
# runs, servers, and other frameworks' files.
MOST_SKIPPED = 0.3


@attrs.frozen
class Block:
    page: Path
    line: int  # of the opening fence, counted from 1
    language: str
    text: str
    skip: str | None  # why it cannot run, from its marker

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> Iterator[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    number = 0
    while number < len(lines):
        opened = FENCE.match(lines[number])
        if opened is None:
            number += 1
            continue
        indent, fence = opened["indent"], opened["fence"]
        end = number + 1
        while not lines[end].strip().startswith(fence):
            end += 1
        body = [
            line[len(indent) :] if line.startswith(indent) else line
            for line in lines[number + 1 : end]
        ]
        marker = SKIP.match(lines[number - 1]) if number else None
        language = opened["language"]
        if not DIRECTIVES.match(language):
            yield Block(
                page, number + 1, language, "\n".join(body) + "\n", marker and marker["why"]
            )
        number = end + 1


ALL = [block for page in PAGES for block in blocks(page)]


def test_every_block_has_a_language_this_runs() -> None:
    unknown = [f"{b.name} ({b.language or 'no language'})" for b in ALL if b.language not in RUN]
    assert unknown == [], "give these blocks a language that is run, or mark them"


def test_few_blocks_are_skipped_and_each_says_why() -> None:
    skipped = [b for b in ALL if b.skip is not None]
    assert all(len(b.skip or "") >= 10 for b in skipped), [b.name for b in skipped]
    assert len(skipped) <= MOST_SKIPPED * len(ALL), [f"{b.name}: {b.skip}" for b in skipped]


# -- python -----------------------------------------------------------------------------------


NOW = dt.datetime(2026, 2, 2, 9, tzinfo=dt.timezone.utc)


def page_namespace(page: Path, folder: Path) -> dict[str, Any]:
    """What the pages' Python takes as already there: every public name of sessionpacks, a
    studio on a SQLite file that allows every action (with the test Recorder as its payment
    provider, on a clock that stands still), a staff actor, a family with a member, services,
    keys; and what one page's story has set up before its first block (:data:`PAGE_SETUP`)."""
    import sessionpacks as sp
    from sessionpacks.testing import Recorder

    engine = sp.create_engine(f"sqlite:///{folder / 'studio.db'}")
    sp.upgrade(engine)
    clock = sp.ManualClock(NOW)
    studio = sp.Studio(
        engine, settings=sp.Settings(policy=sp.allow_all), clock=clock, plugins=[Recorder()]
    )
    staff = sp.Actor(kind="staff", id="42", roles=("owner",))
    family = studio.add_account("lee-family", "The Lees")
    ann = studio.add_member(family.id, "Ann", email="ann@example.com")
    namespace: dict[str, Any] = {name: getattr(sp, name) for name in sp.__all__}
    namespace.update(
        __name__="__main__",  # what Flask(__name__) finds its root from
        dt=dt,
        sp=sp,
        sessionpacks=sp,
        engine=engine,
        clock=clock,
        studio=studio,
        settings=studio.settings,
        staff=staff,
        actor=staff,
        family=family,
        account=family,
        account_id=family.id,
        ann=ann,
        member=ann,
        yoga=studio.add_service("Vinyasa Yoga", category="yoga", duration_minutes=60),
        massage=studio.add_service("Massage", category="massage", duration_minutes=60),
        key="docs-key-1",
        key2="docs-key-2",
        request_id="docs-request-1",
        end_of_march=dt.datetime(2026, 3, 31, 23, tzinfo=dt.timezone.utc),
        moment=NOW,
        NOW=NOW,
        types=types,
    )
    exec(PAGE_SETUP.get(page.name, ""), namespace)
    return namespace


# What a page's text has said happened before its first block, as code.
PAGE_SETUP = {
    "bookings.md": """
start, end = NOW, NOW + dt.timedelta(days=7)
starts_at, yesterday = NOW + dt.timedelta(days=2), NOW - dt.timedelta(days=1)
pack = studio.grant(account.id, PassTerms(quantity=10), member_id=ann.id, reason="sold at the desk",
                    idempotency_key="pack-1", actor=staff, channel="office")
occurrence = studio.add_occurrence(yoga.id, NOW + dt.timedelta(hours=9), capacity=12)
next_class = studio.add_occurrence(yoga.id, NOW + dt.timedelta(days=7, hours=9), capacity=12)
tap_id = "tap-1"
member_actor = Actor(kind="member", id=str(ann.id))
""",
    "bulk-grants.md": """
rows = [{"account_ref": "lee-family"}, {"account_ref": "nobody"}]
""",
    "plans-and-renewals.md": """
membership = studio.create_template("Membership", kind="plan", quantity=4, period_months=1)
external = studio.subscribe(membership.id, account.id, billing="external",
                            idempotency_key="external-1", actor=staff, channel="office")
subscription_id = external.subscription_id
clock.advance(dt.timedelta(days=31))
invoice = types.SimpleNamespace(id=7)
invoice_period_end = external.period_end + dt.timedelta(days=28)
system = Actor.system()
""",
    "scheduling.md": """
import click
from flask import Flask
from sessionpacks_flask import SessionPacks
studio.grant(account.id, PassTerms(quantity=5, expires_at=NOW + dt.timedelta(days=1)),
             reason="trial", idempotency_key="trial-1", actor=staff, channel="office")
clock.advance(dt.timedelta(days=2))
moment = clock.now()
app = Flask("docs_example")
SessionPacks(app, engine=engine, settings=Settings(policy=allow_all))
""",
    "flask.md": """
import types
from flask import g
import sessionpacks_flask
user = types.SimpleNamespace(id=7, full_name="Alex Doe")
""",
}


@pytest.fixture(scope="module")
def namespaces() -> dict[Path, dict[str, Any]]:
    """One namespace per page, made when its first block runs: a page reads top to bottom."""
    return {}


@pytest.fixture
def in_folder(tmp_path: Path) -> Iterator[Path]:
    """Blocks run in a folder of their own, where relative paths such as studio.db go."""
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


@pytest.mark.parametrize("block", [b for b in ALL if b.language == "python"], ids=lambda b: b.name)
def test_python_block(
    block: Block, namespaces: dict[Path, dict[str, Any]], in_folder: Path
) -> None:
    if block.skip is not None:
        check_unrunnable(block)
        return
    namespace = namespaces.get(block.page)
    if namespace is None:
        namespace = namespaces[block.page] = page_namespace(block.page, in_folder)
    exec(compile(block.text, block.name, "exec"), namespace)


# -- the command line ---------------------------------------------------------------------------


def commands(block: Block) -> Iterator[tuple[str, list[str]]]:
    """(command, following output lines) of a console block's ``$`` lines, or of each line of
    an sh block; backslash continuations joined."""
    lines = block.text.splitlines()
    prompt = block.language == "console"
    current: str | None = None
    output: list[str] = []
    for line in lines:
        if current is not None and current.endswith("\\"):
            current = current[:-1] + " " + line.strip()
            continue
        if not prompt or line.startswith("$ "):
            if current is not None:
                yield current, output
            current, output = (line[2:] if prompt else line).strip(), []
        else:
            output.append(line)
    if current is not None:
        yield current, output


# What a page's text has said is in the database before its commands run.
COMMAND_SETUP = {
    "cli.md": [
        ["--url", "sqlite:///other.db", "db", "upgrade"],
        ["--url", "sqlite:///other.db", "account", "add", "lee-family", "The Lees"],
    ],
    "bulk-grants.md": [
        ["account", "add", "lee-family", "The Lees"],
        ["account", "add", "kim-family", "The Kims"],
        ["member", "add", "lee-family", "Ann Lee"],
        ["member", "add", "kim-family", "Bo Kim"],  # member 2, named in the file
    ],
}


@pytest.mark.parametrize(
    "block", [b for b in ALL if b.language in ("console", "sh")], ids=lambda b: b.name
)
def test_command_block(block: Block, in_folder: Path) -> None:
    if block.skip is not None:
        check_unrunnable(block)
        return
    from sessionpacks.cli import cli

    runner = CliRunner()
    env = {"SESSIONPACKS_DATABASE_URL": f"sqlite:///{in_folder / 'studio.db'}"}
    result = runner.invoke(cli, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    for words in COMMAND_SETUP.get(block.page.name, []):
        result = runner.invoke(cli, words, env=env)
        assert result.exit_code == 0, (words, result.output)
    for command, output in commands(block):
        words = shlex.split(command, comments=True)
        if words[:1] == ["export"] and len(words) == 2:
            name, _, value = words[1].partition("=")
            env[name] = value
            continue
        if words[:1] == ["cat"] and len(words) == 2:
            Path(words[1]).write_text("\n".join(output) + "\n", encoding="utf-8")
            continue
        assert words[:1] == ["sessionpacks"], f"{block.name}: cannot run {command!r}; mark it"
        result = runner.invoke(cli, words[1:], env=env)
        assert result.exit_code == 0, (command, result.output, result.exception)
        # What the page shows the command printing, it prints (spacing aside).
        printed = {" ".join(line.split()) for line in result.stdout.splitlines()}
        for shown in output:
            assert " ".join(shown.split()) in printed, (command, shown, result.stdout)


# -- blocks that cannot run here ------------------------------------------------------------------


def check_unrunnable(block: Block) -> None:
    """What can be checked of a block that cannot run: Python parses, its imports from
    sessionpacks exist and so do the Studio methods it calls; each command names what exists."""
    if block.language == "python":
        _check_python(block)
        return
    for command, _ in commands(block):
        for part in command.split("&&"):
            _check_command(block, shlex.split(part, comments=True))


def _check_python(block: Block) -> None:
    import ast
    import importlib

    import sessionpacks

    tree = ast.parse(block.text, block.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sessionpacks"):
            module = importlib.import_module(node.module or "")
            missing = [a.name for a in node.names if not hasattr(module, a.name)]
            assert missing == [], f"{block.name}: {node.module} has no {missing}"
    for method in re.findall(r"\bstudio(?:\.joined\([^)]*\))?\.(\w+)\(", block.text):
        assert hasattr(sessionpacks.Studio, method), f"{block.name}: Studio has no {method}"


def _check_command(block: Block, words: list[str]) -> None:
    # A crontab line's schedule, variables set for the command, and redirections go first.
    if len(words) > 5 and all(re.fullmatch(r"[\d*/,-]+", w) for w in words[:5]):
        words = words[5:]
    if words[:1] == ["export"]:
        words = words[1:]
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
        words = words[1:]
    if not words:
        return  # only variables set
    words = [w for w in words if not re.fullmatch(r"\d?>>?|\d?>&\d|/\S+\.log", w)]
    program = Path(words[0]).name if words else ""
    scripts = {"sessionpacks-demo", "sessionpacks-django-demo"}
    if program == "sessionpacks":
        from sessionpacks.cli import cli

        sub = [w for w in words[1:] if not w.startswith("-")][:1]
        result = CliRunner().invoke(cli, [*sub, "--help"])
        assert result.exit_code == 0, f"{block.name}: no command {sub}"
    elif program == "tox":
        tox = (ROOT / "tox.ini").read_text(encoding="utf-8")
        named = words[words.index("-e") + 1].split(",") if "-e" in words else []
        for env in named:
            assert f"[testenv:{env}]" in tox or re.search(rf"env_list = .*\b{env}\b", tox), (
                f"{block.name}: tox has no environment {env}"
            )
    elif program == "pip":
        # The extras pyproject offers: the keys of its optional-dependencies table.
        project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
        table = project.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
        offered = set(re.findall(r"^([\w-]+) =", table, re.M))
        for spec in (w for w in words[2:] if not w.startswith("-")):
            name, _, extra = spec.rstrip("]").partition("[")
            if name in (".", "integrations/flask", "integrations/django"):
                assert (ROOT / name / "pyproject.toml").exists(), f"{block.name}: {name}"
            elif name == "sessionpacks":
                assert extra == "" or extra in offered, f"{block.name}: no extra {extra!r}"
            else:
                assert name in {"sessionpacks-flask", "tox", "tox-uv"}, f"{block.name}: {spec}"
    elif program == "alembic":
        from sessionpacks.migrate import BRANCH

        targets = [w for w in words[2:] if "@" in w]
        assert all(t.split("@")[0] == BRANCH for t in targets), f"{block.name}: {targets}"
    elif program in ("python", "python3"):
        known = (["-m", "venv"], ["manage.py", "migrate"], ["manage.py", "sessionpacks"])
        assert any(words[1:3] == k for k in known), f"{block.name}: cannot check {words}"
        if words[1:3] == ["manage.py", "sessionpacks"]:
            django = ROOT / "integrations/django/src/sessionpacks_django/management/commands"
            assert (django / "sessionpacks.py").exists()
            _check_command(block, ["sessionpacks", *words[3:]])
    else:
        assert program in scripts, f"{block.name}: cannot check the command {words}"


# -- configuration and templates ---------------------------------------------------------------


@pytest.mark.parametrize("block", [b for b in ALL if b.language == "ini"], ids=lambda b: b.name)
def test_ini_block(block: Block) -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(block.text, source=block.name)
    assert parser.sections()


@pytest.mark.parametrize("block", [b for b in ALL if b.language == "html"], ids=lambda b: b.name)
def test_html_block(block: Block) -> None:
    import jinja2

    jinja2.Environment(autoescape=True).parse(block.text)
