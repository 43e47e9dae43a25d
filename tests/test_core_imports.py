"""The core stands alone: no module of it imports a web framework, and every hook is documented."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap

import pluggy
import pytest

from sessionpacks import hookspecs

# Run by Alembic inside a migration context only; importing it bare fails by design.
NOT_IMPORTABLE_ALONE = ["sessionpacks.migrations.env"]

IMPORT_EVERYTHING = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    import sessionpacks

    skip = set(sys.argv[1:])
    imported = ["sessionpacks"]
    for module in pkgutil.walk_packages(sessionpacks.__path__, "sessionpacks."):
        if module.name not in skip:
            importlib.import_module(module.name)
            imported.append(module.name)
    frameworks = sorted(
        name for name in sys.modules if name.partition(".")[0] in ("flask", "django")
    )
    print(json.dumps({"imported": imported, "frameworks": frameworks}))
    """
)


def test_importing_every_core_module_imports_neither_flask_nor_django() -> None:
    # A fresh interpreter, so that what other tests imported does not count.
    finished = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING, *NOT_IMPORTABLE_ALONE],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    assert {"sessionpacks.studio", "sessionpacks.testing", "sessionpacks.web.site"} <= set(
        report["imported"]
    ), report["imported"]
    assert report["frameworks"] == [], "the core imported a web framework"


def hook_specs() -> list[tuple[str, pluggy.HookspecOpts]]:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    specs = []
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction):
        opts = manager.parse_hookspec_opts(hookspecs, name)
        if opts is not None:
            assert name.startswith("sessionpacks_"), f"{name} lacks the sessionpacks_ prefix"
            specs.append((name, opts))
    return specs


HOOKS = hook_specs()


def test_the_hookspecs_module_declares_hooks() -> None:
    assert len(HOOKS) >= 10


@pytest.mark.parametrize(("name", "opts"), HOOKS, ids=[name for name, _ in HOOKS])
def test_every_hook_documents_each_parameter_and_who_answers(
    name: str, opts: pluggy.HookspecOpts
) -> None:
    function = getattr(hookspecs, name)
    doc = inspect.getdoc(function)
    assert doc, f"{name} has no docstring"
    missing = [p for p in inspect.signature(function).parameters if f":param {p}:" not in doc]
    assert missing == [], f"{name}'s docstring does not document {missing} with :param name:"
    if opts.get("firstresult"):
        assert "First answer wins." in doc, f"{name} must say that the first answer wins"
    else:
        assert "every plugin is told" in doc, f"{name} must say that every plugin is told"


def test_every_hook_is_exercised_by_a_test_and_recorded_by_the_test_plugin() -> None:
    from pathlib import Path

    from sessionpacks.testing import Recorder

    here = Path(__file__)
    others = "\n".join(
        path.read_text() for path in here.parent.glob("test_*.py") if path.name != here.name
    )
    names = [name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)]
    hooks = [name for name in names if name.startswith("sessionpacks_")]
    # A test calls or implements the hook by name, or reads its events from the test Recorder.
    untested = [
        name
        for name in hooks
        if name not in others
        and f'events_named("{name.removeprefix("sessionpacks_")}")' not in others
    ]
    assert untested == []
    # The recorder stands in for the host in tests: it answers or hears every hook but the
    # ones a host answers with a policy of its own.
    host_only = {"sessionpacks_authorize", "sessionpacks_select_passes"}
    unrecorded = [name for name in hooks if name not in host_only and not hasattr(Recorder, name)]
    assert unrecorded == []
