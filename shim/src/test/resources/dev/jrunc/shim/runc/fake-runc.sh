#!/bin/sh
# A stand-in for runc, for unit tests (FakeRunc.java copies it into a test's folder and names that folder in
# FAKE_RUNC_DIR below). It takes runc's command lines, records each one, keeps a container's state in the
# --root folder, and starts small shell processes where runc would start a container's processes.
#
# In $fake (the test's folder):
#   calls               one line per invocation: the arguments after the program's name
#   programs/<key>      shell code a process runs: <key> is the container id for an init, the exec id for an
#                       exec (from its pid file's name); without one, the process waits to be killed
#   fail-<command>      makes that command fail with the file's text as runc's error (in its JSON log)
#   start-waits-for-exit, exec-waits-for-exit
#                       the command returns only once its process has exited and been reaped: an early exit
#   process-<key>.json  a copy of the Process JSON an exec was given
#   update-<id>.json    what update read on its stdin
#   pids                every process started, for FakeRunc.close()
#   process.sh          what each of those processes is (fake-process.sh)
fake='@FAKE_RUNC_DIR@'
printf '%s\n' "$*" >> "$fake/calls"

root=/run/runc
log=/dev/null
while [ $# -gt 0 ]; do
    case "$1" in
        --root) root=$2; shift 2 ;;
        --log) log=$2; shift 2 ;;
        --log-format) shift 2 ;;
        --systemd-cgroup) shift ;;
        *) break ;;
    esac
done
command=$1
shift

fail() {
    printf '{"level":"error","msg":"%s","time":"2026-01-01T00:00:00Z"}\n' "$1" >> "$log"
    echo "$1" >&2
    exit 1
}

# Running, and not a zombie waiting to be reaped.
alive() {
    s=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
    [ -n "$s" ] && [ "$s" != Z ]
}

# Starts a process as runc leaves it: not our child (its starter exits at once, so the process is re-parented to
# the nearest subreaper: the test's JVM), its pid in $pidfile. $1: the key of its program, $2: a FIFO to wait on.
spawn() {
    exec 3<&0   # a background job's stdin would be /dev/null: keep the one runc was given
    FAKE_RUNC_DIR=$fake sh -c 'sh "$1" $$ "$2" "$3" 0<&3 3<&- & echo $! > "$4"' starter \
        "$fake/process.sh" "$2" "$fake/programs/$1" "$pidfile.tmp"
    exec 3<&-
    mv "$pidfile.tmp" "$pidfile"
    pid=$(cat "$pidfile")
    echo "$pid" >> "$fake/pids"
    echo "$pid" >> "$state/pids"
}

waitReaped() {
    while [ -e "/proc/$1" ]; do sleep 0.01; done
}

if [ -f "$fake/fail-$command" ]; then
    fail "$(cat "$fake/fail-$command")"
fi

eval "id=\${$#}"
state=$root/$id
case "$command" in
    create|restore)
        bundle= pidfile=
        while [ $# -gt 1 ]; do
            case "$1" in
                --bundle) bundle=$2; shift 2 ;;
                --pid-file) pidfile=$2; shift 2 ;;
                --image-path|--work-path|--parent-path|--console-socket) shift 2 ;;
                *) shift ;;
            esac
        done
        [ -e "$state" ] && fail "container with id exists: $id"
        [ -f "$bundle/config.json" ] || fail "JSON specification file config.json not found"
        mkdir -p "$state"
        fifo=
        if [ "$command" = create ]; then
            fifo=$state/exec.fifo
            mkfifo "$fifo"
        fi
        spawn "$id" "$fifo"
        echo "$pid" > "$state/pid"
        ;;
    start)
        [ -d "$state" ] || fail "container \"$id\" does not exist"
        [ -p "$state/exec.fifo" ] || fail "cannot start an already running container"
        pid=$(cat "$state/pid")
        alive "$pid" || fail "cannot start a container that has stopped"
        echo go > "$state/exec.fifo"
        rm "$state/exec.fifo"
        if [ -f "$fake/start-waits-for-exit" ]; then waitReaped "$pid"; fi
        ;;
    exec)
        process= pidfile=
        while [ $# -gt 1 ]; do
            case "$1" in
                --process) process=$2; shift 2 ;;
                --pid-file) pidfile=$2; shift 2 ;;
                --console-socket) shift 2 ;;
                *) shift ;;
            esac
        done
        [ -d "$state" ] || fail "container \"$id\" does not exist"
        alive "$(cat "$state/pid")" || fail "cannot exec in a stopped container"
        key=$(basename "$pidfile" .pid)
        cp "$process" "$fake/process-$key.json"
        spawn "$key" ""
        if [ -f "$fake/exec-waits-for-exit" ]; then waitReaped "$pid"; fi
        ;;
    kill)
        all=
        if [ "$1" = --all ]; then all=1; shift; fi
        id=$1 signal=$2 state=$root/$1
        [ -d "$state" ] || fail "container \"$id\" does not exist"
        if [ -n "$all" ]; then
            # every process of the container, even once its init is gone (runc: all in the cgroup)
            for p in $(cat "$state/pids"); do if alive "$p"; then kill "-$signal" "$p"; fi; done
        else
            alive "$(cat "$state/pid")" || fail "container not running"
            kill "-$signal" "$(cat "$state/pid")"
        fi
        ;;
    delete)
        [ -d "$state" ] || fail "container \"$id\" does not exist"
        pid=$(cat "$state/pid")
        if alive "$pid"; then
            # runc deletes a created container (killing its waiting init), a running one only with --force
            if [ ! -p "$state/exec.fifo" ] && [ "$1" != --force ]; then
                fail "cannot delete container $id that is not stopped: running"
            fi
            kill -9 "$pid"
        fi
        rm -rf "$state"
        ;;
    pause|resume|checkpoint)
        [ -d "$state" ] || fail "container \"$id\" does not exist"
        ;;
    update)
        [ -d "$state" ] || fail "container \"$id\" does not exist"
        cat > "$fake/update-$id.json"
        ;;
    ps)
        [ -d "$state" ] || fail "container \"$id\" does not exist"
        list=
        for p in $(cat "$state/pids"); do
            if alive "$p"; then list="$list${list:+,}$p"; fi
        done
        echo "[$list]"
        ;;
    *)
        fail "fake runc: no command $command"
        ;;
esac
exit 0
