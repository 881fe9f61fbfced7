#!/bin/bash
# As the official redis image: `redis-server` with flags but no config file
# runs with protected mode off, as the redis user.
set -euo pipefail
if [ "${1:-}" = redis-server ]; then
    shift
    case "${1:-}" in *.conf) ;; *) set -- --protected-mode no "$@" ;; esac
    exec setpriv --reuid=redis --regid=redis --init-groups redis-server "$@"
fi
exec "$@"
