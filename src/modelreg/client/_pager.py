"""Lazy iteration over cursor-paged listings: item by item, or page by page."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True)
class Page:
    """One page of a listing as the server sent it."""

    items: list[Json]
    next_page_token: str | None
    #: Only when the listing was asked for totals (``include_total=True`` in search).
    total: int | None = None


class Pager(Iterator[Json]):
    """Every item of a listing, fetched one page at a time as you iterate.

    ``for v in pager`` walks items; :meth:`pages` walks whole pages (a fresh walk from the
    first page, with ``total`` and ``next_page_token``); :meth:`first` takes ``n`` items
    and stops fetching once it has them.
    """

    def __init__(
        self, fetch: Callable[[Mapping[str, Any]], Json], params: Mapping[str, Any]
    ) -> None:
        self._fetch = fetch
        self._params = dict(params)
        self._items: Iterator[Json] | None = None

    def pages(self, page_token: str | None = None) -> Iterator[Page]:
        """Page after page, starting at ``page_token`` (the first page by default)."""
        query = dict(self._params)
        if page_token is not None:
            query["page_token"] = page_token
        while True:
            body = self._fetch(query)
            token = body.get("next_page_token") or None
            yield Page(list(body.get("items", [])), token, body.get("total"))
            if token is None:
                return
            query["page_token"] = token

    def first(self, n: int) -> list[Json]:
        """Up to ``n`` items (fewer if the listing is shorter)."""
        return list(islice(self, n))

    def __iter__(self) -> Pager:
        return self

    def __next__(self) -> Json:
        if self._items is None:
            self._items = (item for page in self.pages() for item in page.items)
        return next(self._items)


def search_params(
    filter: str | None,
    order_by: Sequence[str],
    workspace: str,
    page_size: int,
    include_total: bool,
) -> Json:
    """The query of both search endpoints (models and versions)."""
    params: Json = {"filter": filter, "workspace": workspace, "max_results": page_size}
    if order_by:
        params["order_by"] = list(order_by)
    if include_total:
        params["include_total"] = "true"
    return params
