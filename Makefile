# Wenzheng (问政): the two commands of the README, and the steps they are made of.
#   make run    set up and run the whole system on http://127.0.0.1:8000 (PORT=… to change)
#   make test   set up and run the whole test suite (what .ci/run calls)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
DATA   ?= var

.PHONY: run test venv dev tools package lint-infra bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/activate
	$(BIN)/pip install -q -e .

dev: $(BIN)/activate
	$(BIN)/pip install -q -e '.[dev]'

run: venv
	$(BIN)/wenzheng serve --port $(PORT) --data $(DATA)

tools:
	bash scripts/test-tools.sh

# the function package and its CloudFormation (no credentials needed, only a region)
package: dev
	bash scripts/package.sh

test: dev tools package
	bash scripts/run-tests.sh

bench: dev
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) $(DATA) infra/out functions/vendor tools/node .pytest_cache
