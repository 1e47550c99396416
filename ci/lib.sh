# Shared helpers for ci/ scripts (sourced, not run).

# The signed query string of a Pusher HTTP API or control API request, with the CI config's
# app (RH_APP_KEY, RH_APP_SECRET; default app-key, app-secret).
#   sign METHOD PATH BODY [EXTRA_QUERY]    (EXTRA_QUERY: a=b&c=d, signed with the rest)
sign() {
    local method=$1 path=$2 body=$3 extra=${4:-} q sig
    q="auth_key=${RH_APP_KEY:-app-key}&auth_timestamp=$(date +%s)&auth_version=1.0"
    [ -n "$body" ] && q="$q&body_md5=$(printf '%s' "$body" | openssl dgst -md5 -r | cut -d' ' -f1)"
    [ -n "$extra" ] && q="$q&$extra"
    q=$(printf '%s' "$q" | tr '&' '\n' | LC_ALL=C sort | paste -sd'&' -)
    sig=$(printf '%s\n%s\n%s' "$method" "$path" "$q" |
        openssl dgst -sha256 -hmac "${RH_APP_SECRET:-app-secret}" -r | cut -d' ' -f1)
    printf '%s&auth_signature=%s' "$q" "$sig"
}

# Checks that count failures in FAILS (the caller sets FAILS=0 and exits on it).
ok() { printf '  ok   %s\n' "$*"; }
bad() {
    printf '  FAIL %s\n' "$*"
    FAILS=$((FAILS + 1))
}
# check NAME GOT WANT: exact match
check() { if [ "$2" == "$3" ]; then ok "$1"; else bad "$1: got [$2], want [$3]"; fi; }
# has NAME HAYSTACK NEEDLE: substring
has() { if [[ "$2" == *"$3"* ]]; then ok "$1"; else bad "$1: [$2] lacks [$3]"; fi; }

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
    pkg-config --exists libwebsockets libcjson hiredis cmocka libuv liburing 2>/dev/null || return 0
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
    command -v dh >/dev/null 2>&1 || return 0
    command -v lintian >/dev/null 2>&1 || return 0
    command -v pyflakes3 >/dev/null 2>&1 || return 0
    python3 -c 'import yaml' 2>/dev/null || return 0
    compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a' >/dev/null || return 0
    return 1
}

# Starts a redis-server on a free loopback port with its own temporary directory.
#   start_redis VAR_PREFIX [extra redis-server args...]   (default: no persistence)
# Sets ${PREFIX}_PID, ${PREFIX}_PORT, ${PREFIX}_URL (redis://127.0.0.1:PORT/0) and
# ${PREFIX}_DIR. The port is picked by binding port 0 first; a lost race is retried.
start_redis() {
    local prefix=$1
    shift
    local dir port pid try i
    dir=$(mktemp -d)
    for try in 1 2 3 4 5; do
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
            --logfile "$dir/redis.log" "$@" >/dev/null 2>&1 &
        pid=$!
        for i in $(seq 1 100); do
            if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
                printf -v "${prefix}_PID" '%s' "$pid"
                printf -v "${prefix}_PORT" '%s' "$port"
                printf -v "${prefix}_URL" 'redis://127.0.0.1:%s/0' "$port"
                printf -v "${prefix}_DIR" '%s' "$dir"
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    echo "redis-server did not start (see $dir/redis.log)" >&2
    return 1
}

stop_redis() {
    local pid=$1 dir=${2:-}
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    [ -n "$dir" ] && rm -rf "$dir"
    return 0
}

# Runs a command with RH_TEST_REDIS_URL pointing at a fresh redis-server (the Redis variants
# of the store unit tests need it).
with_redis() {
    local R_PID R_PORT R_URL R_DIR rc
    start_redis R || return 1
    RH_TEST_REDIS_URL=$R_URL "$@"
    rc=$?
    stop_redis "$R_PID" "$R_DIR"
    return $rc
}
