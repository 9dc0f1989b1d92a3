# A throwaway PostgreSQL from Debian's package for the benches that need one (sourced, run as root):
#   pg_start DIR PORT   initdb in DIR/data, listen on 127.0.0.1:PORT (socket in DIR), create database "multixfer"
#   pg_stop DIR
# Commits stay durable (fsync on), as a production database would run.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

pg_start() {
  mkdir -p "$1" && chown postgres:postgres "$1"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$1/data" -U postgres -A trust -E UTF8 --locale=C >/dev/null
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$1/data" -l "$1/server.log" -w start -o "-h 127.0.0.1 -p $2 -k $1" >/dev/null
  runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$2" -U postgres multixfer
}

pg_stop() {
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true
}
