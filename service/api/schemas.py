"""Request and response bodies of the HTTP API. Unknown fields are refused rather than silently dropped."""

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

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
    model_config = ConfigDict(extra="forbid", strict=True)

    text: UnicodeStr = Field(
        description="the article as scraped, in Arabic; offsets in the answer index this string",
        examples=[_EXAMPLE],
    )
    max_sections: int | None = Field(default=None, ge=1, le=MAX_SECTIONS)

    @field_validator("text")
    @classmethod
    def _text_has_content(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("text must contain at least one non-whitespace character")
        return text


class SummarizeRequest(SegmentRequest):
    title: UnicodeStr | None = Field(
        default=None, max_length=2_000, description="overrides the title found in the text"
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
