"""Search request and response bodies."""

from __future__ import annotations

from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import BaseModel, Field, StringConstraints

from modelreg.api.schemas.common import StrictIn
from modelreg.api.schemas.models import ModelOut
from modelreg.api.schemas.versions import VersionOut
from modelreg.query.filter import MAX_FILTER_LENGTH
from modelreg.query.paging import MAX_PAGE_SIZE, Page, PageQuery

T = TypeVar("T")

FilterText = Annotated[str, StringConstraints(max_length=MAX_FILTER_LENGTH)]
OrderText = Annotated[str, StringConstraints(min_length=1, max_length=300)]


class SearchIn(StrictIn):
    """The POST form of a search; the GET form takes the same fields as query parameters."""

    filter: FilterText | None = Field(None, examples=["tags.team = 'risk' AND metrics.auc > 0.91"])
    order_by: list[OrderText] = Field(
        default_factory=list, max_length=10, examples=[["metrics.auc DESC"]]
    )
    max_results: int = Field(100, ge=1, le=MAX_PAGE_SIZE)
    page_token: Annotated[str, StringConstraints(max_length=4096)] | None = None
    include_total: bool = False
    workspace: Annotated[str, StringConstraints(min_length=1, max_length=36)] = Field(
        "default", description="A workspace name, or * for every workspace you may read."
    )

    def page_query(self) -> PageQuery:
        return PageQuery(self.max_results, None, self.page_token, self.include_total)


class SearchPage(BaseModel, Generic[T]):
    items: list[T]
    next_page_token: str | None = None
    total: int | None = Field(None, description="Only with include_total=true.")

    @classmethod
    def of(cls, page: Page[Any], items: list[T]) -> Self:
        return cls(items=items, next_page_token=page.next_page_token, total=page.total)


class VersionSearchPage(SearchPage[VersionOut]):
    pass


class ModelSearchPage(SearchPage[ModelOut]):
    pass
