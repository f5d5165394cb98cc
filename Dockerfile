# One image for every Camille service; the command picks the service (see compose.yaml and k8s/).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY contracts contracts
COPY camille camille
COPY voice_worker voice_worker
COPY tool_runner tool_runner
COPY audit_sink audit_sink
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home /var/lib/camille camille \
 && mkdir -p /var/lib/camille && chown camille /var/lib/camille
COPY --from=build /install /usr/local
USER 10001
WORKDIR /var/lib/camille
ENV CAMILLE_DATA_DIR=/var/lib/camille PYTHONUNBUFFERED=1
ENTRYPOINT ["camille"]
