# Shared helpers for scripts/test and scripts/dev (sourced, not run).
# They install what a bare Debian/Ubuntu machine with only Swift lacks and start
# private PostgreSQL and Redis servers on loopback, without systemd.

meet_log() { printf '\033[1m[meet]\033[0m %s\n' "$*" >&2; }

# Runs a command as root: directly when we are root, else through sudo.
meet_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        meet_log "need root for: $*"; return 1; fi
}

# Installs the Debian packages named, skipping the apt run when all are present.
meet_apt_install() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    meet_log "installing: ${missing[*]}"
    meet_as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive meet_as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Prints a free TCP port on 127.0.0.1.
meet_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

meet_pg_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
    [ -n "$d" ] || { meet_log "PostgreSQL server binaries not found"; return 1; }
    echo "$d"
}

# Runs a PostgreSQL tool as the owner of the data directory (postgres when we are root).
meet_pg_run() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# meet_pg_start DIR PORT: initialises DIR when empty and starts a server on 127.0.0.1:PORT.
meet_pg_start() {
    local dir=$1 port=$2 bin
    bin=$(meet_pg_bin)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir" && chmod 700 "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
        meet_pg_run "$bin/initdb" -D "$dir" -U postgres --auth=trust >"$dir.initdb.log" 2>&1 \
            || { cat "$dir.initdb.log" >&2; return 1; }
    fi
    meet_pg_run "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=300" \
        start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
}

meet_pg_stop() {
    local dir=$1 bin
    bin=$(meet_pg_bin) || return 0
    [ -f "$dir/postmaster.pid" ] && meet_pg_run "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

# meet_redis_start DIR PORT: a throwaway Redis on 127.0.0.1:PORT.
meet_redis_start() {
    local dir=$1 port=$2
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save '' --appendonly no \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" >/dev/null
    for _ in $(seq 1 50); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    meet_log "redis did not start"; cat "$dir/redis.log" >&2; return 1
}

meet_redis_stop() {
    local dir=$1
    [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
}
