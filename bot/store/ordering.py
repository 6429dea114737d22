"""Lists people put in order by hand (stages, radar groups, radars): move one row, renumber the rest."""

from __future__ import annotations

from tortoise.transactions import in_transaction

MOVES = {"up": "上移", "down": "下移", "top": "置顶", "bottom": "置底"}


async def move(model, rows: list, row_id: int, direction: str) -> bool:
    """Move `row_id` within `rows` (already in display order) and store positions 1..n in `order`;
    False when it is already at that end. Orders may tie (older rows, hand edits); positions never do."""
    at = next(i for i, row in enumerate(rows) if row.id == row_id)
    target = {"up": at - 1, "down": at + 1, "top": 0, "bottom": len(rows) - 1}[direction]
    if not 0 <= target < len(rows) or target == at:
        return False
    rows = list(rows)
    rows.insert(target, rows.pop(at))
    async with in_transaction():
        for position, row in enumerate(rows, start=1):
            if row.order != position:
                await model.filter(id=row.id).update(order=position)
    return True
