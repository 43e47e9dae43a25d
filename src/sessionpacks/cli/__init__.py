"""The ``sessionpacks`` command line: a host of its own for operators and scripts.

``cli`` is the click group (for tests and for embedding in another click application); ``main``
is the console script's entry point.
"""

from __future__ import annotations

from sessionpacks.cli.app import cli, main

__all__ = ["cli", "main"]
