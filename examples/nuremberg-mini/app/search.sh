#!/bin/sh
# Print the titles matching $1 (case-insensitive) from the index.
index=${SOLR_INDEX:-/var/solr/index/documents.txt}
grep -i -- "$1" "$index" | cut -f2
