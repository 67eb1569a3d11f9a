# make run  — set everything up and serve the demo site on http://127.0.0.1:5000 (PORT=… HOST=…)
# make test — set everything up and run the whole suite
PYTHON ?= python3
HOST   ?= 127.0.0.1
PORT   ?= 5000
# the suite runs on every core (pytest-xdist); PYTEST_ARGS= runs it in one process
PYTEST_ARGS ?= -n auto
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app stationsite
MO     := stationsite/translations/zh_Hans_CN/LC_MESSAGES/messages.mo
PO     := $(MO:.mo=.po)

.PHONY: run test install install-test lint format translations extract-messages bench bench-reports bench-imports bench-exports clean

run: install $(MO)
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-test $(MO)
	$(BIN)/pytest $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "stationsite needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(VENV)/.installed
$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

install-test: $(VENV)/.installed-test
$(VENV)/.installed-test: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

translations: $(MO)
$(MO): $(PO) $(BIN)/python
	$(BIN)/pybabel compile --use-fuzzy -d stationsite/translations -D messages

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _n -o stationsite/translations/messages.pot .
	$(BIN)/pybabel update -i stationsite/translations/messages.pot -d stationsite/translations --no-fuzzy-matching

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-test $(MO)
	$(BIN)/python -m bench.nearby $(BENCH_ARGS)

bench-reports: install-test $(MO)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.reports

# a national list into PostgreSQL, then the same through the admin page in Chromium
bench-imports: install-test $(MO)
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.imports_web

# every station as CSV and GeoJSON from the admin pages, 200,000 stations under gunicorn
bench-exports: install-test $(MO)
	$(BIN)/python -m bench.exports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage htmlcov
