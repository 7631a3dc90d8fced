"""The Digest: what /summarize and `khulasa summarize` return."""

from pydantic import BaseModel, Field


class BilingualText(BaseModel):
    ar: str
    en: str


def _absent(value: object) -> bool:
    # Fields only some answers have are left out of the others, which stay as they were before the field existed.
    return value is None


class Offsets(BaseModel):
    """Where a piece lies in the submitted text: `submitted_text[start:end]`."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Summary(BilingualText):
    """A section's summary. Extractive ones also say where each of their sentences stands in the article."""

    spans: list[Offsets] | None = Field(
        default=None,
        exclude_if=_absent,
        description="extractive summaries: the chosen sentences, in order, as offsets into the submitted text "
        "(`ar` is their texts joined by spaces); absent for abstractive ones",
    )


_SOURCE = (
    "with `html` in the request: the article extracted from the page, which every offset in this answer indexes; "
    "absent when the request sent `text`"
)


class TextSpan(BaseModel):
    """A piece of the submitted text: `text == submitted_text[start:end]`."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class RemovedSpan(TextSpan):
    """Page furniture taken out of the article."""


_HEADING = (
    "the subheading the section opens with, as written in the article (also the start of `text`); null when the "
    "section does not open with one"
)


_CONFIDENCE = (
    "how sure the segmenter is that a new story starts where this section opens: a probability calibrated by "
    "cross-validation on annotated real articles (of openings given 0.8, about 80% are ones an editor would make); "
    "1.0 for the first section, whose opening is certain"
)


class SegmentedSection(TextSpan):
    """One topical section before summarization."""

    keywords: list[str]
    heading: str | None = Field(description=_HEADING)
    confidence: float = Field(ge=0.0, le=1.0, description=_CONFIDENCE)


class Segmentation(BaseModel):
    """What /segment and `khulasa segment` return: the text stages' result, no models involved."""

    title: TextSpan | None
    sections: list[SegmentedSection]
    removed: list[RemovedSpan]
    text: str | None = Field(default=None, description=_SOURCE, exclude_if=_absent)


class Section(BaseModel):
    """One topical section. `text == submitted_text[start:end]`, always."""

    index: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    keywords: list[str]
    heading: str | None = Field(description=_HEADING)
    confidence: float = Field(ge=0.0, le=1.0, description=_CONFIDENCE)
    summary: Summary


class ModelsUsed(BaseModel):
    summarizer: str
    translator: str


class Digest(BaseModel):
    title: BilingualText | None
    sections: list[Section]
    removed: list[RemovedSpan]
    models: ModelsUsed
    timing_ms: dict[str, float]
    text: str | None = Field(default=None, description=_SOURCE, exclude_if=_absent)
