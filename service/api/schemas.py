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
    """LibreTranslate's /translate body. `api_key` is one of KHULASA_API_KEYS (or anything when none are set)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    q: UnicodeStr | list[UnicodeStr] = Field(examples=["وصل الوفد.", ["وصل الوفد.", "بدأ الاجتماع."]])
    source: UnicodeStr = "ar"
    target: UnicodeStr = "en"
    format: UnicodeStr = "text"
    api_key: UnicodeStr | None = None
    alternatives: int = Field(default=0, ge=0, le=0, description="alternative translations are not offered")


class TranslateResponse(BaseModel):
    translatedText: str | list[str]  # noqa: N815 - LibreTranslate's field name


class Status(BaseModel):
    status: str
