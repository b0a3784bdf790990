#!/usr/bin/env bash
# Installs Debian's chromium when it is missing: the HTML report tests drive it headless with playwright-core.
set -euo pipefail
command -v chromium >/dev/null 2>&1 || (export DEBIAN_FRONTEND=noninteractive; apt-get update && apt-get install -y --no-install-recommends chromium)
