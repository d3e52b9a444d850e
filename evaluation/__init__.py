"""Performance evaluation (绩效考评): measures per unit and period, the
composite score, rankings, exports and the public statistics.

Reads never scan history: per-unit per-day rollups are materialised for past
days by a job (see `evaluation.rollups`), and only today is computed live.
"""
