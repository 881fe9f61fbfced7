#!/usr/bin/env bash
# meet-healthcheck PORT [PATH]: exits 0 when http://127.0.0.1:PORT/PATH answers 200.
#
# The runtime image has no curl or wget (fewer packages, fewer CVEs), so this
# speaks just enough HTTP/1.0 over bash's /dev/tcp for container health checks
# (docker-compose.yml). Kubernetes probes do not need it: the kubelet probes
# over HTTP itself.
set -euo pipefail
port=${1:?usage: meet-healthcheck PORT [PATH]}
path=${2:-/readyz}

exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 5 status <&3 || { echo "no answer on :$port$path" >&2; exit 1; }
exec 3<&-
case "$status" in
    "HTTP/1."[01]" 200"*) exit 0 ;;
    *) echo "unhealthy: :$port$path -> ${status%$'\r'}" >&2; exit 1 ;;
esac
