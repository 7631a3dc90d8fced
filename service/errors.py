"""The core's exception hierarchy. The HTTP layer maps each class to one status code in one place."""


class KhulasaError(Exception):
    """Base class: every error the core raises on purpose."""

    code = "error"


class InvalidInput(KhulasaError):
    """The caller sent something the service cannot work with (HTTP 400/422)."""

    code = "invalid_input"


class PayloadTooLarge(KhulasaError):
    """The request body is over the configured limit (HTTP 413)."""

    code = "payload_too_large"


class Overloaded(KhulasaError):
    """Too many requests are waiting already (HTTP 429)."""

    code = "overloaded"


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
