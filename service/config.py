"""The one Settings object. Environment variables (prefix KHULASA_) and CLI flags both fill it."""

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# KHULASA_SUMMARIZER=extractive: no summarizer model; summaries are the sections' own sentences.
EXTRACTIVE = "extractive"
# A hub id is "name" or "owner/name"; anything else is taken as a local path.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def looks_like_local_path(source: str) -> bool:
    """True when `source` names a directory on disk rather than a Hugging Face hub id."""
    if source.startswith(("/", "./", "../", "~", "\\")) or Path(source).expanduser().exists():
        return True
    return not _HUB_ID.match(source)


class Settings(BaseSettings):
    """Configuration of the service, the CLI and the benchmarks. Validated when constructed."""

    model_config = SettingsConfigDict(env_prefix="KHULASA_", extra="ignore")

    summarizer: str = "csebuetnlp/mT5_multilingual_XLSum"
    translator: str = "Helsinki-NLP/opus-mt-tc-big-ar-en"
    # The summary a /summarize request gets when it names none: "abstractive" (the summarizer model writes it) or
    # "extractive" (1 to 3 of the section's own sentences, no model). None: abstractive, unless there is no model.
    summary: Literal["abstractive", "extractive"] | None = None
    summarizer_revision: str | None = None
    translator_revision: str | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # Which inference library runs the models: "auto" = CTranslate2 when it is installed, else torch.
    backend: Literal["auto", "torch", "ctranslate2"] = "auto"
    # Converted CTranslate2 models; None = beside the Hugging Face cache ($HF_HOME/khulasa-ctranslate2).
    ct2_cache: Path | None = None
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    # int8 dynamic quantization of linear layers; "auto" = int8 on CPU, none on CUDA.
    quantize: Literal["auto", "none", "int8"] = "auto"
    # "arabic": the summarizer's output head keeps only the tokens Arabic output can use (faster, smaller).
    summarizer_output_vocab: Literal["arabic", "full"] = "arabic"
    # Generation settings that override the catalog's, e.g. {"num_beams": 2}.
    summarizer_generate: dict[str, Any] = Field(default_factory=dict)
    translator_generate: dict[str, Any] = Field(default_factory=dict)
    summarizer_max_input_tokens: int | None = Field(default=None, ge=16)
    translator_max_input_tokens: int | None = Field(default=None, ge=16)
    catalog: Path | None = None

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    max_body_bytes: int = Field(default=200_000, ge=1_000)
    # Requests allowed to wait while one is being computed; past that the service answers 429.
    max_queue: int = Field(default=16, ge=0)
    # Requests that arrive together share one batched `generate` per stage (cross-request micro-batching).
    max_batch: int = Field(default=8, ge=1, le=64)
    batch_window_ms: float = Field(default=5.0, ge=0, le=1_000)
    # Time budget of one inference request, queueing included: past it the answer is 504 and the work stops.
    request_timeout_s: float = Field(default=120.0, gt=0)
    # Intra-op threads for torch; None = the CPUs this process may use (affinity and cgroup quota).
    threads: int | None = Field(default=None, ge=1)
    max_translate_items: int = Field(default=256, ge=1)
    # Characters of article text per request (all `q` items together for /translate); more get 422.
    max_text_chars: int = Field(default=100_000, ge=1_000)
    # Seconds a client may take to send its whole body; slower ones get 408 and their connection back.
    body_timeout_s: float = Field(default=30.0, gt=0)
    # Comma-separated in the environment. Empty: every route is open.
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list, repr=False)
    # Comma-separated origins allowed to call the API from a browser. Empty: no CORS headers at all.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Origins that may call the LibreTranslate routes from a browser, as LibreTranslate allows: "*" (default) is any,
    # a comma-separated list narrows it, "off" (or empty) sends no CORS headers there. KHULASA_CORS_ORIGINS still
    # governs the service's own routes.
    libretranslate_cors: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])
    # Seconds one web page (`html` in a request) may take to read; past it the answer is 422 and the work stops.
    html_timeout_s: float = Field(default=10.0, gt=0)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Answers remembered (/summarize, /translate): bytes of answers kept in memory; 0 turns the cache off.
    cache_max_bytes: int = Field(default=64 * 2**20, ge=0)
    # A directory where answers also go to disk, to survive a restart; None = memory only.
    cache_dir: Path | None = None
    cache_disk_max_bytes: int = Field(default=1024 * 2**20, ge=0)

    # Where the models run: "local" = in this process; "ray" = Ray Serve deployments / Ray actors (khulasa[ray]).
    placement: Literal["local", "ray"] = "local"
    # Ray Serve: replicas per model deployment; a larger ray_max_replicas turns on autoscaling between the two.
    ray_replicas: int = Field(default=1, ge=1)
    ray_max_replicas: int | None = Field(default=None, ge=1)
    # CPUs and GPUs each model replica (or batch actor) asks Ray for; torch threads follow the CPUs.
    ray_replica_cpus: float = Field(default=1.0, gt=0)
    ray_replica_gpus: float = Field(default=0.0, ge=0)
    # Batch translation: actors in the pool (each holds one translator).
    ray_actors: int = Field(default=2, ge=1)

    @field_validator("summarizer", "translator")
    @classmethod
    def _local_model_must_exist(cls, source: str) -> str:
        source = source.strip()
        if not source:
            raise ValueError("must name a hub id or a local directory")
        if source == EXTRACTIVE:
            return source
        if looks_like_local_path(source):
            path = Path(source).expanduser()
            if not path.is_dir():
                raise ValueError(f"model path {source} does not exist or is not a directory")
            if not (path / "config.json").is_file():
                raise ValueError(f"model path {source} has no config.json (not a Hugging Face checkpoint)")
        return source

    @field_validator("api_keys", "cors_origins", "libretranslate_cors", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("libretranslate_cors")
    @classmethod
    def _off_is_empty(cls, origins: list[str]) -> list[str]:
        return [] if [origin.lower() for origin in origins] == ["off"] else origins

    @model_validator(mode="after")
    def _summary_needs_its_model(self) -> "Settings":
        if self.summarizer == EXTRACTIVE and self.summary == "abstractive":
            raise ValueError("summary=abstractive needs a summarizer model, and KHULASA_SUMMARIZER is extractive")
        return self

    def default_summary(self) -> Literal["abstractive", "extractive"]:
        """The summary mode of a request that names none."""
        return self.summary or ("extractive" if self.summarizer == EXTRACTIVE else "abstractive")

    @field_validator("catalog")
    @classmethod
    def _catalog_must_exist(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"catalog file {path} does not exist")
        return path


def settings_error_line(error: Exception) -> str:
    """One human line for a settings validation error: which setting, what is wrong."""
    errors = getattr(error, "errors", None)
    if callable(errors):
        parts = []
        for item in errors():
            where = ".".join(str(p) for p in item.get("loc", ())) or "settings"
            message = str(item.get("msg", "")).removeprefix("Value error, ")
            parts.append(f"{where} (KHULASA_{where.upper()}): {message}")
        return "; ".join(parts)
    return str(error)
