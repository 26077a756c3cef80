#!/bin/sh
# The browser suite: the page the web service serves. Brittle by nature, so `hoist.toml`
# marks it reported-only.
page=$(wget -q -O- http://127.0.0.1:8000/index.html) || { echo "FAIL page not served"; exit 1; }
case $page in
    *"Nuremberg mini"*) echo "ok   page served" ;;
    *) echo "FAIL unexpected page"; exit 1 ;;
esac
