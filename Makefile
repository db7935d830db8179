# The two commands of the README: `make run` (set up, start, load the demo half-year, print the
# indicators) and `make test`. Everything lives in .venv/ and .local/ at the root.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_FROM ?= 2022-01-01
DEMO_TO ?= 2022-06-30

.PHONY: setup run up down test test-fast lint lock clean holidays docs-diagram chromium redis \
	bench bench-5y cluster-up cluster-down

setup: $(VENV)/.installed $(VENV)/.celery $(VENV)/.gx-assets chromium redis

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed (set PYTHON=...)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# The Celery executor's packages (the distributed mode, `dti cluster up`), layered on the lock
# without dependencies: resolved against it as a constraint, so no locked version moves. Again
# after every sync of the lock (`uv pip sync` removes what the lock does not name).
$(VENV)/.celery: deploy/requirements-celery.txt $(VENV)/.installed
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -r deploy/requirements-celery.txt
	touch $@

# The scripts and styles GX Data Docs pages load from CDNs, from the npm registry (pinned by
# deploy/gx-assets/package-lock.json): `dti validation-docs` serves them, so the pages work on a
# network without the internet (include/dti/gx_assets.py).
$(VENV)/.gx-assets: deploy/gx-assets/package.json deploy/gx-assets/package-lock.json $(VENV)/.installed
	@if ! command -v npm >/dev/null; then \
		echo "npm is missing: GX Data Docs will load their scripts and styles from the CDNs" \
			"(install npm, then make setup again; the offline-assets test is skipped meanwhile)"; \
	else \
		rm -rf $(VENV)/gx-assets && mkdir -p $(VENV)/gx-assets && \
		cp deploy/gx-assets/package.json deploy/gx-assets/package-lock.json \
			deploy/gx-assets/.npmrc $(VENV)/gx-assets/ && \
		cd $(VENV)/gx-assets && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && \
		touch ../.gx-assets; \
	fi

# tests/e2e/test_report.py opens the generated report in headless Chromium: install it from the
# Debian archive when it is missing (root with apt-get only; otherwise say how, and that test is
# skipped). DTI_CHROMIUM names another Chromium or Chrome binary.
APT_CHROMIUM = DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	-o DPkg::Lock::Timeout=600 chromium >/dev/null
chromium:
	@if [ -n "$$DTI_CHROMIUM" ] || command -v chromium >/dev/null || \
		command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; then :; \
	elif [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
		echo "Chromium is missing (the report's browser test needs it): install it as root" \
			"(apt-get install chromium) or set DTI_CHROMIUM; that test is skipped meanwhile"; \
	else \
		echo "installing Chromium from the Debian archive (for the report's browser test)"; \
		$(APT_CHROMIUM) || { apt-get update -qq >/dev/null && $(APT_CHROMIUM); }; \
	fi

# The distributed mode's broker (`dti cluster up`, tests/cluster): redis-server from the Debian
# archive, installed as Chromium is (root with apt-get only; otherwise say how, and the cluster
# test is skipped).
APT_REDIS = DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	-o DPkg::Lock::Timeout=600 redis-server >/dev/null
redis:
	@if command -v redis-server >/dev/null; then :; \
	elif [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
		echo "redis-server is missing (the distributed mode's broker, dti cluster up): install it" \
			"as root (apt-get install redis-server); the cluster test is skipped meanwhile"; \
	else \
		echo "installing redis-server from the Debian archive (the distributed mode's broker)"; \
		$(APT_REDIS) || { apt-get update -qq >/dev/null && $(APT_REDIS); }; \
	fi

run: setup
	$(BIN)/dti up
	$(BIN)/dti run --from $(DEMO_FROM) --to $(DEMO_TO) --skip-loaded
	$(BIN)/dti indicators --period 2022-H1
	$(BIN)/dti index --period 2022-H1
	$(BIN)/dti report --period 2022-H1

up: setup
	$(BIN)/dti up

down:
	-$(BIN)/dti down

# The distributed mode on this machine (docs/deployment.md): Redis, Airflow's components and two
# Celery workers as processes, from docker-compose.yml's settings. `cluster-down` stops them.
WORKERS ?= 2
cluster-up: setup
	$(BIN)/dti cluster up --workers $(WORKERS)

cluster-down:
	-$(BIN)/dti cluster down

test: setup
	$(BIN)/ruff check include dags plugins tests
	$(BIN)/pytest

test-fast: setup
	$(BIN)/pytest -m "not slow"

lint: setup
	$(BIN)/ruff check include dags plugins tests

# Regenerate the public-holiday seed from the `holidays` package (after upgrading it);
# tests/unit/test_public_holidays.py fails while the seed and the package disagree.
holidays: setup
	$(BIN)/python -m dti.reference holidays

# Re-resolve the pinned environment after changing pyproject.toml.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra embedded --extra simulator --python-version 3.11 --quiet -o requirements.lock

clean: down
	rm -rf .local dbt_project/target dbt_project/logs

# Redraw the star-schema diagrams of docs/analyst-guide.md from the dbt models;
# tests/unit/test_analyst_docs.py fails while the guide and the models disagree.
docs-diagram: setup
	$(BIN)/dti docs --diagram

# Benchmarks (not part of `make test`): its own stack in a temporary .local; writes
# docs/benchmarks.md and bench/results.json. dlt and py-spy go into their own environment
# (.venv/bench); without them the dlt figures and the profile are skipped with a note.
BENCH_ARGS ?=
bench: setup
	-(test -x $(VENV)/bench/bin/python || $(BIN)/uv venv --quiet --python $(BIN)/python $(VENV)/bench) && \
		$(BIN)/uv pip install --quiet --python $(VENV)/bench/bin/python -r bench/requirements.txt \
		|| echo "bench/requirements.txt could not be installed: dlt and the profile are skipped"
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The 5-year warehouse (docs/benchmarks-5y.md): every source from 2022-01-01 to yesterday, with
# the former Bac Ninh's portal as a second instance; about an hour on 2 cores.
bench-5y: setup
	$(BIN)/python -m bench.five_years $(BENCH_ARGS)
