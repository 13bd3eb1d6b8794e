# The two commands of the README: `make run` and `make test`. Both install what they need first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= weizhili.settings.dev

.PHONY: install lock run test lint messages clean

install: $(VENV)/.installed weizhili/static/vendor/.copied

# The exact versions come from requirements.lock; the package itself is installed without resolving again.
# `pip check` stops the install when the lock lacks a dependency that pyproject.toml names (run `make lock`).
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@$(BIN)/pip check >/dev/null || { $(BIN)/pip check; echo "requirements.lock is out of date with pyproject.toml: run make lock" >&2; exit 1; }
	touch $@

# Pin what pyproject.toml (with the test extra) asks for, keeping the pins already there;
# `make lock LOCK_ARGS=--upgrade` moves every pin to the newest allowed version.
lock:
	test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet $(LOCK_ARGS) --extra test --strip-extras --no-emit-index-url --no-emit-find-links \
	  --no-emit-trusted-host --output-file requirements.lock pyproject.toml

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

weizhili/static/vendor/.copied: node_modules/.installed scripts/copy_assets.py
	$(BIN)/python scripts/copy_assets.py
	touch $@

run: install
	$(BIN)/weizhili migrate --no-input -v 0
	$(BIN)/weizhili demo --if-empty
	@echo ""
	@echo "微治理 is running at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Log in with one of the demo accounts printed above. Ctrl-C stops the server and the job worker."
	@$(BIN)/weizhili run_huey --quiet & worker=$$!; \
	  trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/weizhili runserver $(HOST):$(PORT) --noreload

test: install
	DJANGO_SETTINGS_MODULE=weizhili.settings.test bash scripts/test.sh

lint: install
	$(BIN)/ruff check weizhili tests bench scripts

messages: install
	cd weizhili && ../$(BIN)/weizhili makemessages -l en --no-obsolete --add-location file && ../$(BIN)/weizhili compilemessages -l en

clean:
	rm -rf $(VENV) node_modules weizhili/static/vendor var
