# Shared by the benchmark scripts: a private PostgreSQL and Redis (like
# scripts/test), debug binaries unless MEET_BIN_DIR names some, then one
# Python benchmark from scripts/bench with the script's arguments.
#
#   source scripts/lib/bench.sh; meet_bench_run scripts/bench/x.py "$@"
meet_bench_run() {
    local program=$1
    shift
    [ -x .venv/bin/python ] || { meet_log "run scripts/test once first (it creates .venv)"; exit 1; }
    MEET_BENCH_WORK=$(mktemp -d /tmp/meet-bench.XXXXXX)
    chmod 755 "$MEET_BENCH_WORK"
    trap meet_bench_cleanup EXIT INT TERM

    local pg_port redis_port
    pg_port=$(meet_free_port)
    redis_port=$(meet_free_port)
    meet_pg_start "$MEET_BENCH_WORK/pg" "$pg_port"
    meet_pg_run "$(meet_pg_bin)/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres meet_bench
    meet_redis_start "$MEET_BENCH_WORK/redis" "$redis_port"
    export MEET_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/meet_bench"
    export MEET_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
    # Benchmarks that take a dependency away (bench-outages) restart these.
    export MEET_TEST_PG_DIR="$MEET_BENCH_WORK/pg" MEET_TEST_REDIS_DIR="$MEET_BENCH_WORK/redis"

    # MEET_BIN_DIR set: use those binaries as they are (no build).
    if [ -z "${MEET_BIN_DIR:-}" ]; then
        swift build 2>&1 | tail -1
        export MEET_BIN_DIR="$(swift build --show-bin-path)"
    fi
    .venv/bin/python "$program" "$@"
}

meet_bench_cleanup() {
    local rc=$?
    set +e
    meet_redis_stop "$MEET_BENCH_WORK/redis"
    meet_pg_stop "$MEET_BENCH_WORK/pg"
    rm -rf "$MEET_BENCH_WORK"
    exit $rc
}
