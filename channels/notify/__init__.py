"""Notification rules and templates: which case events tell whom, on which
channel, in which words. Every message is an outbox row (DESIGN principle 3);
this package only decides what the rows say and to whom they go."""
