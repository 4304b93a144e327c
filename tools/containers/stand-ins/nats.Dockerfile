# Stands in for nats:2.10-alpine where no registry can be reached (CI here, tools/containers/compose-smoke.mjs):
# this machine's nats-server with the libraries it links, and busybox for the compose health check's
# wget. stand-ins.mjs fills the build context's rootfs/ and tags the image nats:2.10-alpine.
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/bin
LABEL org.kaa.stand-in="nats"
EXPOSE 4222 8222
# The official image's entrypoint runs nats-server with the command's flags, as this one does.
ENTRYPOINT ["/usr/local/bin/nats-server"]
CMD ["-js"]
