"""Open311 GeoReport v2 (the subset of the walking skeleton): services,
POST requests and GET requests/<id>, in JSON."""

from channels.open311.views import bp

__all__ = ["bp"]
