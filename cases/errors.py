"""Domain errors: each says precisely what was refused and why."""

from __future__ import annotations

import enum


class CaseError(Exception):
    """Base of the refusals an operation can give."""


class IllegalTransition(CaseError):
    """A change of status that the state machine does not allow."""

    def __init__(self, current: enum.Enum, target: enum.Enum) -> None:
        self.current = current
        self.target = target
        super().__init__(f"a case cannot go from {current.value!r} to {target.value!r}")


class NotAllowed(CaseError):
    """The actor may not do this to this case."""


class InvalidRequest(CaseError):
    """The request itself is wrong (unknown category, empty reply, ...)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message  # may be a lazy string, rendered when shown
        super().__init__(field, message)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"
