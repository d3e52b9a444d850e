"""The outbox (DESIGN principle 3): every message Xietong sends to a citizen
is first a row, written in the same transaction as what caused it, and only
then sent by a job on the "notify" queue, once."""
