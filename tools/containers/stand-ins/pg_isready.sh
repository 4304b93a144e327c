#!/bin/sh
# pg_isready for the postgres stand-in (the npm package has no client programs; the compose health
# check calls `pg_isready -U kaa -d kaa`, whose options this ignores): ready when the postmaster
# wrote "ready" into postmaster.pid (what pg_ctl -w waits for: it then accepts connections).
pidfile="${PGDATA:-/var/lib/postgresql/data}/postmaster.pid"
[ -f "$pidfile" ] || { echo 'no server running'; exit 2; }
[ "$(sed -n 8p "$pidfile" | tr -d ' ')" = ready ] || { echo 'rejecting connections'; exit 1; }
echo 'accepting connections'
