"""Request and response bodies of the HTTP API. Unknown fields are refused rather than silently dropped."""

import re
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_SECTIONS = 12
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_EXAMPLE = "وصل الوفد إلى القاهرة صباح اليوم.\n\nوبدأ الاجتماع بعد الظهر."


def _valid_unicode(text: str) -> str:
    # JSON may spell half a UTF-16 pair ("\ud800"); Python keeps it, but no answer holding it can be encoded.
    if found := _LONE_SURROGATE.search(text):
        raise ValueError(f"has a lone surrogate U+{ord(found.group()):04X} at character {found.start()}, not text")
    return text


# Every string a client sends: real Unicode text, which offsets and answers can be made of.
UnicodeStr = Annotated[str, AfterValidator(_valid_unicode)]


class ErrorBody(BaseModel):
    """Every error the API returns."""

    error: str = Field(description="what went wrong, for people")
    type: str = Field(description="a stable code for programs, e.g. invalid_json, validation_error, not_ready")


class SegmentRequest(BaseModel):
    """The article as `text`, or as a web page in `html`: exactly one of the two."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: UnicodeStr | None = Field(
        default=None,
        description="the article as scraped, in Arabic; offsets in the answer index this string",
        examples=[_EXAMPLE],
    )
    html: UnicodeStr | None = Field(
        default=None,
        description="instead of `text`: a web page; its article is extracted (title, paragraphs, subheadings; "
        "navigation, share bars, comments and related links left out), and the answer's `text` holds it",
    )
    max_sections: int | None = Field(default=None, ge=1, le=MAX_SECTIONS)

    @field_validator("text", "html")
    @classmethod
    def _has_content(cls, text: str | None) -> str | None:
        if text is not None and not text.strip():
            raise ValueError("must contain at least one non-whitespace character")
        return text

    @model_validator(mode="after")
    def _text_or_html(self) -> Self:
        if (self.text is None) == (self.html is None):
            raise ValueError("send exactly one of `text` (the article) and `html` (a web page holding it)")
        return self


class SummarizeRequest(SegmentRequest):
    title: UnicodeStr | None = Field(
        default=None, max_length=2_000, description="overrides the title found in the text"
    )
    summary: Literal["abstractive", "extractive"] | None = Field(
        default=None,
        description="abstractive: the summarizer model writes each summary; extractive: 1 to 3 of the section's own "
        "sentences, with their offsets in `summary.spans`; default: the server's (KHULASA_SUMMARY)",
    )


class TranslateRequest(BaseModel):
    """LibreTranslate's /translate parameters, from JSON, a form, multipart or the query string.

    Unknown fields are ignored, as LibreTranslate does: its clients send extras (`apiKey`, `secret`). `alternatives`
    may come as a number or, from forms, as a string of digits; the route checks it. `source` and `target` default
    to the one pair there is.
    """

    model_config = ConfigDict(extra="ignore", strict=True)

    q: UnicodeStr | list[UnicodeStr]
    source: UnicodeStr = "ar"
    target: UnicodeStr = "en"
    format: UnicodeStr = "text"
    api_key: UnicodeStr | None = None
    alternatives: int | UnicodeStr = 0


class DetectRequest(BaseModel):
    """LibreTranslate's /detect parameters; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)

    q: UnicodeStr | list[UnicodeStr]
    api_key: UnicodeStr | None = None


class Detection(BaseModel):
    """A language guess as LibreTranslate gives it: confidence from 0 to 100."""

    confidence: float = Field(ge=0, le=100, description="the share of the letters that are Arabic, in percent")
    language: str


class TranslateResponse(BaseModel):
    translatedText: str | list[str]  # noqa: N815 - LibreTranslate's field name
    alternatives: list[str] | list[list[str]] | None = Field(
        default=None, description="with `alternatives` > 0: up to that many other translations (per text of a list)"
    )
    detectedLanguage: Detection | list[Detection] | None = Field(  # noqa: N815 - LibreTranslate's field name
        default=None, description='with source "auto": the language found (per text of a list)'
    )


class Status(BaseModel):
    status: str
