"""``flask sessionpacks ...``: the core's command line on the app's own database.

Every ``sessionpacks`` command is here, without ``--url``: the database is the one the extension
uses, and the app's plugins (its payment provider, say) are registered. Like the standalone
command line, it allows every action and records writes as actor ``cli:<OS user name>``.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from sessionpacks.cli.app import CommandGroup, cli
from sessionpacks.cli.state import State
from sessionpacks_flask.extension import mounted


@click.group("sessionpacks", cls=CommandGroup)
@with_appcontext
@click.pass_context
def command(ctx: click.Context) -> None:
    """Prepaid credits on this app's database: `flask sessionpacks --help` lists the commands."""
    here = mounted()
    if here.config.auto_upgrade and ctx.invoked_subcommand != "db":
        here.studio  # noqa: B018  (made on first use, which upgrades the tables as the app would)
    engine = here.engine
    ctx.obj = State(
        engine.url.render_as_string(hide_password=True),
        timezone=(here.extension.settings.studio_timezone if here.extension.settings else "UTC"),
        engine=engine,
        plugin_objects=here.extension.plugins,
    )


for name, sub in sorted(cli.commands.items()):
    command.add_command(sub, name)
