"""Where a citizen hears about their case, besides the tracking page.

The notifications send there and the callback survey asks there; both read
it here, from the case and its citizen.
"""

from __future__ import annotations

from cases.merge import party_cases
from cases.models import Case


def citizen_addresses(case: Case, *, parties: bool = False) -> list[tuple[str, str]]:
    """(channel, recipient) pairs the citizen hears on, besides the page;
    with `parties`, also the citizens of the cases merged into it (each on
    the channel of their own case; cases/merge.py), each address once."""
    if not case.is_citizen_facing:  # only petitions have a citizen to tell
        return []
    addresses = []
    for party in party_cases(case) if parties else [case]:
        citizen = party.citizen
        if citizen is None:
            continue
        if citizen.phone:
            addresses.append(("sms", citizen.phone))
        if party.channel == "email" and citizen.email:
            addresses.append(("email", citizen.email))
    return list(dict.fromkeys(addresses))
