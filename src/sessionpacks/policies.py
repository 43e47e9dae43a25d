"""Who may do what: the names of the actions every write asks about, and a role-based policy a
host configures in a few lines.

Every write asks the ``sessionpacks_authorize`` hook with the actor, one of :data:`ACTIONS` and
the target before it changes anything. A host answers the hook with a plugin of its own, or hands
a policy to :class:`~sessionpacks.settings.Settings`; :class:`RolePolicy` is the simple one::

    policy = RolePolicy({
        "owner": ALL,
        "front_desk": {"sell", "redeem"},
        "trainer": {"redeem"},
    })
    studio = Studio(engine, settings=Settings(policy=policy))

An actor may do an action when any of its roles allows it; everything else is denied.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from types import MappingProxyType

from sessionpacks.errors import ConfigurationError
from sessionpacks.values import Actor, Target

# Every action a write asks the authorization hook about. "void" is what staff call delete.
ACTIONS: tuple[str, ...] = (
    "sell",
    "grant",
    "bulk_grant",
    "redeem",
    "reverse",
    "adjust",
    "suspend",
    "unsuspend",
    "void",
    "extend",
    "expire",
    "refund",
    "undo_bulk_grant",
    "complete_task",
    # plans and renewals
    "renew",
    "subscribe",
    "cancel_subscription",
    # bookings
    "book",
    "enroll",
    "check_in",
    "private_session",
    "cancel",
    "attend",
    "no_show",
    # set-up, asked when the call names an actor: clients and members, templates and services,
    # the schedule and booking policies
    "manage_clients",
    "manage_products",
    "manage_schedule",
)


class _All(enum.Enum):
    ALL = "all"

    def __repr__(self) -> str:
        return "ALL"


#: Stands for every action, now and added later, in a :class:`RolePolicy`.
ALL = _All.ALL


_DESK_WORK = frozenset({"check_in", "redeem", "book", "enroll", "cancel", "attend", "no_show"})

#: Named roles for a typical studio, so a host need not learn the action names: give an actor
#: one of these roles and pass ``RolePolicy(ROLE_PRESETS)`` (merge in roles of your own with
#: ``{**ROLE_PRESETS, ...}``). Owners may do everything; the front desk sells, grants and checks
#: people in; trainers run their classes; members enroll in and cancel their own bookings.
ROLE_PRESETS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "owner": frozenset(ACTIONS),
        "front_desk": _DESK_WORK
        | {"sell", "grant", "private_session", "renew", "subscribe", "manage_clients"},
        "trainer": _DESK_WORK | {"private_session"},
        "member": frozenset({"enroll", "cancel"}),
    }
)


class RolePolicy:
    """Allows an actor an action when one of the actor's roles lists it; denies by default.

    :param roles: each role name with the actions it may do, or :data:`ALL`. An action name that
        is not one of :data:`ACTIONS` is refused here, so a typo fails loudly instead of silently
        denying.
    """

    def __init__(self, roles: Mapping[str, Collection[str] | _All]) -> None:
        allowed: dict[str, frozenset[str]] = {}
        for role, actions in roles.items():
            if not isinstance(role, str) or not role:
                raise ConfigurationError(f"a role name must be a non-empty string, got {role!r}")
            if actions is ALL:
                allowed[role] = frozenset(ACTIONS)
                continue
            if isinstance(actions, str):
                raise ConfigurationError(
                    f"role {role!r}: give a set of actions such as {{{actions!r}}}, not a string"
                )
            unknown = sorted(set(actions) - set(ACTIONS))
            if unknown:
                raise ConfigurationError(
                    f"role {role!r} names unknown actions {', '.join(map(repr, unknown))};"
                    f" the actions are {', '.join(ACTIONS)}"
                )
            allowed[role] = frozenset(actions)
        self._allowed = allowed

    def allows(self, role: str, action: str) -> bool:
        return action in self._allowed.get(role, frozenset())

    def __call__(self, actor: Actor, action: str, target: Target) -> bool:
        return any(self.allows(role, action) for role in actor.roles)

    def __repr__(self) -> str:
        roles = ", ".join(f"{r!r}: {sorted(a)}" for r, a in self._allowed.items())
        return f"RolePolicy({{{roles}}})"
