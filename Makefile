# Studylog: `make run` serves the app with a demo team, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run serve test test-a11y install lint messages clean assets

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The background worker (blog publishing, webhook deliveries) runs beside the development
# server and stops with it. runserver is daphne's (ASGI): it serves the live editing
# sockets too.
run: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py loaddemo --if-empty
	DEBUG=1 $(PY) manage.py db_worker --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production: gunicorn with uvicorn workers (ASGI: pages and live editing sockets), DEBUG
# off. Needs SECRET_KEY and ALLOWED_HOSTS (and DATABASE_URL, and REDIS_URL so that the
# workers' live documents meet); behind no TLS proxy, also SECURE_SSL_REDIRECT=0.
serve: $(STAMP)
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py migrate --noinput
	$(VENV)/bin/gunicorn studylog.asgi:application -k uvicorn_worker.UvicornWorker \
		--bind 127.0.0.1:$(PORT) --workers $${WORKERS:-3} --no-control-socket \
		--access-logfile - --graceful-timeout 20

# Tests import settings with DEBUG=1 only for its development defaults (a throwaway
# SECRET_KEY); pytest-django still runs every test with DEBUG off. They run in one
# worker process per CPU (pytest-xdist), each with its own test database (pytest-django
# names it test_<name>_gw0, _gw1...); a test module stays in one worker, so its
# module-scoped fixtures are made once. TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= auto
test: $(STAMP)
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DEBUG=1 $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=15 $(PYTEST_ARGS)

# The accessibility checks alone: axe-core on every page, and the keyboard-only test.
test-a11y: $(STAMP)
	DEBUG=1 $(PY) -m pytest -m a11y -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS) tests/browser

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l ko -l en --no-location --ignore=.venv --ignore=tests --ignore=staticfiles --ignore=node_modules
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

# static/js/live.js, the live editor's bundle (committed), from assets/live/ and the
# npm packages pinned by package-lock.json (assets/build.mjs runs esbuild).
assets:
	npm ci && node assets/build.mjs
	cp node_modules/axe-core/axe.min.js tests/browser/vendor/axe.min.js  # a test asset

clean:
	rm -rf $(VENV) staticfiles
