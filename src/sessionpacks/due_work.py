"""What one run of all due time-based work did (see :meth:`sessionpacks.Studio.run_due_work`)."""

from __future__ import annotations

import attrs


@attrs.frozen
class DueWorkReport:
    """Counts of what one run did; ``renewed`` counts plan periods and auto-renewed passes."""

    expired: int
    units_forfeited: int
    pass_reminders: int
    appointment_reminders: int
    side_effects_delivered: int
    side_effects_failed: int
    renewed: int
    renewals_failed: int
