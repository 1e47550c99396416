# Shared helpers for ci/ scripts (sourced, not run).

# Starts a rehome-server in the background on a free port.
#   start_server VAR_PREFIX COMMAND [args...]
# COMMAND is the server binary, or a wrapper and its arguments followed by the binary
# (valgrind ... build/reference/rehome-server); --port 0 --port-file F are appended.
# Sets ${PREFIX}_PID and ${PREFIX}_URL. The server writes its port to a file, so there is
# no race on picking a port.
start_server() {
    local prefix=$1 bin=$2
    shift
    local pf
    pf=$(mktemp)
    rm -f "$pf"
    "$@" --port 0 --port-file "$pf" 2>>"${RH_SERVER_LOG:-/dev/null}" &
    local pid=$!
    local i
    for i in $(seq 1 200); do
        if [ -s "$pf" ]; then break; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "server $bin $* exited at start" >&2
            return 1
        fi
        sleep 0.05
    done
    if [ ! -s "$pf" ]; then
        echo "server $bin did not report its port" >&2
        kill "$pid" 2>/dev/null || true
        return 1
    fi
    printf -v "${prefix}_PID" '%s' "$pid"
    printf -v "${prefix}_URL" 'http://127.0.0.1:%s' "$(cat "$pf")"
    rm -f "$pf"
}

stop_server() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

need_setup() {
    command -v meson >/dev/null 2>&1 || return 0
    pkg-config --exists libwebsockets libcjson hiredis cmocka libuv 2>/dev/null || return 0
    command -v valgrind >/dev/null 2>&1 || return 0
    command -v redis-server >/dev/null 2>&1 || return 0
    command -v node >/dev/null 2>&1 || return 0
    command -v clang-format >/dev/null 2>&1 || return 0
    command -v python3 >/dev/null 2>&1 || return 0
    command -v jq >/dev/null 2>&1 || return 0
    command -v curl >/dev/null 2>&1 || return 0
    command -v npm >/dev/null 2>&1 || return 0
    command -v gcovr >/dev/null 2>&1 || return 0
    command -v chromium >/dev/null 2>&1 || return 0
    command -v clang >/dev/null 2>&1 || return 0
    command -v cppcheck >/dev/null 2>&1 || return 0
    compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a' >/dev/null || return 0
    return 1
}
