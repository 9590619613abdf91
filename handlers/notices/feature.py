"""The notices feature: its commands, its button, 收到 typed in groups, delivery reports."""

from __future__ import annotations

from handlers.core.feature import Feature, TextRoute, TextStage
from handlers.notices.lists import GROUP_LIST
from handlers.notices.messages import NAME
from handlers.notices.sending import NOTICE, on_press, on_text
from handlers.notices.tracking import (
    NOTICE_DELETE,
    NOTICE_STATUS,
    NOTICES,
    NUDGE,
    delivery_settled,
)

FEATURE = Feature(
    NAME,
    commands=(NOTICE, NOTICE_STATUS, NUDGE, NOTICES, NOTICE_DELETE, GROUP_LIST),
    callbacks={"notice": on_press},
    on_text=(TextRoute(TextStage.ACKNOWLEDGEMENT, on_text),),
    on_settled=delivery_settled,
)
