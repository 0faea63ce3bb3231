# West Kent Partnership intranet. `make run` for the demo, `make test` for the whole suite,
# `make backup` / `make restore BACKUP=backups/wkp-….tar` (PostgreSQL, see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
# E-mails link to the address the demo is served on (the worker that sends them has no request);
# set SITE_URL yourself when HOST is 0.0.0.0 or behind a proxy.
SITE_URL ?= http://$(HOST)
RUN_ENV = SITE_URL='$(SITE_URL)' ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost,$(firstword $(subst :, ,$(HOST)))}"

.PHONY: run test backup restore lint format venv vnu compile clean

venv: $(VENV)/.installed

# uv installs the same packages as pip in a few seconds instead of about 35 (most of a clean
# clone's `make test` before the first test); pip does it where uv cannot be had. Both compile
# the packages to bytecode at install (pip does by default, uv when asked): where Python may not
# write bytecode as it imports (PYTHONDONTWRITEBYTECODE, set on this machine), every process
# would otherwise compile Django, WeasyPrint and the rest again as it starts.
# The virtualenv is made without pip (ensurepip took 5 s): the interpreter's own pip puts uv in it.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv --without-pip $(VENV)
	( $(PYTHON) -m pip --python $(PY) install --quiet 'uv>=0.9,<1' && \
	  $(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -e '.[test]' ) || \
	( $(PY) -m ensurepip --upgrade && $(PY) -m pip install --quiet --upgrade pip && \
	  $(PY) -m pip install --quiet -e '.[test]' )
	touch $@

# The app runs as production unless DEBUG is set (fail closed); the demo runs in development mode.
run: export DEBUG ?= 1
run: venv
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py load_demo
	$(RUN_ENV) $(PY) manage.py process_uploads
	@echo "West Kent Partnership intranet: http://$(HOST)/ (sign in with a login above; e-mails link to $(SITE_URL))"
	@$(RUN_ENV) $(PY) manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(PY) manage.py runserver $(HOST)

# One pytest-xdist worker per core, each with its own test database, media folder and Chromium;
# `make test WORKERS=0` runs in one process.
WORKERS ?= auto
test: venv vnu compile
	tests/with_postgres.sh $(PY) -m pytest -n $(WORKERS) --dist worksteal $(PYTEST_ARGS)

# The project's own modules compiled once (see `venv`): the suite starts many Python processes
# (workers, manage.py, gunicorn, the render fork servers). On a clean clone without bytecode,
# `manage.py check` took 1.98 s of processor time; with it, 0.67 s.
compile: venv
	$(PY) -m compileall -q -j 0 manage.py wkp meetings finance subgroups tests

# The W3C Nu HTML checker (vnu.jar, run on Java) for tests/standards/test_nu_html.py, from npm.
VNU_VERSION := 26.9.27
VNU_JAR := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar
vnu: $(VNU_JAR)
$(VNU_JAR):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --no-audit --no-fund --silent --prefix $(VENV)/vnu vnu-jar@$(VNU_VERSION); \
	else echo "npm not found: the Nu HTML checker test will skip (CI installs npm and Java)"; fi

backup: venv
	$(PY) manage.py backup $(if $(BACKUP),-o $(BACKUP))

restore: venv
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/wkp-YYYYmmdd-HHMMSS.tar"; exit 2; }
	$(PY) manage.py restore $(BACKUP)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
