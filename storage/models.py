"""Every table, gathered for Alembic (``target_metadata``) and for tests that need them all.
Each table lives in the module of the feature that owns it."""

from storage.base import Base, UtcDateTime
from storage.deadlines import Deadline, DeadlineReminder, DeadlineTarget
from storage.directory import CoordinatorGrant, Group, Person, Region, RegionAlias
from storage.faq import (
    FaqChange,
    FaqEntry,
    FaqMiss,
    FaqRegionAnswer,
    FaqReply,
    FaqSynonymGroup,
    FaqVote,
)
from storage.notices import GroupList, Notice, NoticeConfirmation, NoticeTarget
from storage.outbox import OutboxMessage
from storage.status import (
    StatusAlias,
    StatusOwner,
    StatusPending,
    StatusPhoto,
    StatusProject,
    StatusRecord,
)
from storage.status_rounds import RoundSetting, StatusRound
from storage.tickets import Ticket, TicketEvent, TicketOffer, TicketRelay
from storage.updates import ProcessedUpdate
from storage.versions import Version

__all__ = [
    "Base",
    "CoordinatorGrant",
    "Deadline",
    "DeadlineReminder",
    "DeadlineTarget",
    "FaqChange",
    "FaqEntry",
    "FaqMiss",
    "FaqRegionAnswer",
    "FaqReply",
    "FaqSynonymGroup",
    "FaqVote",
    "Group",
    "GroupList",
    "Notice",
    "NoticeConfirmation",
    "NoticeTarget",
    "OutboxMessage",
    "Person",
    "ProcessedUpdate",
    "Region",
    "RegionAlias",
    "RoundSetting",
    "StatusAlias",
    "StatusOwner",
    "StatusPending",
    "StatusPhoto",
    "StatusProject",
    "StatusRecord",
    "StatusRound",
    "Ticket",
    "TicketEvent",
    "TicketOffer",
    "TicketRelay",
    "UtcDateTime",
    "Version",
]
