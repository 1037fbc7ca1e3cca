"""Endpoints that belong to no resource: health, system status, unknown routes."""

import logging
from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import craneledger
from craneledger.errors import json_error

logger = logging.getLogger(__name__)


def database_status() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("Database check failed: %s", exc)
        return {"vendor": connection.vendor, "status": "unavailable"}
    return {"vendor": connection.vendor, "status": "ok"}


def queue_status() -> dict[str, Any]:
    """Report the broker's queue depth and the workers of running clusters."""
    from django_q.brokers import get_broker
    from django_q.status import Stat

    try:
        broker = get_broker()
        depth = broker.queue_size()
        clusters = Stat.get_all(broker=broker)
    except Exception as exc:  # noqa: BLE001 - any broker failure is reported
        logger.warning("Queue check failed: %s", exc)
        return {"broker": "unavailable", "depth": None, "clusters": 0, "workers": 0}
    workers = sum(len(cluster.workers) for cluster in clusters)
    return {
        "broker": type(broker).__name__.lower().removesuffix("broker") or "orm",
        "depth": depth,
        "clusters": len(clusters),
        "workers": workers,
    }


class HealthView(APIView):
    """Liveness and database reachability, for load balancers. No key needed."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "Health",
            {"status": serializers.CharField(), "database": serializers.CharField()},
        )
    )
    def get(self, request: Request) -> Response:
        database = database_status()
        healthy = database["status"] == "ok"
        body = {
            "status": "ok" if healthy else "degraded",
            "database": database["status"],
        }
        return Response(body, status=200 if healthy else 503)


class SystemView(APIView):
    """Version, database, queue depth and worker count, for any valid key."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=inline_serializer("System", {}))
    def get(self, request: Request) -> Response:
        return Response(
            {
                "object": "system",
                "version": craneledger.__version__,
                "database": database_status(),
                "queue": queue_status(),
            }
        )


def route_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return json_error(
        404,
        f"No API route matches {request.method} {request.path!r}.",
        code="route_not_found",
    )


def bad_request(request: HttpRequest, exception: Exception) -> JsonResponse:
    return json_error(400, "The request could not be understood.", code="bad_request")


def permission_denied(request: HttpRequest, exception: Exception) -> JsonResponse:
    return json_error(403, "The request was refused.", code="forbidden")


def not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    return route_not_found(request)


def server_error(request: HttpRequest) -> JsonResponse:
    return json_error(
        500,
        "An internal error occurred. Retry later, and quote the X-Request-Id header "
        "if you report it.",
        code="internal_error",
    )
