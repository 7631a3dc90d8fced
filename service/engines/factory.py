"""Build the configured summarizer and translator from Settings: the one place engines get constructed."""

from service.config import Settings
from service.engines.base import Engines, Summarizer, Translator
from service.engines.catalog import find_spec
from service.engines.loading import load_seq2seq, pick_device
from service.engines.seq2seq import Seq2SeqEngine
from service.engines.summarizer import Seq2SeqSummarizer
from service.engines.threads import configure_threads
from service.engines.translator import Seq2SeqTranslator

__all__ = ["Engines", "load_engines", "load_summarizer", "load_translator"]


def _engine(settings: Settings, role: str) -> Seq2SeqEngine:
    configure_threads(settings.threads)
    source: str = getattr(settings, role)
    spec = find_spec(source, settings.catalog)
    revision = getattr(settings, f"{role}_revision") or (spec.revision if spec else None)
    loaded = load_seq2seq(
        source,
        device=pick_device(settings.device),
        dtype=settings.dtype,
        revision=revision,
        quantize=settings.quantize,
        # Only the summarizer writes Arabic; the translator's output is English.
        output_vocab=settings.summarizer_output_vocab if role == "summarizer" else "full",
    )
    return Seq2SeqEngine(
        loaded,
        role=role,
        spec=spec,
        generate_overrides=getattr(settings, f"{role}_generate"),
        max_input_tokens=getattr(settings, f"{role}_max_input_tokens"),
    )


def load_translator(settings: Settings) -> Translator:
    """Only the translator (batch translation needs no summarizer)."""
    return Seq2SeqTranslator(_engine(settings, "translator"))


def load_summarizer(settings: Settings) -> Summarizer:
    """Only the summarizer (a Ray Serve replica holds one model)."""
    return Seq2SeqSummarizer(_engine(settings, "summarizer"))


def load_engines(settings: Settings) -> Engines:
    """Load both models. Raises ModelLoadError or ConfigError with a one-line message."""
    return Engines(
        summarizer=load_summarizer(settings),
        translator=load_translator(settings),
    )
