"""Who did what, in a history: the name the host gave a staff user, the member's name, or what
kind of door it came through; never the id the ledger records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sessionpacks.enums import Channel
from sessionpacks.studio import Studio
from sessionpacks.values import HistoryEntry
from sessionpacks.web.i18n import N_, gettext

# Actors that were never given a name, by their kind.
_KIND = {
    "staff": N_("Staff"),
    "member": N_("The member"),
    "kiosk": N_("The kiosk"),
    "system": N_("Automatically"),
    "cli": N_("The command line"),
}
_CHANNEL = {
    Channel.OFFICE: N_("at the desk"),
    Channel.PORTAL: N_("online"),
    Channel.KIOSK: N_("at the kiosk"),
    Channel.API: N_("through the studio's app"),
    Channel.CLI: N_("from the command line"),
    Channel.SYSTEM: N_("automatically"),
}


def actor_names(
    studio: Studio, entries: Iterable[HistoryEntry], member_names: Mapping[int, str]
) -> dict[tuple[str, str], str]:
    """What to call the actor of each entry, by (kind, id) as the entry records it."""
    actors = {(entry.actor_kind, entry.actor_id) for entry in entries}
    named = studio.actor_names(pair for pair in actors if pair[0] != "member")
    return {pair: _name(pair, named, member_names) for pair in actors}


def _name(
    pair: tuple[str, str], named: Mapping[tuple[str, str], str], member_names: Mapping[int, str]
) -> str:
    kind, actor_id = pair
    if kind == "member" and actor_id.isdigit() and int(actor_id) in member_names:
        return member_names[int(actor_id)]
    return named.get(pair) or gettext(_KIND.get(kind, _KIND["staff"]))


def channel_word(channel: Channel) -> str:
    """Through which door an entry came in: N_("at the desk"), "online"."""
    return gettext(_CHANNEL[channel])
