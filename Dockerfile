# Meet: one image with the three service binaries; the container's command
# chooses the service.
#
#   docker build -t meet:local .
#   docker run --rm -e MEET_ENV=development -e MEET_HTTP_HOST=0.0.0.0 \
#       -e MEET_DATABASE_URL=postgres://... -p 8080:8080 meet:local meet-api
#
# Commands: `meet-api` (REST, :8080; `meet-api --migrate-only` applies the
# migrations and exits), `meet-ws` (signaling, :8081), `meet-sfu` (media, UDP
# :10000 plus HTTP :8090). Every setting is a MEET_* environment variable
# (docs/configuration.md). docker-compose.yml and k8s/ run this image.
#
# How the Swift runtime gets into the image: it does not need to. The build
# links the Swift standard library and Foundation statically
# (--static-swift-stdlib), so the binaries need only the Debian C libraries
# that the runtime stage installs. scripts/check-deploy checks that: it runs
# ldd on the binaries, maps every shared library to its Debian package
# (dpkg -S), and fails unless each package is installed by the runtime stage
# below (directly or as a dependency), and unless every Swift runtime library
# has a static archive in the toolchain and this file still builds with
# --static-swift-stdlib.

# The build image is Debian 12 (bookworm), the same release as the runtime
# image, so the libraries linked against are the ones installed at run time.
# The Swift version matches the toolchain the project is developed with (6.3).
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build

RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends \
        pkg-config libhiredis-dev libsrtp2-dev libssl-dev libavformat-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first: this layer is reused until Package.swift or
# Package.resolved changes (Package.resolved is optional: it is not committed).
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve

COPY . .

RUN swift build -c release --static-swift-stdlib --product meet-api \
    && swift build -c release --static-swift-stdlib --product meet-ws \
    && swift build -c release --static-swift-stdlib --product meet-sfu \
    && swift build -c release --static-swift-stdlib --product meet-recorder \
    && BIN="$(swift build -c release --show-bin-path)" \
    && mkdir -p /staging/bin /staging/Web \
    && cp "$BIN/meet-api" "$BIN/meet-ws" "$BIN/meet-sfu" "$BIN/meet-recorder" /staging/bin/ \
    # Swift's crash reporter, so a crash prints a symbolicated backtrace.
    && cp /usr/libexec/swift/linux/swift-backtrace-static /staging/bin/ \
    # The browser client (static files, no build step) once it exists.
    && if [ -d Web ]; then cp -R Web/. /staging/Web/; fi

# ---------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime

# Only what the binaries link to (checked by scripts/check-deploy) plus
# CA certificates (TLS to a managed PostgreSQL) and time-zone data.
#   libhiredis0.14  RESP parsing (every service)
#   libssl3         OpenSSL 3: DTLS (meet-sfu)
#   libsrtp2-1      SRTP (meet-sfu); pulls in libnss3/libnspr4, which it links
#   libavformat59   the WebM/Matroska muxer (meet-recorder; no transcoding)
#   ffmpeg          the binary meet-recorder runs after a stop to make a
#                   recording's composite MP4 (MEET_RECORDING_COMPOSITE)
#   libstdc++6, libgcc-s1, libc6  C/C++ runtime that statically linked Swift still uses
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends \
        ca-certificates \
        tzdata \
        libc6 \
        libgcc-s1 \
        libstdc++6 \
        libhiredis0.14 \
        libssl3 \
        libsrtp2-1 \
        libavformat59 \
        ffmpeg \
    && rm -rf /var/lib/apt/lists/*

# A fixed numeric user, so Kubernetes' runAsNonRoot can verify it.
RUN groupadd --system --gid 10001 meet \
    && useradd --system --uid 10001 --gid meet --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin meet \
    # meet-recorder's MEET_RECORDING_DIR in docker-compose.yml: a new named
    # volume mounted here takes this owner, so the recorder can write to it.
    && mkdir -p /var/lib/meet/recordings && chown -R 10001:10001 /var/lib/meet

COPY --from=build /staging/bin/ /usr/local/bin/
COPY --from=build /staging/Web/ /app/Web/
COPY deploy/healthcheck.sh /usr/local/bin/meet-healthcheck

WORKDIR /app
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/bin/swift-backtrace-static

USER 10001:10001

# meet-api, meet-ws, meet-sfu HTTP; meet-sfu media.
EXPOSE 8080 8081 8090 10000/udp

CMD ["meet-api"]
