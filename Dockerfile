# xiaowai for production: the app alone; docker-compose.yml adds PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    XIAOWAI_VAR_DIR=/var/lib/xiaowai \
    XIAOWAI_HOST=0.0.0.0 \
    XIAOWAI_PORT=8000

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY server server
COPY schema schema
COPY web web
RUN pip install --no-cache-dir -c constraints.txt . \
    && useradd --system --home-dir /var/lib/xiaowai xiaowai \
    && mkdir -p /var/lib/xiaowai \
    && chown xiaowai /var/lib/xiaowai

USER xiaowai
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"

# Migrate and load the plan's organisation (once; later starts change
# nothing), then serve. Several workers share the one database.
CMD ["sh", "-c", "xiaowai migrate && xiaowai seed && exec xiaowai serve --workers ${XIAOWAI_WORKERS:-2}"]
