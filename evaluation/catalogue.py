"""Every business line, its declaration imported once (evaluation/lines.py):
the pages, exports and the API read the lines from here.

A kind's measures module (evaluation/<kind>_measures.py) ends with its
`register_line(Line(...))`; add one import below for it.
"""

# One import per kind whose line is declared (the import declares it).
from evaluation import document_measures, proposal_measures, supervision_measures  # noqa: F401
from evaluation.lines import (  # noqa: F401 (the module is the API)
    LINE_PREFIX,
    Line,
    all_measures,
    default_weights,
    get_line,
    line_names,
    line_of,
    lines,
)
