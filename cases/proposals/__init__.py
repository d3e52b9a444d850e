"""Motions, suggestions and proposals (议案、建议、提案): the operations.

- registration.py: sessions (届次) and registering a proposal with its
  co-signers;
- handling.py: assignment (交办) to a lead and joint units, change requests,
  the joint units' opinions, the communication with the proposer, the
  lead's graded reply, the proposer's feedback and the second reply;
- links.py: the signed, once-only feedback link;
- signals.py: what the deadlines (escalation/) and the messages (channels/)
  react to.

Each function is an operation as in cases.operations: explicit actor,
checks, rows changed, one case event, flush; the caller commits.
"""
