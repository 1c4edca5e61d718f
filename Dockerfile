# syntax=docker/dockerfile:1
# sync-worker's one image: every service in docker-compose.yml runs it with its own command.
# The package and its dependencies are built as wheels in a first stage; the image that runs
# holds only them, on slim Python 3.11, as a user without privileges: no compiler, no test
# tools, no source tree.

FROM python:3.11-slim AS wheels
WORKDIR /src
COPY pyproject.toml setup.cfg README.md ./
COPY sync_worker ./sync_worker
COPY tasks ./tasks
COPY config ./config
COPY sandbox ./sandbox
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels /wheels/sync_worker-*.whl
# Beat's schedule file lives in /var/lib/sync-worker, a volume in docker-compose.yml; a named
# volume takes this directory's owner when first mounted.
RUN groupadd --system --gid 10001 sync \
    && useradd --system --uid 10001 --gid sync --no-log-init \
        --home-dir /var/lib/sync-worker --create-home --shell /usr/sbin/nologin sync
USER 10001:10001
WORKDIR /var/lib/sync-worker
CMD ["sync-worker", "--help"]
