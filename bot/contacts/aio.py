"""Small asyncio helpers the services share: fetch ahead while writing, and stop a helper task cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar

T = TypeVar("T")


async def ahead(items: AsyncIterator[T]) -> AsyncIterator[T]:
    """Yield each item while the next is already being fetched: WeCom's round trip for the next page
    overlaps the database write of this one. A fetch that fails raises when its item is due."""
    nxt = asyncio.ensure_future(anext(items))
    try:
        while True:
            try:
                item = await nxt
            except StopAsyncIteration:
                return
            nxt = asyncio.ensure_future(anext(items))
            yield item
    finally:
        await stop(nxt)
        await items.aclose()


async def stop(task: asyncio.Future) -> None:
    """Cancel a helper task and wait for it; asyncio.wait, unlike awaiting the task under a suppress,
    never swallows a cancel aimed at the caller."""
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()  # retrieved: a failed prefetch nobody waits for is not an error
