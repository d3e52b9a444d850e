"""Open311 GeoReport v2, all of it, in JSON and XML, with the
servicerequestupdates extension (see docs/open311.md)."""

from channels.open311.views import bp

__all__ = ["bp"]
