"""The measures: code, label, written definition, how each is computed from
the counters, and which way is better. Every page and export shows the
definition beside the figure (DESIGN, "The three rates").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from evaluation.definitions_zh import ZH  # noqa: F401  (exports use the Chinese text)

DURATIONS = ("sign", "contact", "resolve")


@dataclass(frozen=True)
class Measure:
    code: str
    label: object  # a lazy string
    definition: object
    kind: str  # count | rate | hours
    numerator: str | None = None  # counter names, for counts and rates
    denominator: str | None = None
    higher_is_better: bool = True
    weighted: bool = False  # may carry a weight in the composite score
    # "cases": counted from the case events (rollups); "register": from the
    # register's tables (evaluation/register_measures.py), streets and communities;
    # "proposals": from the proposals' tables (evaluation/proposal_measures.py).
    source: str = "cases"

    def value(self, counters: Mapping[str, int], percentiles: Mapping[str, float | None]):
        """The figure for one unit and period: a count, a percentage, hours or None."""
        if self.kind == "count":
            return counters.get(self.numerator, 0)
        if self.kind == "rate":
            den = counters.get(self.denominator, 0)
            return None if den == 0 else round(100.0 * counters.get(self.numerator, 0) / den, 1)
        return percentiles.get(self.code)


MEASURES: tuple[Measure, ...] = (
    Measure("received", _l("Cases received"),
            _l("Assignments made to the unit (lead or assisting) in the period, by the day of "
               "dispatch. A case merged into another counts once, as the case it joined; a redo "
               "(重办) is a new assignment and counts again."),
            "count", "received"),
    Measure("signed_on_time", _l("Signed on time"),
            _l("Assignments signed for (签收) by the acknowledge deadline / assignments whose "
               "acknowledge deadline fell in the period. "
               "Counted on the day the deadline falls, once the deadline has passed or was met; "
               "an assignment transferred away or returned before its deadline is left out."),
            "rate", "ack_met", "ack_due", weighted=True),
    Measure("response_rate", _l("Response rate"),
            _l("Assignments whose citizen was contacted by the contact deadline / assignments "
               "whose contact deadline fell in the period. "
               "Counted on the day the deadline falls, once the deadline has passed or was met; "
               "an assignment transferred away or returned before its deadline is left out."),
            "rate", "contact_met", "contact_due", weighted=True),
    Measure("resolved_on_time", _l("Resolved on time"),
            _l("Lead assignments resolved by the resolve deadline / lead assignments whose "
               "resolve deadline fell in the period. An extended deadline counts only when the "
               "extension was approved before the deadline it replaced; otherwise the original "
               "deadline is the one judged. "
               "Counted on the day the deadline falls, once the deadline has passed or was met; "
               "an assignment transferred away or returned before its deadline is left out."),
            "rate", "resolve_met", "resolve_due", weighted=True),
    Measure("resolution_rate", _l("Resolution rate"),
            _l("Callbacks answered \"solved\" / callbacks answered, by the day of the callback, "
               "for the unit whose resolution the citizen judged (after a return by unit A and "
               "a resolution by unit B, unit B)."),
            "rate", "callbacks_solved", "callbacks", weighted=True),
    Measure("satisfaction_rate", _l("Satisfaction rate"),
            _l("Callbacks rated \"satisfied\" or \"basically satisfied\" / callbacks rated, by "
               "the day of the callback, for the unit that resolved the case."),
            "rate", "satisfied", "rated", weighted=True),
    Measure("return_rate", _l("Return rate"),
            _l("Returns (退单) by the unit / assignments received, by day; a return counts "
               "against the unit that returned the case, not the unit that finally resolves it."),
            "rate", "returned", "received", higher_is_better=False, weighted=True),
    Measure("redo_rate", _l("Redo rate"),
            _l("Cases reopened for redo (重办) / lead assignments resolved, by day, against the "
               "unit whose resolution was reopened."),
            "rate", "reopened", "resolved", higher_is_better=False, weighted=True),
    Measure("extension_rate", _l("Extension rate"),
            _l("Extensions approved for the unit / assignments received, by the day of approval."),
            "rate", "extended", "received", higher_is_better=False, weighted=True),
    Measure("escalated_1", _l("Escalations, level 1"),
            _l("Deadlines missed and escalated to the unit head, by the day of escalation."),
            "count", "escalated_1"),
    Measure("escalated_2", _l("Escalations, level 2"),
            _l("Deadlines missed by a working day, in the supervision office's queue."),
            "count", "escalated_2"),
    Measure("escalated_3", _l("Escalations, level 3"),
            _l("Deadlines missed by five working days: a formal supervision notice."),
            "count", "escalated_3"),
    Measure("sign_p50", _l("Time to sign, median (h)"),
            _l("Hours from assignment to signing for it, wall-clock, for assignments signed in "
               "the period; median by nearest rank, durations rounded up to the minute below "
               "1 h, 5 min below 8 h, 30 min below 3 days, 6 h beyond."), "hours"),
    Measure("sign_p90", _l("Time to sign, 90th percentile (h)"),
            _l("As the median, the 90th percentile by nearest rank."), "hours"),
    Measure("contact_p50", _l("Time to contact, median (h)"),
            _l("Hours from assignment to first contact with the citizen, for contacts made in "
               "the period; median by nearest rank, rounded as for signing."), "hours"),
    Measure("contact_p90", _l("Time to contact, 90th percentile (h)"),
            _l("As the median, the 90th percentile by nearest rank."), "hours"),
    Measure("resolve_p50", _l("Time to resolve, median (h)"),
            _l("Hours from assignment to resolution, for lead assignments resolved in the "
               "period; median by nearest rank, rounded as for signing."), "hours"),
    Measure("resolve_p90", _l("Time to resolve, 90th percentile (h)"),
            _l("As the median, the 90th percentile by nearest rank."), "hours"),
    Measure("intake_answers", _l("Answered at intake"),
            _l("Cases answered directly by the operator at intake (no unit involved), counted "
               "for the street and community of the case's address."),
            "count", "intake_answers"),
    Measure("rejected", _l("Rejected (not accepted)"),
            _l("Cases rejected (不予受理) as out of scope, by the day of the rejection, counted "
               "for the lead unit the case was with (if any) and for the street and community "
               "of its address; a rejection reversed later still counts on its day. A rejected "
               "case counts in no rate: no deadline of an assignment made before the rejection "
               "is judged, met or missed; after a reversal the new assignments are judged as "
               "usual."),
            "count", "rejected"),
    # The register of rental housing and the floating population, counted for
    # the street and the community where the property lies.
    Measure("registered_on_time", _l("Registrations on time"),
            _l("Residents registered within 3 working days of arrival / residents registered, "
               "by the day of registration, for the street and community of the property. "
               "Imported registrations are left out."),
            "rate", "reg_met", "reg_due", weighted=True, source="register"),
    Measure("visited_on_time", _l("Visits on time"),
            _l("Grid staff's visits made by the day the property's grade made them due (green "
               "3 weeks, yellow 2, orange 1) / visits due in the period, by the day due; a "
               "visit still not made counts as late once its day has passed."),
            "rate", "visit_met", "visit_due", weighted=True, source="register"),
    Measure("findings_on_time", _l("Findings resolved on time"),
            _l("Cases raised from visits' findings that the responsible department resolved "
               "by the resolve deadline / such cases whose deadline fell in the period, once "
               "passed or met, for the street and community of the property."),
            "rate", "finding_met", "finding_due", weighted=True, source="register"),
    Measure("red_emptied", _l("Red properties emptied"),
            _l("Properties graded red in the period that are now confirmed emptied (the grid "
               "staff's re-inspection closed the emptying case) / properties graded red in "
               "the period, by the day graded."),
            "rate", "red_met", "red_due", weighted=True, source="register"),
    # Motions, suggestions and proposals (evaluation/proposal_measures.py),
    # counted for the lead unit that replies; joint units count in none.
    Measure("proposal_replies_on_time", _l("Proposal replies on time"),
            _l("Replies of the lead unit made by their deadline (the session's months after "
               "the assignment, 1 month for a second reply) / replies due in the period, by "
               "the day due; a deadline passed without a reply counts as late."),
            "rate", "prop_reply_met", "prop_reply_due", weighted=True, source="proposals"),
    Measure("proposal_communicated_first", _l("Proposers consulted before the reply"),
            _l("Replies made after a recorded face-to-face or phone communication with the "
               "proposer (面商/沟通) / replies made in the period, by the day of the reply."),
            "rate", "prop_comm_met", "prop_comm_due", weighted=True, source="proposals"),
    Measure("proposal_satisfaction", _l("Proposers satisfied"),
            _l("Feedback \"satisfied\" or \"basically satisfied\" / proposers' feedback given "
               "in the period (by link or entered by the office), by the day of the "
               "feedback, for the unit whose reply was judged."),
            "rate", "prop_sat_met", "prop_sat_due", weighted=True, source="proposals"),
    Measure("proposal_grade_a_share", _l("Proposals solved (grade A)"),
            _l("Replies graded A (solved) / replies made in the period, by the day of the "
               "reply; a second reply counts again."),
            "rate", "prop_grade_a", "prop_graded", weighted=True, source="proposals"),
    Measure("proposal_redo_count", _l("Proposal replies redone"),
            _l("Replies the proposer was not satisfied with, so that the lead unit has to "
               "reply again within 1 month, by the day of the feedback."),
            "count", "prop_redo", higher_is_better=False, source="proposals"),
)
BY_CODE = {m.code: m for m in MEASURES}
THREE_RATES = ("response_rate", "resolution_rate", "satisfaction_rate")

QUALITATIVE = "qualitative"
QUALITATIVE_LABEL = _l("Qualitative score")
QUALITATIVE_DEFINITION = _l(
    "定性考核: the evaluation office's score from 0 to 100 for the unit and month, with a "
    "comment; for a period of several months, the mean of the months scored.")
COMPOSITE_DEFINITION = _l(
    "The weighted mean of the weighted measures on a 0-100 scale (a rate where lower is better "
    "counts as 100 minus the rate) and the qualitative score; a measure without data for the "
    "unit leaves its weight out. Weights are set by an administrator.")
DEFAULT_WEIGHTS = {
    "signed_on_time": 10.0, "response_rate": 20.0, "resolved_on_time": 15.0,
    "resolution_rate": 20.0, "satisfaction_rate": 20.0, "return_rate": 5.0,
    "redo_rate": 5.0, "extension_rate": 0.0, QUALITATIVE: 5.0,
    # The register's measures are shown and ranked; an administrator weighs them.
    "registered_on_time": 0.0, "visited_on_time": 0.0, "findings_on_time": 0.0,
    "red_emptied": 0.0,
    # The proposals' measures likewise (the redo count is a count, not weighed).
    "proposal_replies_on_time": 0.0, "proposal_communicated_first": 0.0,
    "proposal_satisfaction": 0.0, "proposal_grade_a_share": 0.0,
}


def _bounds() -> list[int]:
    bounds = [0, *range(1, 61)]
    bounds += range(65, 481, 5)
    bounds += range(510, 4321, 30)
    bounds += range(4680, 90 * 24 * 60 + 1, 360)
    return bounds


BOUNDS = _bounds()


def bucket(seconds: float) -> int:
    """The upper bound (minutes) of the bucket a duration falls in."""
    if seconds < 0:
        raise ValueError(f"negative duration {seconds!r}")
    minutes = math.ceil(seconds / 60)
    lo, hi = 0, len(BOUNDS)
    while lo < hi:
        mid = (lo + hi) // 2
        if BOUNDS[mid] < minutes:
            lo = mid + 1
        else:
            hi = mid
    return BOUNDS[lo] if lo < len(BOUNDS) else minutes  # beyond 90 days: to the minute


def percentile(histogram: Mapping[int, int], p: float) -> float | None:
    """Nearest-rank percentile (hours) of a bucketed histogram {minutes: count}."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(p * total))
    seen = 0
    for minutes in sorted(histogram):
        seen += histogram[minutes]
        if seen >= rank:
            return round(minutes / 60, 2)
    raise AssertionError("unreachable")


def percentiles(histograms: Mapping[str, Mapping[int, int]]) -> dict[str, float | None]:
    out = {}
    for name in DURATIONS:
        h = histograms.get(name, {})
        out[f"{name}_p50"] = percentile(h, 0.5)
        out[f"{name}_p90"] = percentile(h, 0.9)
    return out
