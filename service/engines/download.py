"""Prefetch checkpoints into the Hugging Face cache so the service can start offline."""

import logging
from collections.abc import Iterator

from huggingface_hub import snapshot_download
from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

from service.config import Settings, looks_like_local_path
from service.engines.catalog import find_spec, load_catalog
from service.errors import ModelLoadError

log = logging.getLogger(__name__)

# Weights in formats transformers' PyTorch path never reads.
SKIP_PATTERNS = [
    "*.h5",
    "*.msgpack",
    "*.ot",
    "tf_model*",
    "flax_model*",
    "*.onnx",
    "onnx/*",
    "rust_model*",
    "*.tflite",
]


def download_models(settings: Settings, *, every: bool = False) -> Iterator[tuple[str, str]]:
    """Yield (source, local path) per checkpoint: the configured summarizer and translator, or the whole catalog.

    Local directories are already there and are yielded as they are. HF_HOME picks the cache; with
    HF_HUB_OFFLINE=1 this only checks that the cache already holds everything. Raises ModelLoadError.
    """
    sources = list(load_catalog(settings.catalog)) if every else [settings.summarizer, settings.translator]
    revisions = {
        settings.summarizer: settings.summarizer_revision,
        settings.translator: settings.translator_revision,
    }
    for source in sources:
        if looks_like_local_path(source):
            yield source, source
            continue
        spec = find_spec(source, settings.catalog)
        revision = revisions.get(source) or (spec.revision if spec else None)
        try:
            path = snapshot_download(source, revision=revision, ignore_patterns=SKIP_PATTERNS)
        except (LocalEntryNotFoundError, HfHubHTTPError, OSError) as error:
            reason = " ".join(str(error).split())
            raise ModelLoadError(f"cannot download {source}: {reason}") from error
        yield source, path
