# The two commands of the README: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app service
export PORT ?= 8000

.PHONY: run token test lint init-db seed clean

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

init-db: $(VENV)/.runtime
	$(FLASK) init-db

seed: init-db
	$(FLASK) seed

## Serve the seeded registry on http://127.0.0.1:$(PORT) with SQLite at var/registry.db,
## with the notice scheduler beside it (stopped when the server stops).
run: seed
	@echo "Serving http://127.0.0.1:$(PORT); staff tokens: make token ROLE=editor|publisher|admin"
	$(FLASK) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler' EXIT; \
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py "service:create_app()"

## Print a new staff bearer token alone on stdout (TOKEN=$$(make token ROLE=publisher) keeps it):
## ROLE is editor, publisher or admin; LABEL (optional) says who it is for; an editor's or
## publisher's token acts for the organisation named ORG (default 中国电子报, registered if missing).
## (Setting up .venv and the schema reports on stderr, keeping stdout for the token.)
ORG ?= 中国电子报
token:
	@$(MAKE) --no-print-directory -s $(VENV)/.runtime >&2
	@$(FLASK) init-db >&2
	@if [ "$(ROLE)" = admin ]; then \
		$(FLASK) create-token --role admin --label "$(or $(LABEL),make token)"; \
	else \
		org=$$($(FLASK) create-organization --name "$(ORG)" | tail -n 1) || exit 1; \
		$(FLASK) create-token --role "$(ROLE)" --label "$(or $(LABEL),make token)" --org "$$org"; \
	fi

## Set up and run the whole suite (PostgreSQL too when TEST_POSTGRES_URL is set); the browser
## tests need Debian's Chromium and axe-core, which .ci/browser-deps.sh installs (quick when present).
test: $(VENV)/.dev
	bash .ci/browser-deps.sh
	bash .ci/nginx-deps.sh
	$(BIN)/pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
