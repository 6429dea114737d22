"""What every console list shares: its query read with a Chinese reason beside each refused filter, and one
pager (total, page numbers, previous and next) whose links keep the list's filters.

The pager's markup is one macro, templates/admin/_lists.html; this module works out what it shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from yarl import URL

from sidebar_web.api.params import BadParam, Param, parse

T = TypeVar("T")
AROUND = 2  # page numbers shown either side of the current one, besides the first and the last


@dataclass(frozen=True)
class Pager:
    total: int  # what the list counts, shown as 共 N
    page: int  # 1-based
    pages: int
    prev: str  # links, "" where there is none
    next: str
    query: str  # the current page's query: a change posted from the page answers with this same page
    numbers: tuple[tuple[int, str], ...]  # (page, link) in order; page 0 stands for a gap (…)


def pager(
    base, query, params: tuple[Param, ...], *, total: int, limit: int, offset: int, slots=None
) -> Pager:
    """The pager of a list at `base`, its own address: a list shown in answer to a POST (a batch action, a
    move) links to the list, not to the POST. Of the current `query` only the list's declared parameters
    are kept (its filters and page size); `slots` is the number of rows paged when that differs from the
    total shown (a list with group headings)."""
    keep = {p.name for p in params} - {"offset"}
    kept = [(k, v) for k, v in query.items() if k in keep]
    url = URL(str(base)).with_query(kept)

    def link(n: int) -> str:
        return str(url.extend_query(offset=(n - 1) * limit) if n > 1 else url)

    pages = max(1, -(-(total if slots is None else slots) // limit))
    page = offset // limit + 1
    shown = sorted({1, pages, *range(max(1, page - AROUND), min(pages, page + AROUND) + 1)})
    numbers: list[tuple[int, str]] = []
    for n in shown:
        if numbers and n > numbers[-1][0] + 1:
            numbers.append((0, ""))
        numbers.append((n, link(n)))
    return Pager(
        total=total,
        page=page,
        pages=pages,
        prev=link(min(page - 1, pages)) if page > 1 else "",
        next=link(page + 1) if page < pages else "",
        query=URL(link(page)).query_string,
        numbers=tuple(numbers),
    )


def read_filters(query, params: tuple[Param, ...]) -> tuple[dict[str, Any], dict[str, BadParam]]:
    """The list's parameters and, by parameter, every refusal (shown beside its field; the page says 400)."""
    errors: dict[str, BadParam] = {}
    return parse(query, params, errors), errors


async def searched(errors: dict[str, BadParam], search: Callable[[], Awaitable[T]], empty: T) -> T:
    """The search's result; `empty` when a filter was refused, by the parser or by the search itself (a tag
    that no longer exists), whose refusal joins the others."""
    if errors:
        return empty
    try:
        return await search()
    except BadParam as exc:
        errors[exc.param] = exc
        return empty
