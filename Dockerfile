# Khulasa, CPU image. Models are baked in at build time; the container runs offline.
#   docker build -t khulasa .                              # default models (several GB of downloads)
#   docker build -t khulasa --build-arg DOWNLOAD_MODELS=0 .  # no weights; mount a cache or a model dir at run time
#   docker run -p 8000:8000 khulasa
FROM python:3.11-slim

ARG TORCH_VERSION=2.13.0
# The CPU-only wheel: the default torch build on PyPI brings several GB of CUDA libraries a CPU image never uses.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG DOWNLOAD_MODELS=1
ARG KHULASA_SUMMARIZER=csebuetnlp/mT5_multilingual_XLSum
ARG KHULASA_TRANSLATOR=Helsinki-NLP/opus-mt-tc-big-ar-en

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HOME=/home/khulasa/.cache/huggingface \
    KHULASA_SUMMARIZER=${KHULASA_SUMMARIZER} \
    KHULASA_TRANSLATOR=${KHULASA_TRANSLATOR} \
    KHULASA_HOST=0.0.0.0 \
    KHULASA_PORT=8000

RUN useradd --create-home --uid 10001 khulasa
WORKDIR /app

# Dependencies in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN pip install --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}" \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
    > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt

COPY README.md ./
COPY models/catalog.toml models/catalog.toml
COPY service service
RUN pip install --no-deps .
# --build-arg WITH_RAY=1: the image for Ray Serve and KubeRay (the khulasa[ray] extra); see the README.
ARG WITH_RAY=0
RUN if [ "${WITH_RAY}" = "1" ]; then pip install "ray[serve,data]>=2.40,<3"; fi

USER khulasa
RUN if [ "${DOWNLOAD_MODELS}" = "1" ]; then khulasa models download; fi
# Baked-in weights only: never reach for the hub at run time.
ENV HF_HUB_OFFLINE=1

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"KHULASA_PORT\"]}/health', timeout=4)"
CMD ["khulasa", "serve"]
