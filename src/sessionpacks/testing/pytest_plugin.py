"""A pytest plugin, loaded automatically where sessionpacks is installed.

It gives a host's own tests a ``sessionpacks_recorder`` fixture: a fresh
:class:`~sessionpacks.testing.Recorder` to register with the host's studio.
"""

from __future__ import annotations

import pytest

from sessionpacks.testing.recorder import Recorder


@pytest.fixture
def sessionpacks_recorder() -> Recorder:
    return Recorder()
