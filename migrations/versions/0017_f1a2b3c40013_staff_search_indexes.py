"""search: character-bigram index on the cases' text, reversed-phone index

Staff search (cases/search.py) finds words of a description or an address
as substrings: Chinese has no spaces, so 路灯 must be found inside
港湾路的路灯坏了. On PostgreSQL a GIN index over the character bigrams of
description + address narrows every term of two characters or more (pg_trgm
could not: its index needs three characters per term, and 路灯 has two), and
ILIKE then checks the rows it found. A phone number's last digits are a
prefix of the reversed number, which a btree (text_pattern_ops) finds.

On SQLite nothing is created: the search there is LIKE over the rows, which
the small embedded databases afford.

Revision ID: f1a2b3c40013
Revises: f1a2b3c40014
Create Date: 2026-12-03 10:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c40013'
down_revision = 'f1a2b3c40014'
branch_labels = None
depends_on = None

# Every overlapping pair of characters, lower-cased. string_to_array splits the
# text into characters once, so a long mail costs linear time.
BIGRAMS = """
CREATE OR REPLACE FUNCTION xietong_bigrams(t text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  c text[] := string_to_array(lower(t), NULL);
  grams text[] := '{}';
BEGIN
  FOR i IN 1 .. coalesce(cardinality(c), 0) - 1 LOOP
    grams[i] := c[i] || c[i + 1];
  END LOOP;
  RETURN grams;
END
$$
"""
# What a case is found by: its description and its address, in one set.
CASE_GRAMS = """
CREATE OR REPLACE FUNCTION xietong_case_grams(description text, address text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT xietong_bigrams(coalesce(description, '') || ' ' || coalesce(address, ''))
$$
"""


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(BIGRAMS)
    op.execute(CASE_GRAMS)
    op.execute('CREATE INDEX ix_cases_search_grams ON cases '
               'USING gin (xietong_case_grams(description, address_text))')
    op.execute('CREATE INDEX ix_citizens_phone_reversed ON citizens '
               '(reverse(phone) text_pattern_ops)')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP INDEX IF EXISTS ix_citizens_phone_reversed')
    op.execute('DROP INDEX IF EXISTS ix_cases_search_grams')
    op.execute('DROP FUNCTION IF EXISTS xietong_case_grams(text, text)')
    op.execute('DROP FUNCTION IF EXISTS xietong_bigrams(text)')
