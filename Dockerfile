# The helpdesk image: one image for every process of the topology (compose.yaml picks the
# sub-command: migrate, api, project, dispatch, worker, ...).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src

# Dependencies first, from pyproject.toml alone: this layer is rebuilt only when the
# dependencies change, not on every source edit. (psycopg[binary] brings its own libpq,
# so no compiler or system packages are needed.)
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write('\n'.join(deps))" \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the project itself (not editable; the source tree is removed afterwards).
COPY domain ./domain
COPY application ./application
COPY projections ./projections
COPY api ./api
COPY workers ./workers
COPY helpdesk ./helpdesk
RUN pip install --no-deps . && rm -rf /src

# An unprivileged user; var/ (the SQLite default and the e-mail outbox, both unused when
# PostgreSQL and SMTP are configured) is writable by it.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/helpdesk helpdesk \
    && mkdir -p /app/var \
    && chown -R helpdesk:helpdesk /app
WORKDIR /app
USER helpdesk

EXPOSE 8000
ENTRYPOINT ["helpdesk"]
CMD ["--help"]
