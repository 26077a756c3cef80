#!/bin/sh
# The code suite: search over a fixture index.
fail=0
fixture=$(mktemp)
printf '1\tTrial of the major war criminals\n2\tMedical case\n' > "$fixture"
check() {
    if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$3'"; fail=1; fi
}
check "search finds a title" "Medical case" "$(SOLR_INDEX=$fixture sh /app/search.sh medical)"
check "search ignores case" "Trial of the major war criminals" "$(SOLR_INDEX=$fixture sh /app/search.sh TRIAL)"
check "report title is passed" "Code" "${REPORT_TITLE:-}"
rm -f "$fixture"
exit $fail
