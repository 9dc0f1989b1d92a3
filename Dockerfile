# MultiXfer container: build with the .NET SDK, run on the ASP.NET Core runtime image (the admin API is Kestrel) as a
# non-root user. Accounts live in the state volume; manage them with `docker exec` and the same binary:
#   docker exec -it multixfer dotnet /app/MultiXfer.Server.dll accounts add alice --config /etc/multixfer/multixfer.json
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
COPY Directory.Build.props Directory.Packages.props .editorconfig MultiXfer.sln ./
COPY config ./config
COPY src ./src
RUN dotnet publish src/MultiXfer.Server -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
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
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["dotnet", "/app/MultiXfer.Server.dll", "health", "ready", "--config", "/etc/multixfer/multixfer.json"]
ENTRYPOINT ["dotnet", "/app/MultiXfer.Server.dll", "--config", "/etc/multixfer/multixfer.json"]
