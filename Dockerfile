# Khulasa, CPU image. Models are baked in at build time; the container runs offline.
#   docker build -t khulasa .                              # default models (several GB of downloads)
#   docker build -t khulasa --build-arg DOWNLOAD_MODELS=0 .  # no weights; mount a cache or a model dir at run time
#   docker run -p 8000:8000 khulasa
# Every Python package comes in at the version constraints.txt pins. scripts/image-check.sh builds this file with
# Podman where no registry is reachable (a Debian bookworm base made locally, torch from a local wheelhouse).
# Any base with Python 3.11 on PATH as `python` and `pip`, where pip may install, will do.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

# The CPU-only wheel: the default torch build on PyPI brings several GB of CUDA libraries a CPU image never uses.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG DOWNLOAD_MODELS=1
ARG KHULASA_SUMMARIZER=csebuetnlp/mT5_multilingual_XLSum
ARG KHULASA_TRANSLATOR=Helsinki-NLP/opus-mt-tc-big-ar-en

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    HF_HOME=/home/khulasa/.cache/huggingface \
    KHULASA_SUMMARIZER=${KHULASA_SUMMARIZER} \
    KHULASA_TRANSLATOR=${KHULASA_TRANSLATOR} \
    KHULASA_HOST=0.0.0.0 \
    KHULASA_PORT=8000

RUN useradd --create-home --uid 10001 khulasa
WORKDIR /app

# Dependencies in their own layer: rebuilt only when pyproject.toml or constraints.txt changes. torch alone comes
# from the CPU index (without its dependencies, which that index may not carry at the pinned versions); the second
# install brings its dependencies and the package's from PyPI, every one at its pinned version, with the CTranslate2
# backend (the faster default on CPU; `khulasa models download` below converts the models for it).
COPY pyproject.toml constraints.txt ./
RUN pip install --no-deps --index-url "${TORCH_INDEX_URL}" --constraint constraints.txt torch \
 && python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['ctranslate2']))" \
    > /tmp/requirements.txt \
 && pip install --constraint constraints.txt --requirement /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY README.md ./
COPY models/catalog.toml models/catalog.toml
COPY service service
RUN pip install --no-deps . && pip check
# --build-arg WITH_RAY=1: the image for Ray Serve and KubeRay (the khulasa[ray] extra, at the pinned versions).
ARG WITH_RAY=0
RUN if [ "${WITH_RAY}" = "1" ]; then pip install --no-cache-dir -c constraints.txt "ray[serve,data]>=2.40,<3"; fi

# By uid, so the host and Kubernetes' runAsNonRoot can tell it is not root without reading /etc/passwd.
USER 10001
RUN if [ "${DOWNLOAD_MODELS}" = "1" ]; then khulasa models download; fi
# Baked-in weights only: never reach for the hub at run time.
ENV HF_HUB_OFFLINE=1

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"KHULASA_PORT\"]}/health', timeout=4)"]
CMD ["khulasa", "serve"]
