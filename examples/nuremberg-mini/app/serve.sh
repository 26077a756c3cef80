#!/bin/sh
# The web service: a static page on port 8000, until stopped.
httpd -p 8000 -h /app/www
exec sh /app/idle.sh
