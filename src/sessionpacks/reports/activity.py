"""Attendance and sales over a period: redemptions by service, channel and week; no-shows and
late cancellations; packs sold and refunded by template and week or month."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import attrs
from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Connection

from sessionpacks.enums import BookingState, Channel, EntryKind
from sessionpacks.ledger import entries, passes
from sessionpacks.models import Booking, Operation, Redemption, Service, Template, table
from sessionpacks.reports import periods
from sessionpacks.reports.tables import Table, moment, money, rows

redemptions = table(Redemption)
operations = table(Operation)
services = table(Service)
bookings = table(Booking)
templates = table(Template)


# How staff name the doors a redemption came through.
CHANNEL_NAMES = {
    Channel.OFFICE.value: "front desk",
    Channel.KIOSK.value: "check-in kiosk",
    Channel.PORTAL.value: "member portal",
    Channel.API.value: "API",
    Channel.CLI.value: "command line",
    Channel.SYSTEM.value: "automatic",
}


@attrs.frozen
class ServiceAttendance:
    service_id: int
    service: str
    redemptions: int
    no_shows: int
    late_cancellations: int


@attrs.frozen
class AttendanceReport:
    """Redemptions that still count (reversed ones are netted out), by service, by the channel
    they came through and by week (Mondays, UTC); no-shows and late cancellations of bookings
    that started in the period."""

    start: dt.datetime
    end: dt.datetime
    by_service: tuple[ServiceAttendance, ...]
    by_channel: tuple[tuple[str, int], ...]
    by_week: tuple[tuple[str, int], ...]

    def table(self) -> Table:
        return Table(
            f"Attendance from {moment(self.start)} to {moment(self.end)} UTC",
            ("service", "redemptions", "no-shows", "late cancellations"),
            rows(
                *[
                    (s.service, s.redemptions, s.no_shows, s.late_cancellations)
                    for s in self.by_service
                ]
            ),
        )

    def channel_table(self) -> Table:
        named = [(CHANNEL_NAMES.get(channel, channel), count) for channel, count in self.by_channel]
        return Table("Redemptions by channel", ("channel", "redemptions"), rows(*named))

    def week_table(self) -> Table:
        return Table("Redemptions by week", ("week of", "redemptions"), rows(*self.by_week))


def attendance(conn: Connection, start: dt.datetime, end: dt.datetime) -> AttendanceReport:
    week = periods.week_start(redemptions.c.occurred_at, conn.dialect.name).label("week")
    used = conn.execute(
        select(redemptions.c.service_id, operations.c.channel, week, func.count(redemptions.c.id))
        .join(operations, operations.c.id == redemptions.c.operation_id)
        .where(
            redemptions.c.occurred_at > start,
            redemptions.c.occurred_at <= end,
            or_(redemptions.c.reversed_at.is_(None), redemptions.c.reversed_at > end),
        )
        .group_by(redemptions.c.service_id, operations.c.channel, week)
    ).all()
    missed = conn.execute(
        select(
            bookings.c.service_id,
            func.sum(case((bookings.c.state == BookingState.NO_SHOW.value, 1), else_=0)),
            func.sum(case((bookings.c.state == BookingState.LATE_CANCELLED.value, 1), else_=0)),
        )
        .where(
            bookings.c.starts_at > start,
            bookings.c.starts_at <= end,
            bookings.c.state.in_((BookingState.NO_SHOW.value, BookingState.LATE_CANCELLED.value)),
        )
        .group_by(bookings.c.service_id)
    ).all()
    per_service: Counter[int] = Counter()
    per_channel: Counter[str] = Counter()
    per_week: Counter[str] = Counter()
    for service_id, channel, week_of, count in used:
        per_service[service_id] += count
        per_channel[channel] += count
        per_week[str(week_of)] += count
    absent = {service_id: (int(n), int(late)) for service_id, n, late in missed}
    wanted = set(per_service) | set(absent)
    found = select(services.c.id, services.c.name).where(services.c.id.in_(wanted))
    names = {row.id: row.name for row in conn.execute(found)} if wanted else {}
    by_service = sorted(
        (
            ServiceAttendance(
                service_id=service_id,
                service=names[service_id],
                redemptions=per_service[service_id],
                no_shows=absent.get(service_id, (0, 0))[0],
                late_cancellations=absent.get(service_id, (0, 0))[1],
            )
            for service_id in wanted
        ),
        key=lambda s: (-s.redemptions, s.service),
    )
    return AttendanceReport(
        start=start,
        end=end,
        by_service=tuple(by_service),
        by_channel=tuple(sorted(per_channel.items())),
        by_week=tuple(sorted(per_week.items())),
    )


@attrs.frozen
class SalesLine:
    """Packs of one template sold and refunded in one week or month, in one currency."""

    period_start: str
    template_id: int | None
    template: str
    currency: str
    sold: int
    sold_minor: int
    refunds: int
    refunded_minor: int


@attrs.frozen
class SalesReport:
    start: dt.datetime
    end: dt.datetime
    step: str
    lines: tuple[SalesLine, ...]

    def table(self) -> Table:
        return Table(
            f"Sales by {self.step} from {moment(self.start)} to {moment(self.end)} UTC",
            (self.step, "template", "currency", "sold", "sales", "refunds", "refunded"),
            rows(
                *[
                    (
                        line.period_start,
                        line.template,
                        line.currency,
                        line.sold,
                        money(line.sold_minor, line.currency),
                        line.refunds,
                        money(line.refunded_minor, line.currency),
                    )
                    for line in self.lines
                ]
            ),
        )


def sales(conn: Connection, start: dt.datetime, end: dt.datetime, step: str) -> SalesReport:
    """Paid passes granted (sold, renewed, plan periods) and refunded, from the ledger: the same
    amounts the revenue report counts as sales and refunded."""
    period = periods.bucket(entries.c.created_at, conn.dialect.name, step).label("period")
    kind = entries.c.kind
    change = entries.c.value_change_minor
    recognised = entries.c.value_minor
    sold = (kind == EntryKind.GRANT.value) & (change > 0)
    refunded = (kind != EntryKind.GRANT.value) & recognised.is_not(None)
    query = (
        select(
            period,
            passes.c.template_id,
            templates.c.name,
            passes.c.cost_currency,
            func.sum(case((sold, 1), else_=0)),
            func.sum(case((sold, change), else_=0)),
            func.sum(case((kind == EntryKind.REFUND.value, 1), else_=0)),
            func.sum(case((refunded, -change - recognised), else_=0)),
        )
        .select_from(entries)
        .join(passes, passes.c.id == entries.c.pass_id)
        .outerjoin(templates, templates.c.id == passes.c.template_id)
        .where(
            entries.c.created_at > start,
            entries.c.created_at <= end,
            passes.c.cost_currency.is_not(None),
            or_(sold, kind == EntryKind.REFUND.value, refunded & (change != -recognised)),
        )
        .group_by(period, passes.c.template_id, templates.c.name, passes.c.cost_currency)
    )
    lines = [
        SalesLine(
            period_start=str(label),
            template_id=template_id,
            template=name or "granted without a template",
            currency=currency,
            sold=int(count),
            sold_minor=int(amount),
            refunds=int(refund_count),
            refunded_minor=int(refund_amount),
        )
        for label, template_id, name, currency, count, amount, refund_count, refund_amount in (
            conn.execute(query)
        )
    ]
    lines.sort(key=lambda line: (line.period_start, line.currency, line.template))
    return SalesReport(start=start, end=end, step=step, lines=tuple(lines))
