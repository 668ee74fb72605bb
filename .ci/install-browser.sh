#!/usr/bin/env bash
# Installs Debian's chromium for the report's browser test (test/report/browser.test.ts). Idempotent.
set -euo pipefail
bash "$(dirname "$0")/apt-install.sh" /usr/bin/chromium chromium
