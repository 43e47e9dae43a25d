"""A small studio for the office tests: a service, a client with two members, a 10-class pack
template, and helpers to read the office's URLs."""

from __future__ import annotations

import html

import attrs
from support import OWNER, Response

from sessionpacks import PassTerms, Studio

OFFICE = "/sessionpacks/office"


@attrs.frozen
class World:
    account_id: int
    member_id: int
    other_member_id: int
    service_id: int
    template_id: int

    @property
    def card(self) -> str:
        return f"{OFFICE}/clients/{self.account_id}"


def build(studio: Studio) -> World:
    service = studio.add_service("Vinyasa flow", category="yoga", duration_minutes=60)
    added = studio.add_client("crm-1", "Ana Ruiz", member_ref="K-1001", email="ana@ruiz.test")
    account, member = added.account, added.member
    other = studio.add_member(account.id, "Eva Ruiz", ref="K-1002")
    template = studio.create_template(
        "10-class pack", quantity=10, price_minor=12000, currency="EUR", validity_days=90
    )
    return World(account.id, member.id, other.id, service.id, template.id)


def ten_pack(studio: Studio, world: World, key: str = "seed-grant") -> int:
    """A 10-session pass on the account, granted by the owner."""
    granted = studio.grant(
        world.account_id,
        PassTerms(quantity=10, label="Ten classes"),
        reason="opening balance",
        idempotency_key=key,
        actor=OWNER.actor,
        channel="office",
    )
    return granted.pass_id


def shown(response: Response) -> str:
    """A page's text as a reader sees it (HTML entities decoded)."""
    return html.unescape(response.text)
