"""Build the configured summarizer and translator from Settings: the one place engines get constructed."""

from typing import TYPE_CHECKING

from service.config import EXTRACTIVE, Settings
from service.engines.base import Engines, OutputLengths, Summarizer, Translator
from service.engines.catalog import find_spec
from service.errors import ConfigError

if TYPE_CHECKING:
    from service.engines.ct2 import CT2Engine
    from service.engines.seq2seq import Seq2SeqEngine

__all__ = ["Engines", "load_engines", "load_summarizer", "load_translator", "resolve_backend"]


def resolve_backend(settings: Settings) -> str:
    """ "torch" or "ctranslate2": `auto` takes CTranslate2 when the package is installed."""
    from service.engines import ct2

    if settings.backend == "torch":
        return "torch"
    if ct2.installed():
        return "ctranslate2"
    if settings.backend == "ctranslate2":
        raise ConfigError(
            "KHULASA_BACKEND=ctranslate2 but the ctranslate2 package is not installed; "
            "pip install 'khulasa[ctranslate2]'"
        )
    return "torch"


def _torch_engine(settings: Settings, role: str) -> "Seq2SeqEngine":
    from service.engines.loading import load_seq2seq, pick_device
    from service.engines.seq2seq import Seq2SeqEngine
    from service.engines.threads import configure_threads

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


def _ct2_engine(settings: Settings, role: str) -> "CT2Engine":
    from service.engines.ct2 import CT2Engine

    source: str = getattr(settings, role)
    restrict = role == "summarizer" and settings.summarizer_output_vocab == "arabic"
    return CT2Engine(settings, role=role, spec=find_spec(source, settings.catalog), restrict_arabic=restrict)


def load_translator(
    settings: Settings, *, output_lengths: OutputLengths | None = None, exact_lengths: bool = False
) -> Translator:
    """Only the translator (batch translation needs no summarizer). `output_lengths` bounds each sentence's
    translation by its input token count (with `exact_lengths`, fixes it: the benchmarks use that); the default is
    the translator's own bound."""
    if resolve_backend(settings) == "ctranslate2":
        from service.engines.ct2 import CT2Translator

        engine = _ct2_engine(settings, "translator")
        return CT2Translator(engine, output_lengths=output_lengths, exact_lengths=exact_lengths)
    from service.engines.translator import Seq2SeqTranslator

    torch_engine = _torch_engine(settings, "translator")
    return Seq2SeqTranslator(torch_engine, output_lengths=output_lengths, exact_lengths=exact_lengths)


def load_summarizer(settings: Settings) -> Summarizer:
    """Only the summarizer; with KHULASA_SUMMARIZER=extractive, the model-free one (nothing loaded)."""
    if settings.summarizer == EXTRACTIVE:
        from service.engines.extractive import ExtractiveSummarizer

        return ExtractiveSummarizer()
    if resolve_backend(settings) == "ctranslate2":
        from service.engines.ct2 import CT2Summarizer

        return CT2Summarizer(_ct2_engine(settings, "summarizer"))
    from service.engines.summarizer import Seq2SeqSummarizer

    return Seq2SeqSummarizer(_torch_engine(settings, "summarizer"))


def load_engines(settings: Settings) -> Engines:
    """Load both models with the configured backend. Raises ModelLoadError or ConfigError with a one-line message."""
    return Engines(summarizer=load_summarizer(settings), translator=load_translator(settings))
