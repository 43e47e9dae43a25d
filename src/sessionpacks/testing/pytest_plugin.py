"""A pytest plugin for a host's own tests, loaded only where asked for: with
``pytest_plugins = ["sessionpacks.testing.pytest_plugin"]`` in the top ``conftest.py``, or
``-p sessionpacks.testing.pytest_plugin`` on pytest's command line. (It is not an entry point, so
it stays out of every other pytest run of a site that installs sessionpacks.)

It gives a host's own tests a ``sessionpacks_recorder`` fixture: a fresh
:class:`~sessionpacks.testing.Recorder` to register with the host's studio.
"""

from __future__ import annotations

import pytest

from sessionpacks.testing.recorder import Recorder


@pytest.fixture
def sessionpacks_recorder() -> Recorder:
    return Recorder()
