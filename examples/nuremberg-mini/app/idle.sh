#!/bin/sh
# Wait for a stop signal. As PID 1 a process ignores signals it has no handler for, so
# without the trap `compose down` would wait out its timeout.
trap 'exit 0' TERM INT
while :; do sleep 1 & wait $!; done
