"""Test support for hosts: plugins that record what sessionpacks asked of the host.

Register a :class:`Recorder` with a :class:`~sessionpacks.Studio` to see every charge, refund,
email, task and event; tell it to decline charges or fail sends to test those paths.
"""

from sessionpacks.testing.recorder import FailingSend, Recorder

__all__ = ["FailingSend", "Recorder"]
