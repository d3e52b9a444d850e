"""The case domain: models, the state machine, routing and the operations."""
