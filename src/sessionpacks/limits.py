"""What each column holds, read from the models.

The one source of the bounds that :class:`~sessionpacks.Studio`'s arguments are checked against
(see :mod:`sessionpacks.boundary`) and that the JSON API's schema states, so that the checks, the
schema and the tables cannot drift apart.
"""

from __future__ import annotations

from typing import Any

import attrs
from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import InstrumentedAttribute

from sessionpacks.models import (
    Account,
    LedgerEntry,
    Member,
    Occurrence,
    Operation,
    Pass,
    Service,
    Template,
)

# Moments given to sessionpacks fall in these years; a validity or a period adds at most a
# century (MAX_DAYS, MAX_MONTHS), so every derived date stays inside what Python's datetime,
# PostgreSQL and MariaDB's DATETIME (1000 to 9999) hold.
FIRST_YEAR, LAST_YEAR = 1970, 2999
MAX_DAYS = 36_600
MAX_MONTHS = 1_200


@attrs.frozen
class Range:
    """The smallest and largest whole number a value may take."""

    minimum: int
    maximum: int

    def at_least(self, minimum: int) -> Range:
        return Range(max(self.minimum, minimum), self.maximum)

    def at_most(self, maximum: int) -> Range:
        return Range(self.minimum, min(self.maximum, maximum))


def integer_range(column: InstrumentedAttribute[Any]) -> Range:
    """What an integer column holds on every supported database: BIGINT or INTEGER."""
    kind = column.property.columns[0].type
    # BigId is a BIGINT with an INTEGER variant for SQLite, which stores 64 bits in either.
    kind = getattr(kind, "impl", kind)
    if isinstance(kind, BigInteger):
        bits = 64
    elif isinstance(kind, Integer):
        bits = 32
    else:
        raise TypeError(f"{column} is not an integer column")
    return Range(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


def text_length(column: InstrumentedAttribute[Any]) -> int:
    """The most characters a String(n) column holds."""
    kind = column.property.columns[0].type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{column} is not a sized text column")
    return kind.length


# Named limits, for the checks and for the API's schema alike.
ID = integer_range(Account.id).at_least(1)
QUANTITY = integer_range(Pass.initial_quantity).at_least(1)
AMOUNT = integer_range(Pass.cost_basis_minor).at_least(0)
RATE = integer_range(Pass.first_rate_minor).at_least(1)
DELTA = integer_range(LedgerEntry.delta)
COUNT = integer_range(Pass.redeemed_count).at_least(1)
PRIORITY = integer_range(Template.priority)
MEMBER_CAP = integer_range(Template.member_cap).at_least(1)
DURATION_MINUTES = integer_range(Service.duration_minutes).at_least(1)
CUTOFF_MINUTES = integer_range(Service.cancel_cutoff_minutes).at_least(0)
CAPACITY = integer_range(Occurrence.capacity).at_least(1)
DAYS = integer_range(Template.validity_days).at_least(1).at_most(MAX_DAYS)
MONTHS = integer_range(Template.validity_months).at_least(1).at_most(MAX_MONTHS)

NAME_LENGTH = text_length(Account.name)
REF_LENGTH = text_length(Account.ref)
SERVICE_NAME_LENGTH = text_length(Service.name)
TEMPLATE_NAME_LENGTH = text_length(Template.name)
CATEGORY_LENGTH = text_length(Service.category)
EMAIL_LENGTH = text_length(Member.email)
CURRENCY_LENGTH = text_length(Pass.currency)
LABEL_LENGTH = text_length(Pass.label)
REASON_LENGTH = text_length(LedgerEntry.reason)
KEY_LENGTH = text_length(Operation.idempotency_key)
ACTOR_KIND_LENGTH = text_length(Operation.actor_kind)
ACTOR_ID_LENGTH = text_length(Operation.actor_id)
