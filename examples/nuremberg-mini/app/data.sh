#!/bin/sh
# The data service: prepare the index directory, say it is ready, wait.
mkdir -p /var/solr/index
touch /tmp/ready
exec sh /app/idle.sh
