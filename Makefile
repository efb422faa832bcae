# The two commands: `make run` (install, migrate, load, serve with worker and scheduler) and
# `make test` (install, then run the whole suite). Everything else here is what they call.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test install lock lock-check migrate data demo lint typecheck messages benchmark-reminders benchmark-reports benchmark-import clean

# uv installs exactly the versions in uv.lock. It is itself bootstrapped from PyPI with pip, into
# a folder of its own inside the venv (so syncing the venv never removes it): a fresh machine needs
# only Python 3.11.
UV_VERSION := 0.13.9
UV := $(VENV)/uv/bin/uv
UV_SYNC := UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --extra dev --python $(BIN)/python

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --target $(VENV)/uv 'uv==$(UV_VERSION)'

# Reinstall only when the lock or pyproject.toml changes. --locked refuses a lock that no longer
# matches pyproject.toml (run `make lock` and commit uv.lock).
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV_SYNC)
	touch $@

# Refresh uv.lock after editing the dependencies in pyproject.toml (keeps every other pin).
lock: | $(UV)
	$(UV) lock

# Fail when uv.lock is out of date with pyproject.toml (CI runs this).
lock-check: | $(UV)
	$(UV) lock --check

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
	$(BIN)/mypy agencies apis recommendations notifications reports tracker imports

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
