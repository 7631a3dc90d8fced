"""The core's exception hierarchy. The HTTP layer maps each class to one status code in one place."""


class KhulasaError(Exception):
    """Base class: every error the core raises on purpose."""

    code = "error"


class InvalidInput(KhulasaError):
    """The caller sent something the service cannot work with (HTTP 400/422)."""

    code = "invalid_input"


class InvalidJson(InvalidInput):
    """The body is not JSON, or not the JSON object a route expects (HTTP 400)."""

    code = "invalid_json"


class UnsupportedMediaType(KhulasaError):
    """The body comes in a media type the route does not read (HTTP 415)."""

    code = "unsupported_media_type"


class Unprocessable(InvalidInput):
    """Well-formed input the service will not work on: over a length limit, or not Arabic (HTTP 422)."""

    code = "unprocessable"


class TextTooLong(Unprocessable):
    """The text is over KHULASA_MAX_TEXT_CHARS; the message names the limit."""

    code = "text_too_long"


class NotArabic(Unprocessable):
    """The text has (almost) no Arabic letters; the models only read Arabic."""

    code = "not_arabic"


class NoArticle(Unprocessable):
    """A web page holds no article text that could be extracted (HTTP 422)."""

    code = "no_article"


class PageTooComplex(Unprocessable):
    """A web page took longer to read than KHULASA_HTML_TIMEOUT_S allows (HTTP 422); the work was stopped."""

    code = "page_too_complex"


class SummaryUnavailable(Unprocessable):
    """The request asks for a summary mode this server cannot give: abstractive without a summarizer model
    (HTTP 422)."""

    code = "summary_unavailable"


class Unauthorized(KhulasaError):
    """API keys are configured and the request carries none of them (HTTP 401)."""

    code = "unauthorized"


class Forbidden(KhulasaError):
    """The request names an API key that is not one of the configured ones (HTTP 403, as LibreTranslate)."""

    code = "forbidden"


class ResourceExhausted(KhulasaError):
    """The model ran out of memory on this request; the next one may well fit (HTTP 503)."""

    code = "out_of_memory"


class PayloadTooLarge(KhulasaError):
    """The request body is over the configured limit (HTTP 413)."""

    code = "payload_too_large"


class Overloaded(KhulasaError):
    """Too many requests are waiting already (HTTP 429)."""

    code = "overloaded"


class Unavailable(KhulasaError):
    """The worker serving this request went away mid-request (a Ray Serve replica died); a retry is answered by
    another or a restarted one (HTTP 503)."""

    code = "unavailable"


class NotReady(KhulasaError):
    """Models are still loading, or failed to load (HTTP 503)."""

    code = "not_ready"


class DeadlineExceeded(KhulasaError):
    """The request's time budget ran out; its work was cancelled or discarded (HTTP 504)."""

    code = "timeout"


class Cancelled(KhulasaError):
    """Work stopped because every caller waiting for it gave up (never reaches a client)."""

    code = "cancelled"


class ConfigError(KhulasaError):
    """A setting is invalid; raised at startup, before anything loads."""

    code = "config_error"


class ModelLoadError(KhulasaError):
    """A checkpoint could not be loaded. The message names the source and the reason in one line."""

    code = "model_load_error"
