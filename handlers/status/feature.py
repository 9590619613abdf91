"""The status feature: the project registry (commands and sheet import), progress updates
(#进展, /update, step by step in private) and their corrections; what they add up to
(/status, /report, /export, /chart); and collection rounds (/collect)."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.feature import Feature, Job, Runtime, TextRoute, TextStage
from handlers.core.model import AnswerCallback, CallbackPress, IncomingMessage
from handlers.status.chart import CHART
from handlers.status.export import EXPORT
from handlers.status.fixing import on_fix, on_fix_value, on_pick, on_stage
from handlers.status.lookup import STATUS, on_show
from handlers.status.messages import NAME, PICK_STALE
from handlers.status.names import ProjectIndex
from handlers.status.private import UPDATE, on_draft, on_draft_stage, on_draft_text
from handlers.status.registry import PROJECT_ADD, PROJECT_ARCHIVE, PROJECT_EDIT, PROJECTS
from handlers.status.reports import REPORT
from handlers.status.round_job import ROUNDS_EVERY, next_round_due, on_round_settled, run_rounds
from handlers.status.rounds import COLLECT
from handlers.status.sheets import PROJECT_TEMPLATE, on_document, on_import_press
from handlers.status.updates import is_tagged, on_album_photo, on_tagged

REPORTS = (STATUS, REPORT, EXPORT, CHART)  # what the updates add up to
_PRESSES = {
    "pick": on_pick,
    "fix": on_fix,
    "stage": on_stage,
    "draft": on_draft,
    "dstage": on_draft_stage,
    "import": on_import_press,
    "show": on_show,
}


async def on_press(ctx: Context, press: CallbackPress, data: str) -> None:
    action, _, rest = data.partition(":")
    handler = _PRESSES.get(action)
    if handler is None:
        ctx.add(AnswerCallback(press.callback_id, PICK_STALE))
    else:
        await handler(ctx, press, rest)


async def on_text(ctx: Context, message: IncomingMessage) -> bool:
    """#进展, the value typed after 更正, a private step, an album's photo, a sheet."""
    return (
        await on_tagged(ctx, message)
        or await on_fix_value(ctx, message)
        or await on_draft_text(ctx, message)
        or await on_album_photo(ctx, message)
        or await on_document(ctx, message)
    )


async def start(runtime: Runtime) -> None:
    runtime.services.provide(ProjectIndex())


FEATURE = Feature(
    NAME,
    commands=(
        UPDATE,
        PROJECTS,
        PROJECT_ADD,
        PROJECT_EDIT,
        PROJECT_ARCHIVE,
        PROJECT_TEMPLATE,
        *REPORTS,
        COLLECT,
    ),
    callbacks={"status": on_press},
    on_text=(TextRoute(TextStage.PROGRESS, on_text, writes=is_tagged),),
    on_settled=on_round_settled,
    jobs=(Job("status-rounds", ROUNDS_EVERY, run_rounds, next_round_due),),
    on_start=start,
)
