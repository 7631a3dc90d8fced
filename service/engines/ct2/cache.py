"""Where a converted model is, converting it first when the full install can and it is not cached.

- A directory holding a converted model (`model.bin` and `khulasa.json`) is served as it is: the runtime image
  points KHULASA_SUMMARIZER and KHULASA_TRANSLATOR at such directories.
- Otherwise the checkpoint (hub id at a revision, or a local directory) is looked up in the cache,
  `<cache>/<model>--<revision>--<quantization>`, beside the Hugging Face cache (`$HF_HOME/khulasa-ctranslate2`)
  unless KHULASA_CT2_CACHE names another place, and converted into it when absent: in a child process, so a server
  never holds the converter's fp32 model nor imports torch or transformers itself.
- With the runtime install only (no transformers, no hub client) a hub id's newest cached conversion serves; when
  there is none, one line says how to convert.
"""

import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path

from service.config import Settings, looks_like_local_path
from service.engines.catalog import ModelSpec
from service.engines.ct2.tokens import SPEC_FILE, read_spec
from service.errors import ConfigError, ModelLoadError

# Hugging Face model types CTranslate2's converter handles that the catalog's four families use.
SUPPORTED_MODEL_TYPES = frozenset({"mt5", "t5", "marian", "mbart", "m2m_100", "nllb-moe"})
_NO_BF16_OR_FP16 = {"t5", "mt5", "umt5"}
_HOW_TO_CONVERT = (
    "convert it with the full install (pip install 'khulasa[full]', then `khulasa models download`), "
    "or point the setting at a converted directory"
)


def installed() -> bool:
    """Whether the ctranslate2 package can be imported."""
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return False
    return True


def _importable(name: str) -> bool:
    """Whether `import name` would find the package, without importing it."""
    if name in sys.modules:
        return sys.modules[name] is not None  # None: imports of it are blocked
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def can_convert() -> bool:
    """Whether this install can convert checkpoints (transformers and torch present)."""
    return _importable("transformers") and _importable("torch")


def cache_root(settings: Settings) -> Path:
    """Where converted models live: KHULASA_CT2_CACHE, else `$HF_HOME/khulasa-ctranslate2`."""
    if settings.ct2_cache is not None:
        return settings.ct2_cache
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return Path(os.environ.get("HF_HOME") or cache_home / "huggingface").expanduser() / "khulasa-ctranslate2"


def compute_type(device: str, model_type: str, quantize: str) -> str:
    """int8 on CPU (float32 with KHULASA_QUANTIZE=none); on CUDA float16, or bfloat16 for the T5 family (NaNs in
    float16), with int8 weights when KHULASA_QUANTIZE=int8."""
    if device == "cpu":
        return "float32" if quantize == "none" else "int8"
    half = "bfloat16" if model_type in _NO_BF16_OR_FP16 else "float16"
    return f"int8_{half}" if quantize == "int8" else half


def is_converted(directory: Path) -> bool:
    """Whether `directory` holds a converted model this version serves."""
    return (directory / "model.bin").is_file() and read_spec(directory) is not None


def _fingerprint(directory: Path) -> str:
    """A local checkpoint's identity: the names, sizes and modification times of its files."""
    digest = hashlib.sha256(str(directory.resolve()).encode())
    for path in sorted(directory.iterdir()):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


def _snapshot(source: str, revision: str | None) -> tuple[Path, str] | None:
    """The checkpoint's local directory and its revision key (a hub commit, or a local fingerprint); None when the
    hub client is not installed (the runtime install)."""
    if looks_like_local_path(source):
        directory = Path(source).expanduser()
        return directory, "local-" + _fingerprint(directory)
    if not _importable("huggingface_hub"):
        return None
    from huggingface_hub import snapshot_download

    from service.engines.download import SKIP_PATTERNS

    try:
        path = Path(snapshot_download(source, revision=revision, ignore_patterns=SKIP_PATTERNS))
    except Exception as error:  # noqa: BLE001 - the hub client raises many kinds
        raise ModelLoadError(f"cannot load model {source}: {' '.join(str(error).split())}") from error
    return path, path.name  # snapshots/<commit>


def converted_path(root: Path, source: str, revision_key: str, quantization: str) -> Path:
    """The cache directory of one conversion: keyed by model, revision and quantization."""
    name = Path(source).expanduser().name if looks_like_local_path(source) else source.replace("/", "--")
    return root / f"{name}--{revision_key}--{quantization}"


def _cached_any_revision(root: Path, source: str, kind: str) -> Path | None:
    """The newest cached conversion of hub id `source` at quantization `kind`, whatever its revision."""
    prefix = source.replace("/", "--") + "--"
    found = [path for path in root.glob(f"{prefix}*--{kind}") if is_converted(path)]
    return max(found, key=lambda path: path.stat().st_mtime) if found else None


def _cached(
    settings: Settings, source: str, spec: ModelSpec | None, device: str, *, required: bool
) -> tuple[Path, str, str] | None:
    """The newest cached conversion of hub id `source` for this device and quantization; with `required`, a
    ConfigError saying how to convert when there is none."""
    kind = compute_type(device, spec.family if spec else "", settings.quantize)
    cached = _cached_any_revision(cache_root(settings), source, kind)
    if cached is None:
        if required:
            raise ConfigError(f"no converted model for {source} in {cache_root(settings)}: {_HOW_TO_CONVERT}")
        return None
    return cached, cached.name.split("--")[-2], kind


def _model_type(directory: Path, source: str) -> str:
    try:
        return str(json.loads((directory / "config.json").read_text(encoding="utf-8"))["model_type"])
    except (OSError, ValueError, KeyError) as error:
        raise ModelLoadError(f"cannot load model {source}: no readable config.json with a model_type") from error


def ensure_converted(settings: Settings, role: str, spec: ModelSpec | None) -> tuple[Path, str, str]:
    """(converted directory, revision key, compute type) of the role's model, converting it when not cached.
    Raises ConfigError or ModelLoadError with one line (how to convert, where conversion is not possible here)."""
    from service.engines.ct2.runtime import device_of

    source: str = getattr(settings, role)
    device = device_of(settings)
    if looks_like_local_path(source) and is_converted(Path(source).expanduser()):
        converted = Path(source).expanduser()
        model_type = str((read_spec(converted) or {})["model_type"])
        return converted, "converted", compute_type(device, model_type, settings.quantize)
    revision = getattr(settings, f"{role}_revision") or (spec.revision if spec else None)
    try:
        snapshot = _snapshot(source, revision)
    except ModelLoadError:
        # The checkpoint is not at hand (offline, never downloaded): a cached conversion of it still serves. The
        # full install says why the checkpoint failed; the runtime install says how to convert.
        cached = _cached(settings, source, spec, device, required=not can_convert())
        if cached is None:
            raise
        return cached
    if snapshot is None:  # the runtime install: no hub client, or no checkpoint to convert from
        found = _cached(settings, source, spec, device, required=True)
        assert found is not None
        return found
    directory, revision_key = snapshot
    model_type = _model_type(directory, source)
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise ConfigError(f"{source}: the ctranslate2 backend has no converter for {model_type} models")
    kind = compute_type(device, model_type, settings.quantize)
    target = converted_path(cache_root(settings), source, revision_key, kind)
    if not is_converted(target):
        if not can_convert():
            raise ConfigError(f"{source} is not converted for CTranslate2 in {target.parent}: {_HOW_TO_CONVERT}")
        _drop_stale(target)
        _convert_in_child(source, directory, target, kind, spec.src_lang if spec else None)
    return target, revision_key, kind


def _drop_stale(target: Path) -> None:
    """A conversion from before specs were written is converted again."""
    import shutil

    if (target / "model.bin").is_file() and not (target / SPEC_FILE).is_file():
        shutil.rmtree(target, ignore_errors=True)


def _convert_in_child(source: str, directory: Path, target: Path, quantization: str, src_lang: str | None) -> None:
    """Convert in a process of its own: the converter holds the whole fp32 model in torch, and a server's memory
    should never carry that peak (nor the torch it imports)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(_convert, source, directory, target, quantization, src_lang).result()


def _convert(source: str, directory: Path, target: Path, quantization: str, src_lang: str | None) -> Path:
    # Runs in the child: only it imports the converter (transformers, torch).
    from service.engines.converter import convert

    return convert(source, directory, target, quantization, src_lang)
