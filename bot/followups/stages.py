"""Customer stages (客户阶段): the list admins configure, and the stage each staff member sets per customer.

Seed 000 keeps one stage per follow relation: two staff members serving one customer may judge them
differently. A deleted stage leaves the list but stays readable where it is still in use.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from bot.contacts import timeline
from bot.contacts.models import Customer, FollowRelation
from bot.followups.models import CustomerStage, Stage
from bot.store import ordering
from bot.values import InvalidInput

DEFAULTS = ("潜在客户", "意向客户", "成交客户", "已流失")
NAME_MAX = 20


class StageError(InvalidInput):
    """A stage name or choice the service refuses."""


async def list_stages() -> list[Stage]:
    """The live stages in their order; the four defaults are created on the first call of a new install."""
    if not await Stage.exists():
        now = datetime.now(UTC)
        seeded = [
            Stage(name=name, order=i, default_key=f"default-{i}", created_at=now)
            for i, name in enumerate(DEFAULTS, start=1)
        ]
        # Two processes may both find the table empty; the unique default_key keeps one copy.
        await Stage.bulk_create(seeded, ignore_conflicts=True)
    return await Stage.filter(deleted=False).order_by("order", "id")


async def create_stage(name: str) -> Stage:
    name = await _valid_name(name)
    last = await Stage.all().order_by("-order").first()
    return await Stage.create(name=name, order=(last.order if last else 0) + 1, created_at=datetime.now(UTC))


async def rename_stage(stage_id: int, name: str) -> Stage:
    stage = await live_stage(stage_id)
    stage.name = await _valid_name(name, keep=stage.id)
    await stage.save(update_fields=["name"])
    return stage


async def delete_stage(stage_id: int) -> int:
    """Remove a stage from the list; returns how many customers are still in it (they keep it until a staff
    member sets another). The last stage stays: the sidebar needs one to offer."""
    stage = await live_stage(stage_id)
    if await Stage.filter(deleted=False).count() <= 1:
        raise StageError("stage_id", "至少需要保留一个客户阶段。")
    stage.deleted = True
    await stage.save(update_fields=["deleted"])
    return await CustomerStage.filter(stage_id=stage.id).count()


async def move_stage(stage_id: int, direction: str) -> None:
    """Swap a stage with its neighbour above ("up") or below ("down"); at either end nothing moves."""
    if direction not in ("up", "down"):
        raise StageError("direction", "移动方向只能是上移或下移。")
    stage = await live_stage(stage_id)
    await ordering.move(Stage, await list_stages(), stage.id, direction)


async def usage() -> dict[int, int]:
    """stage id -> how many (customer, staff member) pairs are in it."""
    rows = await CustomerStage.annotate(n=Count("id")).group_by("stage_id").values_list("stage_id", "n")
    return dict(rows)


async def stage_of(external_userid: str, userid: str) -> Stage | None:
    """The stage this staff member set for the customer (perhaps one deleted since), or None."""
    row = await CustomerStage.get_or_none(external_userid=external_userid, userid=userid).prefetch_related(
        "stage"
    )
    return row.stage if row else None


async def set_stage(
    external_userid: str, userid: str, stage_id: int, *, now: datetime | None = None
) -> Stage:
    """Put the customer in a stage for this staff member; a change is written to the timeline."""
    stage = await live_stage(stage_id)
    await require_relation(external_userid, userid)
    async with in_transaction():
        await change_stage(external_userid, userid, stage, now or datetime.now(UTC))
    return stage


async def change_stage(external_userid: str, userid: str, stage: Stage, now: datetime) -> bool:
    """Write the stage and its timeline entry (callers hold the transaction); False when it is unchanged."""
    row = await CustomerStage.get_or_none(external_userid=external_userid, userid=userid).prefetch_related(
        "stage"
    )
    if row is not None and row.stage_id == stage.id:
        return False
    old = row.stage.name if row else ""
    if row is None:
        await CustomerStage.create(
            external_userid=external_userid, userid=userid, stage=stage, updated_at=now
        )
    else:
        await CustomerStage.filter(id=row.id).update(stage_id=stage.id, updated_at=now)
    await timeline.record(
        external_userid, timeline.STAGE_CHANGED, now, userid=userid, payload={"old": old, "new": stage.name}
    )
    return True


async def require_relation(external_userid: str, userid: str) -> None:
    """Stages and follow-ups belong to a staff member's relation with the customer: it must exist."""
    if not await Customer.exists(external_userid=external_userid):
        raise InvalidInput("external_userid", "客户不存在。")
    if not await FollowRelation.exists(customer_id=external_userid, userid=userid):
        raise InvalidInput("external_userid", "你还不是这位客户的跟进人。")


async def live_stage(stage_id: int) -> Stage:
    """A stage that is still on the list, or StageError naming the problem."""
    try:
        stage = await Stage.get_or_none(id=int(stage_id))
    except (TypeError, ValueError):
        stage = None
    if stage is None:
        raise StageError("stage_id", "客户阶段不存在。")
    if stage.deleted:
        raise StageError("stage_id", f"客户阶段「{stage.name}」已删除，请选择其他阶段。")
    return stage


async def _valid_name(name: str, keep: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise StageError("name", "阶段名称不能为空。")
    if len(name) > NAME_MAX:
        raise StageError("name", f"阶段名称不能超过 {NAME_MAX} 个字（现在 {len(name)} 个）。")
    same = Stage.filter(name=name, deleted=False)
    if keep is not None:
        same = same.exclude(id=keep)
    if await same.exists():
        raise StageError("name", f"已有名为「{name}」的阶段。")
    return name
