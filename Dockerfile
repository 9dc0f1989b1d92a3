# MultiXfer container: build with the .NET SDK, run on the ASP.NET Core runtime image (the admin API is Kestrel) as the
# unprivileged uid/gid 10001. Accounts live in the state volume; manage them with `docker exec` and the same binary:
#   docker exec -it multixfer dotnet /app/MultiXfer.Server.dll accounts add alice --config /etc/multixfer/multixfer.json
# Run it (docker stop waits 10 s by default; give transfers the server's 30 s shutdown grace and some):
#   docker run -d --name multixfer --stop-timeout 45 -p 21:21 -p 990:990 -p 2222:22 -p 2100:2100 \
#     -p 50000-50199:50000-50199 -e MULTIXFER__Ftp__PassiveAddress=<address clients reach> \
#     -v multixfer-data:/srv/multixfer/data -v multixfer-keys:/srv/multixfer/keys -v multixfer-state:/srv/multixfer/state multixfer
# Environment overrides: any key as MULTIXFER__Section__Key (Ftp__PassiveAddress, Accounts__Provider=postgresql with
# Accounts__ConnectionString, Admin__Address=0.0.0.0 for probes from outside, Logging__Format=json).
#
# Base: aspnet (Debian) with a framework-dependent publish. runtime-deps with a self-contained publish carries the
# same runtime and ASP.NET Core inside the app instead (measured: see README, "Container and deploy"), so it saves nothing;
# trimming is not safe here (configuration binding, Serilog's configuration reader and OpenAPI reflect over types).
# The chiseled variants would save the shell and coreutils, which operators and the container tests use through
# docker exec.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
COPY Directory.Build.props Directory.Packages.props .editorconfig MultiXfer.sln ./
COPY config ./config
COPY src ./src
# For the image's architecture only (BuildKit sets TARGETARCH: amd64, arm64): without it the publish carries every
# platform's native SQLite and libsodium builds, 62 MB of app instead of 15 MB.
ARG TARGETARCH
RUN dotnet publish src/MultiXfer.Server -c Release -a $TARGETARCH -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# The build passes what it knows: docker build --build-arg VERSION=1.2.0 --build-arg REVISION=$(git rev-parse HEAD) .
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="MultiXfer" \
      org.opencontainers.image.description="FTP, FTPS, SFTP (v3-6) and SCP from one process, with an admin API, metrics and audit logs" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION"
RUN groupadd --system --gid 10001 multixfer \
 && useradd --system --uid 10001 --gid multixfer --home-dir /srv/multixfer --shell /usr/sbin/nologin multixfer \
 && mkdir -p /srv/multixfer/data /srv/multixfer/keys /srv/multixfer/state \
 && chown -R multixfer:multixfer /srv/multixfer && chmod 0700 /srv/multixfer/keys /srv/multixfer/state
COPY --from=build /app /app
COPY config/multixfer.container.json /etc/multixfer/multixfer.json
USER 10001:10001
WORKDIR /srv/multixfer
# Docker lets unprivileged processes bind ports below 1024 inside a container (ip_unprivileged_port_start=0).
EXPOSE 21 22 990 2100 50000-50199
VOLUME ["/srv/multixfer/data", "/srv/multixfer/keys", "/srv/multixfer/state"]
STOPSIGNAL SIGTERM
# /readyz on the admin listener (127.0.0.1:2180 inside the container): listeners bound, storage writable, account
# store reachable, certificates and host keys loaded. The runtime image has no curl; the server's own CLI asks.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --start-interval=2s --retries=3 \
  CMD ["dotnet", "/app/MultiXfer.Server.dll", "health", "ready", "--config", "/etc/multixfer/multixfer.json"]
ENTRYPOINT ["dotnet", "/app/MultiXfer.Server.dll", "--config", "/etc/multixfer/multixfer.json"]
