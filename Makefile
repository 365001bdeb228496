# Quick start:
#   make demo   install flask-doctor, check the bundled sick clinic and its cured twin, then (services
#               permitting) audit --probe and a short soak of the sick one
#   make test   run the whole test suite (needs PostgreSQL, MariaDB, Redis, RabbitMQ on loopback;
#               tests that need a missing service are skipped unless FLASK_DOCTOR_REQUIRE_SERVICES=1)
PYTHON ?= python3

.PHONY: install install-core demo demo-stack test lint test-oldest bench docs

install:
	$(PYTHON) -m pip install -q -e ".[dev]"

install-core:
	$(PYTHON) -m pip install -q -e .

demo: install
	@echo "== flask-doctor check examples/clinic/sick   (a sick app: every catalog problem)"
	-flask-doctor check examples/clinic/sick
	@echo
	@echo "== flask-doctor check examples/clinic/cured  (the same app, cured)"
	flask-doctor check examples/clinic/cured
	@echo
	$(PYTHON) examples/clinic/demo.py

# Run the sick (or VARIANT=cured) clinic on the real stack until Ctrl-C.
VARIANT ?= sick
demo-stack: install
	cd examples/clinic && $(PYTHON) -m stack $(VARIANT)

test: install lint
	$(PYTHON) -m pytest -q

# ruff's linter and formatter, as configured in pyproject.toml (CI runs both through `make test`).
lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

# The oldest supported stack (Flask 2.2, Flask-SQLAlchemy 2.5, SQLAlchemy 1.4) in its
# own virtual environment: the surfaces that load or watch an app (audit, runtime).
OLDEST_VENV ?= .venv-oldest
test-oldest:
	test -x $(OLDEST_VENV)/bin/python || $(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install -q -e ".[oldest]"
	$(OLDEST_VENV)/bin/python -m pytest -q -m "not newest_only" tests/audit tests/runtime tests/matrix

bench: install
	$(PYTHON) benchmarks/static_speed.py --lines 20000 200000 1000000
	$(PYTHON) benchmarks/plot_static_speed.py

docs: install
	$(PYTHON) scripts/generate_rule_docs.py

# Refresh the README's screenshots of the dashboard and the soak report (needs the services and chromium).
screenshots: install
	FLASK_DOCTOR_SCREENSHOTS=1 $(PYTHON) -m pytest -q tests/e2e/test_browser.py
