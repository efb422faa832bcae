# The two commands: `make run` (install, migrate, load, serve with worker and scheduler) and
# `make test` (install, then run the whole suite). Everything else here is what they call.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test install migrate data demo lint typecheck messages benchmark-reminders benchmark-reports benchmark-import clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --no-input

data: migrate
	$(BIN)/python manage.py load_roundtable

demo: data
	$(BIN)/python manage.py load_demo

run: demo
	@echo "Serving on http://127.0.0.1:$(PORT) with a Celery worker and beat. Ctrl-C stops all three."
	$(BIN)/honcho start

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy agencies recommendations notifications reports tracker imports

# Regenerate the catalogues after changing strings (needs GNU gettext), then translate the
# new entries in locale/fr/... and compile; the compiled .mo files are committed.
messages: install
	$(BIN)/python manage.py makemessages -l fr --ignore '.venv/*' --ignore 'var/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

# Benchmarks (not tests): see the docstrings of benchmarks/*.py. The reports benchmark wants
# DATABASE_URL pointing at a PostgreSQL database it may fill (100,000 items, 1,000,000 updates).
benchmark-reminders: install
	$(BIN)/python benchmarks/reminders.py

benchmark-reports: install
	$(BIN)/python -m benchmarks.reports --generate

# The spreadsheet round trip (10,000-row progress workbook) and the 100,000-item export; wants
# DATABASE_URL pointing at a PostgreSQL database it may fill, e.g. bench_import.
benchmark-import: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python -m benchmarks.imports

clean:
	rm -rf var
