# imgorigin: one image for every role (single node, render node, control node); settings come from
# IMGORIGIN_* environment variables (docs/deploy.md). libvips ships inside the pyvips-binary wheel,
# so the runtime stage needs no compiler and no system image libraries.
#
#   docker build -t imgorigin .                                        # with background removal
#   docker build -t imgorigin --build-arg WITH_BACKGROUND_REMOVAL=0 .  # without: ~570 MB fewer packages
#
# The process runs as uid/gid 10001 (--build-arg IMGORIGIN_UID=... to change it). A bind-mounted data
# directory must belong to that uid: sudo chown -R 10001:10001 /srv/imgorigin

FROM python:3.11-slim-bookworm AS build
# The bg extra (rembg, onnxruntime, and through them numba, scipy, scikit-image) and its model.
ARG WITH_BACKGROUND_REMOVAL=1
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/imgorigin/venv
ENV PATH=/opt/imgorigin/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY imgorigin ./imgorigin
# The model is fetched now, at build time, and checksummed: never at serve time. Each worker loads it
# at start-up (IMGORIGIN_BG_REMOVAL_WARM), so the first removal costs what the next ones do.
RUN if [ "$WITH_BACKGROUND_REMOVAL" = 1 ]; then \
        pip install ".[bg]" && imgorigin models install --dir /opt/imgorigin/models; \
    else \
        pip install . && mkdir -p /opt/imgorigin/models; \
    fi

FROM python:3.11-slim-bookworm
ARG IMGORIGIN_UID=10001
ENV PATH=/opt/imgorigin/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    IMGORIGIN_DATA_DIR=/var/lib/imgorigin \
    IMGORIGIN_MODEL_DIR=/opt/imgorigin/models
RUN groupadd --system --gid "$IMGORIGIN_UID" imgorigin \
    && useradd --system --uid "$IMGORIGIN_UID" --gid imgorigin --home-dir /var/lib/imgorigin \
       --shell /usr/sbin/nologin imgorigin \
    && install -d -o imgorigin -g imgorigin -m 0700 /var/lib/imgorigin
COPY --from=build /opt/imgorigin /opt/imgorigin
USER imgorigin
WORKDIR /var/lib/imgorigin
# SQLite, the derived-image cache, local originals and generated secrets. On render nodes with S3 this
# holds only the cache and can be an emptyDir/tmpfs.
VOLUME ["/var/lib/imgorigin"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
# Workers default to the host's CPU count, which a container quota may not match: pass --workers N.
CMD ["imgorigin", "serve", "--host", "0.0.0.0", "--port", "8080"]
