# The playground as one Streamlit process per container; run several behind nginx with deploy/compose.yaml.
#   docker build -t nn-playground .
#   docker run --rm -p 8501:8501 nn-playground        # one process, open http://localhost:8501
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

# The app, its settings (.streamlit/config.toml) and its assets; .dockerignore leaves tests, benchmarks, git out.
COPY . .
# Compiled now: deploy/compose.yaml mounts the filesystem read-only, where Python could not cache them.
RUN python -m compileall -q /app
RUN useradd --create-home --uid 10001 playground
USER playground

EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2)"
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
