"""Arabic text in pure Python: normalisation, sentences, furniture cleaning and topical segmentation."""

from service.text.clean import CleanedText, clean
from service.text.normalize import normalize
from service.text.segment import SectionSpan, segment
from service.text.sentences import split_sentences
from service.text.spans import Span

__all__ = ["CleanedText", "SectionSpan", "Span", "clean", "normalize", "segment", "split_sentences"]
