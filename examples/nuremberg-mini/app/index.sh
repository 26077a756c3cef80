#!/bin/sh
# Index a dump (`id,title` lines) into /var/solr/index/documents.txt: `id<TAB>title`, sorted.
set -e
dump=$1
test -f "$dump" || { echo "index.sh: no dump at $dump" >&2; exit 2; }
mkdir -p /var/solr/index
tail -n +2 "$dump" | awk -F, '{ print $1 "\t" $2 }' | sort > /var/solr/index/documents.txt
echo "indexed $(wc -l < /var/solr/index/documents.txt) documents from $dump"
