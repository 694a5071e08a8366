#!/usr/bin/env bash
# The whole suite: the checks (ruff, mypy), then unit, contract (SQLite and moto DynamoDB),
# integration, publisher, browser. Any finding of a check fails the run before pytest starts.
set -uo pipefail
cd "$(dirname "$0")/.."
export AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_ACCOUNT_ID_ENDPOINT_MODE=disabled
export WENZHENG_REQUIRE_TOOLS=1      # browser/HTML tests fail instead of skipping without tools
# lint and types (pyproject.toml [tool.ruff], [tool.mypy]); WENZHENG_SKIP_CHECKS=1 skips them
# for a quick run of a few tests
if [ "${WENZHENG_SKIP_CHECKS:-}" != "1" ]; then
  .venv/bin/ruff check --quiet . || { echo "ruff found problems (above)" >&2; exit 1; }
  .venv/bin/mypy || { echo "mypy found problems (above)" >&2; exit 1; }
fi
.venv/bin/python -m pytest -q "$@"
status=$?
if [ $status -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit $status
