# One image for every Camille service; the command picks the service (see compose.yaml and k8s/).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
# Production packages only: the offline kit (simulator, demo, benchmarks) and the tests stay out of the image.
COPY contracts contracts
COPY runtime runtime
COPY voice_worker voice_worker
COPY tool_runner tool_runner
COPY audit_sink audit_sink
COPY scheduling_api scheduling_api
COPY token_service token_service
COPY camille camille
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
# keys/ and phrases/: where Compose mounts the audit key and phrase volumes; a new named volume takes its owner and
# mode from the image's directory.
RUN useradd --system --uid 10001 --home /var/lib/camille camille \
 && mkdir -p /var/lib/camille/keys /var/lib/camille/phrases \
 && chown camille /var/lib/camille /var/lib/camille/keys /var/lib/camille/phrases \
 && chmod 700 /var/lib/camille/keys
COPY --from=build /install /usr/local
USER 10001
WORKDIR /var/lib/camille
ENV CAMILLE_DATA_DIR=/var/lib/camille PYTHONUNBUFFERED=1
ENTRYPOINT ["camille"]
