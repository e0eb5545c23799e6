# The two commands: `make run` serves xiaowai on the embedded SQLite database
# with the plan's organisation loaded; `make test` runs the whole suite on
# SQLite and then on PostgreSQL.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test test-sqlite test-postgres install schema messages lint lock clean

run: $(INSTALLED)
	$(BIN)/xiaowai migrate
	$(BIN)/xiaowai seed --demo-activity
	$(BIN)/xiaowai serve

test: test-sqlite test-postgres

test-sqlite: $(INSTALLED)
	XIAOWAI_TEST_DATABASE=sqlite $(BIN)/pytest

test-postgres: $(INSTALLED)
	XIAOWAI_TEST_DATABASE=$(TEST_POSTGRES_URL) $(BIN)/pytest

install: $(INSTALLED)

# Reinstalls only when the declared or pinned dependencies change.
$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "xiaowai needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# Regenerate schema.graphql after changing the API; review the diff.
schema: $(INSTALLED)
	$(BIN)/xiaowai export-schema

# Extract the strings to translate and merge them into the Chinese catalog.
messages: $(INSTALLED)
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d server/locale -l zh --width 88 --ignore-obsolete

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Pin what was tested: run after changing dependencies in pyproject.toml.
lock: $(INSTALLED)
	$(BIN)/pip freeze --exclude-editable > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache
