extension Corpus {
    /// Heredocs: plain, tab-stripped, quoted, with a program, several on one line, fd.
    static let heredocs = #"""
# syntax=docker/dockerfile:1
FROM alpine:3.19
ENV GREETING=hello
RUN <<EOF
apk add --no-cache curl
echo "$GREETING" > /greeting
EOF
RUN <<-EOT
	echo indented
		echo twice
	EOT
RUN python3 <<'PY'
print("no $EXPANSION here")
PY
COPY <<EOF /etc/motd
Welcome, $GREETING
EOF
COPY <<-'CONF' /etc/app.conf
	key = $NOT_EXPANDED
CONF
COPY <<one.txt <<two.txt /srv/
first
one.txt
second
two.txt
RUN 3<<EOF cat /dev/fd/3
from fd three
EOF
RUN --mount=type=secret,id=token <<EOF
#!/bin/sh
set -e
cat /run/secrets/token
EOF
RUN ["echo", "<<NOT-A-HEREDOC"]
CMD ["cat", "/greeting"]
"""#

    /// ARG scoping as in the Dockerfile reference.
    static let argScoping = #"""
ARG  CODE_VERSION=latest
ARG  BASE=busybox
FROM ${BASE}:${CODE_VERSION} AS first
ARG CODE_VERSION
ARG USER=some_user
RUN echo $CODE_VERSION $USER
ENV USER=env_user
RUN echo $USER

FROM ${BASE} AS second
RUN echo "CODE_VERSION not visible: $CODE_VERSION"
ARG USER
ARG EMPTY=
ARG QUOTED="a b"
ENV BOTH="$USER|$QUOTED|${EMPTY:-none}"
"""#

    /// Exec-form quirks: spacing, invalid JSON falling back to shell form, empty arrays.
    static let jsonQuirks = #"""
FROM busybox
CMD [ "echo" , "hello world" ]
RUN ["sh", "-c", "echo a"] trailing words make this shell form
RUN [not json]
ENTRYPOINT []
VOLUME ["/a", "/b c"]
COPY ["file with spaces.txt", "/dest dir/"]
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN [ "echo", "\u00e9\t\"q\"" ]
CMD echo "shell form" && exit 0
"""#

    /// HEALTHCHECK variants.
    static let healthchecks = #"""
FROM redis:7
HEALTHCHECK NONE
HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --start-interval=1s --retries=5 CMD ["redis-cli", "ping"]
HEALTHCHECK CMD redis-cli ping || exit 1
HEALTHCHECK --interval=0s CMD true
"""#

    /// ADD variants.
    static let addVariants = #"""
FROM debian:bookworm-slim
ADD https://example.com/releases/tool-1.2.3.tar.gz /opt/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/f.bin /f.bin
ADD --keep-git-dir=true https://github.com/example/repo.git#v1.0 /src
ADD --link --chmod=755 --chown=1000:1000 rootfs.tar.xz /
ADD --unpack=false archive.tar /archives/
ADD *.conf /etc/app/
"""#

    /// CRLF line endings, a BOM, comments between continuation lines, an empty
    /// continuation line (warning), trailing whitespace after the backslash.
    static let crlfAndWarnings =
        "\u{FEFF}FROM alpine\r\n" +
        "# comment\r\n" +
        "RUN echo one \\  \r\n" +
        "  # a comment inside the continuation\r\n" +
        "\r\n" +
        "  two\r\n" +
        "LABEL a=b\r\n"
}
