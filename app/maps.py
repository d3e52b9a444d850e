"""The district map: the communities' boundaries as one GeoJSON
FeatureCollection, and the shape of the figures each map page loads.

The map is drawn in the browser by Apache ECharts (vendored under
static/vendor/echarts, see its README), from the boundaries the
administrators keep on the org tree (OrgUnit.boundary): no tile server, no
request leaving the app (DESIGN principle 7). static/js/district-map.js
registers the collection with `echarts.registerMap` and colours each
community by the figure chosen.

The boundaries change rarely and every map page asks for them, so each
process keeps the serialized collection until a change to an org unit is
flushed here, or at most BOUNDARY_TTL seconds when another process made it
(core.cache, as cases/routing.py keeps the parsed boundaries).
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import aliased

from cases.models import OrgUnit, UnitKind
from core.cache import ProcessCache
from core.db import db

ECHARTS_VERSION = "6.1.0"
ECHARTS_PATH = f"vendor/echarts/{ECHARTS_VERSION}/echarts.min.js"
BOUNDARY_TTL = 60.0

bp = Blueprint("maps", __name__, url_prefix="/maps")


def _load_collection() -> tuple[bytes, str]:
    """Every active community with a boundary, as a GeoJSON FeatureCollection
    (WGS84), its names and its street in the properties."""
    street = aliased(OrgUnit)
    rows = db.session.execute(
        select(OrgUnit.code, OrgUnit.name_zh, OrgUnit.name_en, OrgUnit.boundary,
               street.code, street.name_zh, street.name_en)
        .outerjoin(street, street.id == OrgUnit.parent_id)
        .where(OrgUnit.kind == UnitKind.COMMUNITY, OrgUnit.active.is_(True),
               OrgUnit.boundary.is_not(None))
        .order_by(OrgUnit.code))
    features = [{
        "type": "Feature",
        "id": code,
        "properties": {"code": code, "name_zh": name_zh, "name_en": name_en,
                       "street_code": s_code, "street_zh": s_zh, "street_en": s_en},
        "geometry": json.loads(boundary),
    } for code, name_zh, name_en, boundary, s_code, s_zh, s_en in rows]
    collection = {"type": "FeatureCollection", "features": features}
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
    return body, hashlib.sha256(body).hexdigest()[:32]


_collection = ProcessCache(_load_collection, OrgUnit, ttl=BOUNDARY_TTL)


@bp.get("/communities.geojson")
def communities():
    """Public: boundaries and names of the communities, nothing else. The
    browser asks again each time (an administrator's change shows at once)
    and gets 304 while nothing changed."""
    body, etag = _collection.get()
    response = Response(body, mimetype="application/geo+json",
                        headers={"Cache-Control": "no-cache"})
    response.set_etag(etag)
    return response.make_conditional(request)


def measure_entry(key: str, label, kind: str = "count") -> dict:
    """One figure the map can colour by (kind: count, rate or hours)."""
    return {"key": key, "label": str(label), "kind": kind}


def community_codes() -> dict[int, str]:
    """Community id -> code, for the figures keyed by the code the map knows."""
    return dict(db.session.execute(
        select(OrgUnit.id, OrgUnit.code).where(OrgUnit.kind == UnitKind.COMMUNITY)).all())
