"""Test support for hosts: plugins that record what sessionpacks asked of the host.

Register a :class:`Recorder` with a :class:`~sessionpacks.Studio` to see every charge, refund,
email, task and event; tell it to decline charges or fail sends to test those paths. Between
tests on one database, :func:`empty_tables` clears sessionpacks' tables and leaves the host's.
"""

from sessionpacks.testing.recorder import FailingSend, Recorder
from sessionpacks.testing.tables import drop_tables, empty_tables

__all__ = ["FailingSend", "Recorder", "drop_tables", "empty_tables"]
