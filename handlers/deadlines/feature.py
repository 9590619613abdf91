"""The deadlines feature: its commands, its buttons and the reminder job."""

from __future__ import annotations

from handlers.core.feature import Feature, Job
from handlers.deadlines.managing import (
    DEADLINE_CANCEL,
    DEADLINE_EDIT,
    DEADLINES,
    REMIND_WORKDAYS,
    on_press,
)
from handlers.deadlines.reminders import NAME, next_reminder_due, run_reminders
from handlers.deadlines.setting import DEADLINE, REMINDER_EVERY

FEATURE = Feature(
    NAME,
    commands=(DEADLINE, DEADLINES, DEADLINE_EDIT, DEADLINE_CANCEL, REMIND_WORKDAYS),
    callbacks={"deadline": on_press},
    jobs=(Job("deadline-reminders", REMINDER_EVERY, run_reminders, next_reminder_due),),
)
