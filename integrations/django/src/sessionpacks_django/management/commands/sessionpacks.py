"""``manage.py sessionpacks ...``: the core's whole command line on the project's database."""

from __future__ import annotations

import argparse
from typing import Any

import click
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sessionpacks.cli.app import CommandGroup, cli
from sessionpacks.cli.state import State
from sessionpacks_django.runtime import runtime

PROG = "manage.py sessionpacks"


@click.group("sessionpacks", cls=CommandGroup)
@click.pass_context
def group(ctx: click.Context) -> None:
    """Prepaid credits on this project's database: every `sessionpacks` command, without --url."""
    here = runtime()
    ctx.obj = State(
        here.engine.url.render_as_string(hide_password=True),
        timezone=here.timezone,
        engine=here.engine,
        plugin_objects=here.plugins,
    )


for name, sub in sorted(cli.commands.items()):
    group.add_command(sub, name)


class Command(BaseCommand):
    help = "The sessionpacks command line on this project's database; --help lists its commands."

    def run_from_argv(self, argv: list[str]) -> None:
        # click, not Django's argparse, reads everything after the command's name.
        group.main(args=_without_django_options(argv[2:]), prog_name=PROG)

    def print_help(self, prog_name: str, subcommand: str) -> None:
        # ``manage.py help sessionpacks`` shows the core's commands, as ``--help`` does.
        group.main(args=["--help"], prog_name=PROG, standalone_mode=False)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("arguments", nargs=argparse.REMAINDER)

    def handle(self, *args: Any, **options: Any) -> None:
        # call_command("sessionpacks", "db", "upgrade"): errors become Django's CommandError.
        arguments = [*args, *options.get("arguments", [])]
        try:
            group.main(args=arguments, prog_name=PROG, standalone_mode=False)
        except click.exceptions.Exit as done:
            if done.exit_code:
                raise CommandError(f"exit code {done.exit_code}") from done
        except click.ClickException as error:
            raise CommandError(error.format_message()) from error


def _without_django_options(arguments: list[str]) -> list[str]:
    """Drop ``--settings`` and ``--pythonpath``, which manage.py has already applied."""
    kept: list[str] = []
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument in ("--settings", "--pythonpath"):
            skip = True
        elif not argument.startswith(("--settings=", "--pythonpath=")):
            kept.append(argument)
    return kept
