# MultiXfer container: build with the .NET SDK, run on the slim ASP.NET-free runtime image as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
COPY Directory.Build.props Directory.Packages.props .editorconfig MultiXfer.sln ./
COPY config ./config
COPY src ./src
RUN dotnet publish src/MultiXfer.Server -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0
RUN groupadd --system --gid 10001 multixfer \
 && useradd --system --uid 10001 --gid multixfer --home-dir /srv/multixfer --shell /usr/sbin/nologin multixfer \
 && mkdir -p /srv/multixfer/data /srv/multixfer/keys \
 && chown -R multixfer:multixfer /srv/multixfer && chmod 0700 /srv/multixfer/keys
COPY --from=build /app /app
COPY config/multixfer.container.json /etc/multixfer/multixfer.json
USER multixfer
WORKDIR /srv/multixfer
# Docker lets unprivileged processes bind ports below 1024 inside a container (ip_unprivileged_port_start=0).
EXPOSE 21 22 990 2100 50000-50199
VOLUME ["/srv/multixfer/data", "/srv/multixfer/keys"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "/app/MultiXfer.Server.dll", "--config", "/etc/multixfer/multixfer.json"]
