#!/usr/bin/env bash
# Run the whole test suite (installs the browser and CJK font for the UI tests if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/install.sh
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi"; then
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei) >/dev/null
  else
    echo "warning: chromium/fonts-wqy-microhei missing and not root; browser tests will be skipped" >&2
  fi
fi
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
# Lint, format and type checks on the package first (fast; fail early).
.venv/bin/ruff check qa
.venv/bin/ruff format --check qa
.venv/bin/mypy qa
exec .venv/bin/python -m pytest "$@"
