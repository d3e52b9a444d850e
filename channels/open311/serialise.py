"""Cases and categories as Open311 GeoReport v2 objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cases.models import Case, Category
from cases.states import OPEN311_CLOSED
from cases.timeline import latest_public_update
from core.clock import local


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 with the district's offset, as the standard asks."""
    return local(dt).isoformat(timespec="seconds") if dt else None


def service_json(category: Category, metadata: bool = False) -> dict[str, Any]:
    """`metadata` is true when the category has attributes (services/<code>)."""
    return {
        "service_code": category.code,
        "service_name": category.name_zh,
        "description": category.description_zh or None,
        "metadata": metadata,
        "type": "realtime",
        "keywords": category.name_en,
        "group": category.group_zh or None,
    }


def service_request_json(case: Case, media_url: str | None = None) -> dict[str, Any]:
    lead = case.lead_assignment
    return {
        "service_request_id": case.tracking_number,
        "status": "closed" if case.status in OPEN311_CLOSED else "open",
        "status_notes": latest_public_update(case),
        "service_name": case.category.name_zh,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": lead.unit.name_zh if lead else None,
        "service_notice": None,
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(lead.resolve_due) if lead else None,
        "address": case.address_text,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.long,
        "media_url": media_url,
    }


NOTICE = "已受理，将在处理后更新状态。Received; status will be updated as it is handled."


def request_response(case: Case, token: str) -> dict[str, Any]:
    """The answer to a created request. `account_id` is left out: the standard
    types it as a string, and there are no client accounts here. The token is
    given too, so a client written for deferred processing can use tokens/."""
    return {"service_request_id": case.tracking_number, "token": token,
            "service_notice": NOTICE}
