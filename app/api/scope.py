"""The API reads cases by the one scope rule of app.auth.scope (kept here as
a re-export for the API's modules)."""

from app.auth.scope import in_scope, may_read, may_use_cases, unit_ids

__all__ = ["in_scope", "may_read", "may_use_cases", "unit_ids"]
