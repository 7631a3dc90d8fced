"""Request and response bodies of the HTTP API. Unknown fields are refused rather than silently dropped."""

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_SECTIONS = 12


class ErrorBody(BaseModel):
    """Every error the API returns."""

    error: str = Field(description="what went wrong, for people")
    type: str = Field(description="a stable code for programs, e.g. invalid_json, validation_error, not_ready")


class SegmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(description="the article as scraped; offsets in the answer index this string")
    max_sections: int | None = Field(default=None, ge=1, le=MAX_SECTIONS)

    @field_validator("text")
    @classmethod
    def _text_has_content(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("text must contain at least one non-whitespace character")
        return text


class SummarizeRequest(SegmentRequest):
    title: str | None = Field(default=None, max_length=2_000, description="overrides the title found in the text")


class TranslateRequest(BaseModel):
    """LibreTranslate's /translate body. `api_key` is accepted for compatibility; this service has no keys."""

    model_config = ConfigDict(extra="forbid", strict=True)

    q: str | list[str]
    source: str = "ar"
    target: str = "en"
    format: str = "text"
    api_key: str | None = None
    alternatives: int = Field(default=0, ge=0, le=0, description="alternative translations are not offered")


class TranslateResponse(BaseModel):
    translatedText: str | list[str]  # noqa: N815 - LibreTranslate's field name


class Status(BaseModel):
    status: str
