#!/usr/bin/env bash
# Part of the README's test command: the dashboard's browser test drives Debian's Chromium
# (never a browser downloaded by a test tool). Installs it when it is missing and this user may
# use apt-get; otherwise says why the browser tests will skip. Always exits 0.
set -u
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "installing Debian's chromium for the dashboard's browser test..."
  if apt-get update -qq >/dev/null 2>&1 && \
     DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; then
    exit 0
  fi
  echo "could not install chromium; the browser tests will skip"
else
  echo "no /usr/bin/chromium and no root apt-get: the browser tests will skip (apt-get install chromium)"
fi
exit 0
