# The two commands: `make run` (install, migrate, load, serve with worker and scheduler) and
# `make test` (install, then run the whole suite). Everything else here is what they call.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# One address for links in emails, shared by every process honcho starts: honcho gives each
# process its own PORT (worker 8100, beat 8200), so it is fixed here from the web's port.
SITE_URL ?= http://127.0.0.1:$(PORT)
export PORT SITE_URL

# `make run` is a local trial that behaves like production (DEBUG off: the designed, translated
# error pages, collected static files) without asking for anything: a SECRET_KEY generated once
# into var/secret_key, and loopback host names. Any of them set in the environment wins.
LOCAL_SECRET_KEY_FILE := var/secret_key
LOCAL_ENV = DEBUG="$${DEBUG:-0}" \
	SECRET_KEY="$${SECRET_KEY:-$$(cat $(LOCAL_SECRET_KEY_FILE))}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost,[::1]}"

.PHONY: run test install lock lock-check migrate data demo lint typecheck messages benchmark benchmark-reminders benchmark-reports soak benchmark-public benchmark-import clean

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

$(LOCAL_SECRET_KEY_FILE):
	@mkdir -p $(dir $@)
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

migrate: install $(LOCAL_SECRET_KEY_FILE)
	$(LOCAL_ENV) $(BIN)/python manage.py migrate --no-input

data: migrate
	$(LOCAL_ENV) $(BIN)/python manage.py load_roundtable

demo: data
	$(LOCAL_ENV) $(BIN)/python manage.py load_demo

run: demo
	@echo "Serving on http://127.0.0.1:$(PORT) with a Celery worker and beat (links in emails: $(SITE_URL)). Ctrl-C stops all three."
	$(LOCAL_ENV) $(BIN)/honcho start --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	DEBUG=1 $(BIN)/mypy agencies apis recommendations notifications reports transparency quarterly imports tracker tests benchmarks

# Regenerate the catalogues after changing strings (needs GNU gettext), then translate the
# new entries in locale/fr/... and compile; the compiled .mo files are committed.
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages -l fr --ignore '.venv/*' --ignore 'var/*'
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore '.venv/*'

# Benchmarks (not tests): see the docstrings of benchmarks/*.py. The reports benchmark wants
# DATABASE_URL pointing at a PostgreSQL database it may fill (100,000 items, 1,000,000 updates).
# The HTTP benchmark: gunicorn and a floor app side by side (needs ab, from apache2-utils).
benchmark: install
	$(BIN)/python -m benchmarks.web

benchmark-reminders: install
	$(BIN)/python benchmarks/reminders.py

benchmark-reports: install
	$(BIN)/python -m benchmarks.reports --generate

# The fault soak (not a test; minutes, not seconds): see benchmarks/soak.py.
soak: install
	$(BIN)/python -m benchmarks.soak

# The cached public overview through gunicorn (2 workers) against a static file (the floor).
benchmark-public: install
	$(BIN)/python benchmarks/public.py

# The spreadsheet round trip (10,000-row progress workbook) and the 100,000-item export; wants
# DATABASE_URL pointing at a PostgreSQL database it may fill, e.g. bench_import.
benchmark-import: install
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python -m benchmarks.imports

clean:
	rm -rf var
