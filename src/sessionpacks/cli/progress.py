"""The running count that long commands show while they work (``granted 1500 of 10000``).

Every long command (expire, run-due, renew-due, bulk-grant, import-clients) shows its progress
through this one helper, on stderr and only on a terminal, so that stdout keeps the report alone
and pipes, cron mail and ``--json`` get no progress at all.
"""

from __future__ import annotations

import sys

import attrs
import click


def on_terminal() -> bool:
    """Whether stderr is a terminal (the tests pretend it is by replacing this)."""
    return sys.stderr.isatty()


@attrs.define
class RunningCount:
    """One line of stderr, rewritten with the count so far: ``expired 1500``, or ``imported
    1000 of 20000`` when the total is known. Called with each new count; :meth:`finish` ends
    the line, once the command is done, if anything was shown."""

    done: str
    total: int | None = None
    shown: bool = False

    def __call__(self, count: int) -> None:
        of = "" if self.total is None else f" of {self.total}"
        click.echo(f"\r{self.done} {count}{of}", nl=False, err=True)
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            click.echo("", err=True)


def running_count(done: str, total: int | None = None) -> RunningCount | None:
    """A :class:`RunningCount` on a terminal, else None: callers pass it straight on as the
    ``on_progress`` of the studio's method."""
    return RunningCount(done, total) if on_terminal() else None


def finish(count: RunningCount | None) -> None:
    if count is not None:
        count.finish()
