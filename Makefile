# The two commands: `make run` (the whole system on embedded defaults) and
# `make test`. Both build .venv from the pinned requirements first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export FLASK_APP := app

.PHONY: run test lint translations extract-messages bench bench-smoke chaos chaos-smoke clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel --quiet compile -d app/translations

run: $(STAMP) translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask open311-demo load
	$(BIN)/flask register generate-history
	$(BIN)/flask evaluation generate-history --once
	$(BIN)/python -m app.supervisor

test: $(STAMP) translations
	bash scripts/ensure-chromium
	$(BIN)/python -m pytest

# Style (ruff) and the layers of DESIGN.md (import-linter, contracts in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# Refresh the message catalogue after changing user-visible strings.
extract-messages: $(STAMP)
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _l -o app/translations/messages.pot .
	$(BIN)/pybabel --quiet update --ignore-obsolete --no-fuzzy-matching -i app/translations/messages.pot -d app/translations

# Benchmarks on PostgreSQL + Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL; see
# bench/__init__.py): one table and bench/results.json. The smoke checks the
# harness in under a minute, not the figures.
bench: $(STAMP) translations
	$(BIN)/python -m bench.run

bench-smoke: $(STAMP) translations
	$(BIN)/python -m bench.run --smoke

# Faults under load (bench/chaos): a PostgreSQL cluster and a redis-server of
# its own on spare ports, the Procfile's processes, Redis flushed, an RQ and a
# gunicorn worker killed, PostgreSQL restarted and stopped. One line and
# bench/chaos.json; fails when a case is lost or doubled or the drain is late.
# chaos-smoke: a few hundred cases, the same faults, in about two minutes (CI).
chaos: $(STAMP) translations
	$(BIN)/python -m bench.chaos

chaos-smoke: $(STAMP) translations
	$(BIN)/python -m bench.chaos --short

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
