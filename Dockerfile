# Repono application image: web (gunicorn), Celery worker/beat and one-shot
# management commands all run from it. See docs/operations.md.
FROM python:3.11-slim

# WEB_CONCURRENCY: gunicorn reads it itself as its default --workers.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_CONCURRENCY=3

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. Every runtime
# dependency is pinned in requirements.txt and installs from a wheel on
# linux/amd64 (no compiler here). jsonschema-rs has no linux/arm64 wheel of the
# pinned version, so build for linux/amd64 (docker-compose.yml says so).
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# The code stays owned by root (read-only to the app); the unprivileged
# runtime user owns only /data (REPONO_DATA_DIR: beat schedule and the like)
# and /app/static (STATIC_ROOT, shared with nginx through a volume).
COPY . .
RUN groupadd --system --gid 10001 repono \
    && useradd --system --uid 10001 --gid repono --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin repono \
    && mkdir -p /data /app/static \
    && chown repono:repono /data /app/static

USER repono

# Static files are collected into the image. Settings need a SECRET_KEY to
# load; this dummy key, the embedded profile and the throwaway data directory
# exist for this one step only and are not in the image's environment.
RUN REPONO_ENV=embedded SECRET_KEY=collectstatic-build-only-not-a-secret \
    REPONO_DATA_DIR=/tmp/build-data STATIC_ROOT=/app/static \
    python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-data

ENV REPONO_DATA_DIR=/data \
    STATIC_ROOT=/app/static

EXPOSE 8000

# Workers come from WEB_CONCURRENCY (gunicorn's own variable); threads let a
# worker keep serving while another request streams a large upload.
CMD ["gunicorn", "repository.wsgi", "--bind", "0.0.0.0:8000", "--threads", "4", "--timeout", "120", "--access-logfile", "-"]
