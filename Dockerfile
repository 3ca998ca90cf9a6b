# syntax=docker/dockerfile:1
# Build:  docker build -t ticket-priority .
# Run:    docker run -p 8000:8000 -v "$PWD/models:/app/models" -v "$PWD/data:/app/data" \
#           -e TP_MLFLOW_TRACKING_URI=... -e TP_API_KEYS=... ticket-priority
# The review store (predictions, agents' reviews) is SQLite in the /app/data volume unless
# TP_DATABASE_URL points at PostgreSQL; without a volume it dies with the container.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# Exactly the versions in requirements.lock (`make lock`), each checked against its hashes, so
# two builds install the same thing. It pins pip and setuptools too: the bundled ones are old
# (known CVEs) and the image ships the venv. This layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY classifier ./classifier
COPY training ./training
COPY serving ./serving
# --no-deps: nothing from outside the lock; --no-build-isolation: built with the locked
# setuptools instead of whatever is newest; pip check: the lock satisfies every requirement.
RUN /opt/venv/bin/pip install --no-deps --no-build-isolation . && /opt/venv/bin/pip check

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    TP_MODEL_CACHE_DIR=/app/models \
    TP_DATABASE_URL=sqlite:////app/data/reviews.db
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/models /app/data \
    && chown -R app:app /app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER app
VOLUME ["/app/models", "/app/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=2).status == 200 else 1)"
CMD ["ticket-priority", "serve", "--host", "0.0.0.0", "--port", "8000"]
