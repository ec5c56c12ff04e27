#!/bin/sh
# A process the fake runc started (fake-runc.sh's spawn): $1 the pid of its starter, $2 a FIFO to wait on first
# (or ""), $3 the shell code to run (if that file exists; else it waits to be killed).
#
# It runs only once its starter has exited and it is the test JVM's child, as a container's process is the shim's
# once runc has exited: a shell may reap any child of its own, so an exit before that could be taken by the
# starter instead of the JVM's reaper — a lost exit no real runc would cause.
while [ "$(sed -n 's/.*) . \([0-9]*\) .*/\1/p' "/proc/$$/stat")" = "$1" ]; do
    sleep 0.01
done
if [ -n "$2" ]; then
    read _ < "$2"
fi
if [ -f "$3" ]; then
    exec sh "$3"
fi
exec sleep 120
