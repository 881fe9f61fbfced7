# Helpers for scripts/test-containers (sourced, not run): podman set up to run
# on the development and CI machines (runc, lower ulimits: see
# deploy/local-images/containers.conf), its Docker-compatible API socket for
# docker-compose, and the health checks that podman leaves to systemd.

MEET_CONTAINERS_CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/deploy/local-images/containers.conf"

# Points podman (and everything that runs it) at the project's containers.conf.
meet_podman_env() {
    export CONTAINERS_CONF="${CONTAINERS_CONF:-$MEET_CONTAINERS_CONF}"
}

# meet_podman_service_start SOCKET LOG: podman's Docker API on a unix socket,
# in the background (its pid in MEET_PODMAN_SERVICE_PID), ready when this
# returns; DOCKER_HOST points at it.
meet_podman_service_start() {
    local sock=$1 log=$2
    podman system service --time=0 "unix://$sock" >"$log" 2>&1 &
    MEET_PODMAN_SERVICE_PID=$!
    for _ in $(seq 1 100); do
        [ -S "$sock" ] && curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null || { meet_log "podman service did not start"; cat "$log" >&2; return 1; }
    export DOCKER_HOST="unix://$sock"
}

meet_podman_service_stop() {
    [ -n "${MEET_PODMAN_SERVICE_PID:-}" ] && kill "$MEET_PODMAN_SERVICE_PID" 2>/dev/null && { wait "$MEET_PODMAN_SERVICE_PID" 2>/dev/null || true; }
    MEET_PODMAN_SERVICE_PID=""
}

# meet_health_runner PROJECT: runs the health checks of the compose project's
# containers every 2 s, in the background (pid in MEET_HEALTH_RUNNER_PID).
#
# Podman schedules a container's health check with a systemd timer; these
# machines have no systemd, so without this loop no check ever runs and
# every `depends_on: condition: service_healthy` waits forever. Docker's
# engine runs the checks itself; on a machine with systemd podman does. The
# loop runs each container's own HEALTHCHECK (`podman healthcheck run`), so
# the compose file's commands, retries and start periods are what decide.
meet_health_runner() {
    local project=$1
    (
        while :; do
            for id in $(podman ps -q --filter "label=com.docker.compose.project=$project" 2>/dev/null); do
                podman healthcheck run "$id" >/dev/null 2>&1 &
            done
            wait
            sleep 2
        done
    ) &
    MEET_HEALTH_RUNNER_PID=$!
}

meet_health_runner_stop() {
    [ -n "${MEET_HEALTH_RUNNER_PID:-}" ] && kill "$MEET_HEALTH_RUNNER_PID" 2>/dev/null && { wait "$MEET_HEALTH_RUNNER_PID" 2>/dev/null || true; }
    MEET_HEALTH_RUNNER_PID=""
}
