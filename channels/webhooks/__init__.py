"""Outgoing webhooks: an outbound channel. Every event on a case a unit is
assigned to is POSTed, signed, to the unit's receivers (models.py), by a job
with retries and a reconciler (deliver.py)."""
