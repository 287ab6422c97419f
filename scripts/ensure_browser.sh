#!/bin/sh
# Find a Chrome/Chromium for figure export and browser tests; on Debian as root,
# install Debian's chromium when none is found. Never fails the build: without a
# browser, export writes HTML and says why.
for b in chromium chromium-browser google-chrome google-chrome-stable chrome; do
  if command -v "$b" >/dev/null 2>&1; then exit 0; fi
done
if [ -n "$BROWSER_PATH" ] && [ -x "$BROWSER_PATH" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "syncmodel: no Chrome/Chromium found; installing Debian's chromium with apt-get"
  apt-get update -q >/dev/null && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null && exit 0
  echo "syncmodel: apt-get could not install chromium; figures will be written as HTML"
else
  echo "syncmodel: no Chrome/Chromium found and cannot install one (not root on Debian); figures will be written as HTML"
fi
exit 0
