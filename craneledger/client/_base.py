"""Building blocks of the resources: paths, CRUD methods and pagination."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, cast

from craneledger.client._http import path_of
from craneledger.client.replies import ListPage, QueuedReply

if TYPE_CHECKING:
    from craneledger.client.client import CraneLedger

# A write returns the object, or a QueuedReply when the server queued it.
Reply = dict[str, Any] | QueuedReply

# Page size that the pagination helpers ask for: the API's maximum.
PAGE_SIZE = 100


def iterate_pages(
    fetch: Callable[[dict[str, Any]], ListPage],
    params: dict[str, Any],
    *,
    cursor: bool,
) -> Iterator[dict[str, Any]]:
    """Yield every object of a list, fetching page after page.

    With `cursor`, each next page starts after the last id seen
    (`starting_after`). Without it, each page starts at the next `offset`,
    which suits lists that are not ordered by creation time.
    """
    params = {"limit": PAGE_SIZE, **params}
    offset = int(params.get("offset") or 0)
    while True:
        page = fetch(params)
        objects = page["data"]
        yield from objects
        if not page["has_more"] or not objects:
            return
        if cursor:
            params["starting_after"] = objects[-1]["id"]
        else:
            offset += len(objects)
            params["offset"] = offset


class Resource:
    """A group of endpoints, bound to one client."""

    def __init__(self, client: CraneLedger) -> None:
        self._client = client

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._client.request("GET", path, params=params)

    def _write(
        self,
        method: str,
        path: str,
        org_id: str | None,
        body: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        return self._client.request(
            method,
            path,
            org_id=org_id,
            json_body=body,
            idempotency_key=idempotency_key,
        )


class OrganizationResource(Resource):
    """A collection under `/organizations/{org_id}/{segment}`."""

    segment: ClassVar[str]
    # Whether the list is in creation order, so that `starting_after` works.
    cursor_paging: ClassVar[bool] = True

    def _path(self, org_id: str, *parts: str) -> str:
        return path_of("organizations", org_id, self.segment, *parts)


class Listable(OrganizationResource):
    def list(self, org_id: str, **params: Any) -> ListPage:
        """Return one page of objects.

        `params` are the list's filters and `limit`, `offset` or `starting_after`.
        """
        return cast(ListPage, self._get(self._path(org_id), params))

    def list_all(self, org_id: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Yield every object that matches `params`, across all pages."""
        return iterate_pages(
            lambda page_params: self.list(org_id, **page_params),
            params,
            cursor=self.cursor_paging,
        )


class Creatable(OrganizationResource):
    def create(
        self,
        org_id: str,
        data: dict[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> Reply:
        """Create an object, or queue its creation and return a QueuedReply."""
        return cast(
            Reply,
            self._write("POST", self._path(org_id), org_id, data, idempotency_key),
        )


class Retrievable(OrganizationResource):
    def retrieve(self, org_id: str, object_id: str) -> dict[str, Any]:
        return cast(dict[str, Any], self._get(self._path(org_id, object_id)))


class Updatable(OrganizationResource):
    def update(
        self,
        org_id: str,
        object_id: str,
        data: dict[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> Reply:
        """Change the fields in `data` with PATCH, keeping the others."""
        path = self._path(org_id, object_id)
        return cast(Reply, self._write("PATCH", path, org_id, data, idempotency_key))


class Deletable(OrganizationResource):
    def delete(
        self,
        org_id: str,
        object_id: str,
        *,
        idempotency_key: str | None = None,
    ) -> QueuedReply | None:
        """Delete an object: None on `204`, a QueuedReply when queued."""
        path = self._path(org_id, object_id)
        return cast(
            QueuedReply | None,
            self._write("DELETE", path, org_id, idempotency_key=idempotency_key),
        )


class CrudResource(Listable, Creatable, Retrievable, Updatable, Deletable):
    """A collection with list, create, retrieve, update and delete."""
