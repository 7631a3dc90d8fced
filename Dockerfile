# Khulasa, CPU image, in two stages: the first installs everything (torch, transformers, CTranslate2) and converts the
# models; the second, the image you run, holds only what serving needs (khulasa[serve]: CTranslate2, tokenizers,
# sentencepiece; no torch, no transformers) and the converted models, in /models. It runs offline.
#   docker build -t khulasa .                                  # default models (several GB of downloads at build)
#   docker build -t khulasa --build-arg MODELS=tiny .          # tiny random-weight models (tests, smoke checks)
#   docker build -t khulasa --build-arg MODELS=none .          # no models: mount converted ones at /models
#   docker build -t khulasa --build-arg BACKEND=torch .        # the torch backend: torch in the image, checkpoints
#   docker run -p 8000:8000 khulasa
# Every Python package comes in at the version constraints.txt pins. scripts/image-check.sh builds this file with
# Podman where no registry is reachable (a Debian bookworm base made locally, torch from a local wheelhouse).
# Any base with Python 3.11 on PATH as `python` and `pip`, where pip may install, will do.
ARG BASE_IMAGE=python:3.11-slim

# ---- stage 1: the full install, which converts (or, for BACKEND=torch, fetches) the models into /models
FROM ${BASE_IMAGE} AS models

# The CPU-only wheel: the default torch build on PyPI brings several GB of CUDA libraries a CPU image never uses.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG MODELS=default
ARG BACKEND=ctranslate2
ARG KHULASA_SUMMARIZER=csebuetnlp/mT5_multilingual_XLSum
ARG KHULASA_TRANSLATOR=Helsinki-NLP/opus-mt-tc-big-ar-en

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    HF_HOME=/tmp/huggingface \
    KHULASA_CT2_CACHE=/tmp/ctranslate2

WORKDIR /app
# torch alone comes from the CPU index (without its dependencies, which that index may not carry at the pinned
# versions); the second install brings every other requirement of khulasa[full] from PyPI at its pinned version.
COPY pyproject.toml constraints.txt ./
COPY scripts/requirements.py scripts/requirements.py
RUN pip install --no-deps --index-url "${TORCH_INDEX_URL}" --constraint constraints.txt torch \
 && python scripts/requirements.py full > /tmp/requirements.txt \
 && pip install --constraint constraints.txt --requirement /tmp/requirements.txt
COPY README.md ./
COPY models/catalog.toml models/catalog.toml
COPY service service
RUN pip install --no-deps . && pip check
# MODELS=tiny: tiny random-weight checkpoints made here; default: the hub ids above, downloaded; none: nothing.
RUN set -e; mkdir -p /models; \
    if [ "${MODELS}" = "none" ]; then exit 0; fi; \
    if [ "${MODELS}" = "tiny" ]; then \
        khulasa models tiny /tmp/tiny; \
        export KHULASA_SUMMARIZER=/tmp/tiny/summarizer KHULASA_TRANSLATOR=/tmp/tiny/translator; \
    fi; \
    khulasa models export --backend "${BACKEND}" --device cpu /models; \
    rm -rf /tmp/tiny /tmp/huggingface /tmp/ctranslate2

# ---- stage 2: the runtime
FROM ${BASE_IMAGE}

ARG BACKEND=ctranslate2
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    KHULASA_BACKEND=${BACKEND} \
    KHULASA_SUMMARIZER=/models/summarizer \
    KHULASA_TRANSLATOR=/models/translator \
    KHULASA_HOST=0.0.0.0 \
    KHULASA_PORT=8000

RUN useradd --create-home --uid 10001 khulasa
WORKDIR /app

# khulasa[serve] only; BACKEND=torch adds the torch extra (torch from the CPU index, as in stage 1).
COPY pyproject.toml constraints.txt ./
COPY scripts/requirements.py scripts/requirements.py
RUN if [ "${BACKEND}" = "torch" ]; then \
        pip install --no-deps --index-url "${TORCH_INDEX_URL}" --constraint constraints.txt torch \
        && python scripts/requirements.py serve torch > /tmp/requirements.txt; \
    else python scripts/requirements.py serve > /tmp/requirements.txt; fi \
 && pip install --constraint constraints.txt --requirement /tmp/requirements.txt \
 && rm /tmp/requirements.txt
COPY README.md ./
COPY models/catalog.toml models/catalog.toml
COPY service service
RUN pip install --no-deps . && pip check
# --build-arg WITH_RAY=1: the image for Ray Serve and KubeRay (the khulasa[ray] extra, at the pinned versions).
ARG WITH_RAY=0
RUN if [ "${WITH_RAY}" = "1" ]; then pip install --no-cache-dir -c constraints.txt "ray[serve,data]>=2.40,<3"; fi

COPY --from=models /models /models
# By uid, so the host and Kubernetes' runAsNonRoot can tell it is not root without reading /etc/passwd.
USER 10001
# Baked-in weights only: never reach for the hub at run time.
ENV HF_HUB_OFFLINE=1

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"KHULASA_PORT\"]}/health', timeout=4)"]
CMD ["khulasa", "serve"]
