"""Forms of the org-tree pages, and the check of a community's boundary.

The boundary check lives here, at the edge: what reaches the database is a
GeoJSON Polygon or MultiPolygon that shapely can prepare, in WGS84, so the
routing directory never meets a geometry it cannot use."""

from __future__ import annotations

import json
import math
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from shapely.geometry import shape
from shapely.validation import explain_validity
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from cases.models.org import UNIT_KIND_LABELS

CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{1,63}$"


class UnitForm(FlaskForm):
    """Create or edit a unit; the view disables `code` when editing (it is
    immutable: URLs, imports and the audit log name units by it)."""

    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=64),
        Regexp(CODE_PATTERN, message=_l("Use 2 to 64 lower-case letters, digits and "
                                        "hyphens, starting with a letter or digit.")),
    ])
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label)
                                                  for k, label in UNIT_KIND_LABELS.items()])
    parent = SelectField(_l("Parent unit"), choices=[])
    active = BooleanField(_l("Active"), default=True)


class BoundaryForm(FlaskForm):
    boundary = TextAreaField(_l("Boundary (GeoJSON)"), validators=[Optional()])


class BoundaryError(ValueError):
    """The text is not a usable boundary; the message says why, for the form."""


def _position_error(position: Any) -> str | None:
    if not isinstance(position, list) or len(position) not in (2, 3) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        for v in position
    ):
        return _("Every position must be [longitude, latitude] in numbers; found %(value)s.",
                 value=json.dumps(position)[:60])
    lon, lat = position[0], position[1]
    if not -180 <= lon <= 180:
        return _("Longitude %(value)s is outside -180 to 180.", value=lon)
    if not -90 <= lat <= 90:
        return _("Latitude %(value)s is outside -90 to 90. GeoJSON puts the longitude first.",
                 value=lat)
    return None


def _ring_error(ring: Any) -> str | None:
    if not isinstance(ring, list) or len(ring) < 4:
        return _("Every ring needs at least 4 positions (a triangle and its closing point).")
    for position in ring:
        if error := _position_error(position):
            return error
    if ring[0][:2] != ring[-1][:2]:
        return _("A ring is not closed: its last position must repeat its first, %(first)s.",
                 first=json.dumps(ring[0]))
    return None


def _polygon_error(rings: Any) -> str | None:
    if not isinstance(rings, list) or not rings:
        return _("A polygon needs at least one ring of positions.")
    for ring in rings:
        if error := _ring_error(ring):
            return error
    return None


def _geometry(data: Any) -> dict[str, Any]:
    """The geometry object; a Feature (as map tools export) is unwrapped."""
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise BoundaryError(_(
            "The boundary must be a GeoJSON Polygon or MultiPolygon, not %(kind)s.", kind=found))
    return data


def clean_boundary(text: str) -> str:
    """The boundary as compact GeoJSON, or BoundaryError with the reason."""
    if not text.strip():
        raise BoundaryError(_("Paste the boundary as GeoJSON, or remove it."))
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BoundaryError(_("This is not valid JSON (line %(line)s, column %(column)s).",
                              line=getattr(exc, "lineno", "?"),
                              column=getattr(exc, "colno", "?"))) from exc
    geometry = _geometry(data)
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise BoundaryError(_("The boundary has no coordinates."))
    for rings in polygons:
        if error := _polygon_error(rings):
            raise BoundaryError(error)
    clean = {"type": geometry["type"], "coordinates": coordinates}
    polygon = shape(clean)
    if not polygon.is_valid:
        reason = explain_validity(polygon)  # e.g. "Self-intersection[113.4 23.1]"
        if "Self-intersection" in reason and "[" in reason:
            point = reason[reason.index("[") + 1:reason.rindex("]")].replace(" ", ", ")
            raise BoundaryError(_("The boundary crosses itself near %(point)s.", point=point))
        raise BoundaryError(_("The shape is not a valid area: %(reason)s.", reason=reason))
    if polygon.area == 0:
        raise BoundaryError(_("The shape encloses no area."))
    return json.dumps(clean, ensure_ascii=False, separators=(",", ":"))
