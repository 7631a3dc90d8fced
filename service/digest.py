"""The Digest: what /summarize and `khulasa summarize` return."""

from pydantic import BaseModel, Field


class BilingualText(BaseModel):
    ar: str
    en: str


class RemovedSpan(BaseModel):
    """Page furniture taken out of the article; offsets index the submitted text."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class Section(BaseModel):
    """One topical section. `text == submitted_text[start:end]`, always."""

    index: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    keywords: list[str]
    summary: BilingualText


class ModelsUsed(BaseModel):
    summarizer: str
    translator: str


class Digest(BaseModel):
    title: BilingualText | None
    sections: list[Section]
    removed: list[RemovedSpan]
    models: ModelsUsed
    timing_ms: dict[str, float]
