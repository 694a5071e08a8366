#!/usr/bin/env bash
# The whole suite: unit, contract (SQLite and moto DynamoDB), integration, publisher, browser.
set -uo pipefail
cd "$(dirname "$0")/.."
export AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_ACCOUNT_ID_ENDPOINT_MODE=disabled
export WENZHENG_REQUIRE_TOOLS=1      # browser/HTML tests fail instead of skipping without tools
.venv/bin/python -m pytest -q "$@"
status=$?
if [ $status -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit $status
