# A slim, non-root image running any of the service's processes:
#   docker run IMAGE serve | worker | scheduler | db upgrade
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY application ./application
COPY adapters ./adapters
COPY entrypoints ./entrypoints
COPY sandbox ./sandbox
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MELI_HOST=0.0.0.0 \
    MELI_DATA_DIR=/data
RUN useradd --create-home --uid 10001 meli \
    && mkdir -p /data && chown meli:meli /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY alembic.ini ./
USER meli
EXPOSE 8012
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8012/health', timeout=4)" || exit 1
ENTRYPOINT ["meli"]
CMD ["serve"]
