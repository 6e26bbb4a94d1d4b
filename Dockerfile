# The API and job-worker image: `crm run` (the default) or `crm worker`, as a non-root user.
# Written without a Docker engine at hand: it has not been built here; build and try it first.
#   docker build -t crm .
#   docker run --rm -p 8000:8000 -e DATABASE_URL=... -e CRM_JWT_SECRET=... crm
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY server ./server
COPY schema ./schema
COPY resolvers ./resolvers
COPY authz ./authz
COPY models ./models
RUN python -m venv /opt/venv && /opt/venv/bin/pip install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    CRM_ENV=production \
    CRM_HOST=0.0.0.0 \
    CRM_PORT=8000 \
    CRM_POLICY_DIR=/app/policies \
    CRM_DATA_DIR=/tmp/crm
RUN useradd --system --uid 10001 --gid 0 --no-create-home --home-dir /app crm
COPY --from=build /opt/venv /opt/venv
# The policy files administrators edit: mount a volume or a ConfigMap over /app/policies to change
# them without a new image (every process reloads them when they change).
COPY policies /app/policies
WORKDIR /app
USER 10001
EXPOSE 8000
CMD ["crm", "run"]
