"""Fields and lookups the endpoint modules share."""

from __future__ import annotations

from typing import Any

from sessionpacks import limits
from sessionpacks.enums import Channel
from sessionpacks.studio import Studio
from sessionpacks.web.api.fields import Field, Int, Text

# Every write through the API is recorded as coming through it.
API = Channel.API

CURRENCY = Text(max_length=limits.CURRENCY_LENGTH, pattern=r"^[A-Z]{3}$")
# What the core keeps in a ref column, and at most in a reason: the core's limits, read from
# its columns, so the document, the API and the tables agree.
REF = Text(max_length=limits.REF_LENGTH)
CATEGORY = Text(max_length=limits.CATEGORY_LENGTH)
EMAIL = Text(max_length=limits.EMAIL_LENGTH)
REASON = Field(
    "reason",
    Text(max_length=limits.REASON_LENGTH),
    required=True,
    description="Why, for the audit trail.",
)
AMOUNT = Int.within(limits.AMOUNT)
QUANTITY = Int.within(limits.QUANTITY)


def ident(name: str, description: str = "", *, required: bool = True) -> Field:
    return Field(name, Int(), required=required, description=description)


def by_account(studio: Studio, args: dict[str, Any]) -> int:
    return int(args["account_id"])


def by_member(studio: Studio, args: dict[str, Any]) -> int:
    return studio.member(args["member_id"]).account_id


def by_pass(studio: Studio, args: dict[str, Any]) -> int:
    return studio.pass_balance(args["pass_id"]).account_id
