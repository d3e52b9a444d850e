"""The edges: adapters that turn outside traffic into an Intake, and senders."""
