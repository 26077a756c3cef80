#!/bin/sh
# The dependency lock: pin every requirement of $1 into $2, sorted (a stand-in for pip-compile).
set -e
grep -v '^#' "$1" | grep -v '^$' | sort -u | sed 's/$/==1.0/' > "$2"
echo "pinned $(wc -l < "$2") requirements into $2"
