"""Open311 clients that post more than a citizen's request.

Such a client sends attributes of its own (reserved: the service definition
does not check them), which name its own record of the request. A retried
post of the same record answers the case made the first time, never a
second one; once the case exists the record is linked to it in the same
transaction. The city's 12319 platform is one such client: it registers
itself here (channels/city12319/link.py), so this adapter knows no other's
internals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cases.models import Case


@dataclass(frozen=True)
class ClientLink:
    reserved: frozenset[str]
    # The client's own fields from the posted attributes; ValueError (its
    # text is the Open311 error's description) refuses the post with 400.
    parse: Callable[[dict[str, list[str]]], Any]
    existing: Callable[[Any], Case | None]  # the case already made for these fields
    link: Callable[[Case, Any], None]  # record them on the new case (flushes)


_links: dict[str, ClientLink] = {}


def register(client_name: str, link: ClientLink) -> None:
    _links[client_name] = link


def link_for(client_name: str) -> ClientLink | None:
    return _links.get(client_name)
