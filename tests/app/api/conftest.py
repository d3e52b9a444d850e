"""The REST API's fixtures (`cli`, `token`, `api`) are in tests/conftest.py:
the outbox API, the webhooks and the sessions tests use them too."""
