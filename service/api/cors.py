"""CORS, route by route: the LibreTranslate routes open to any page by default, as LibreTranslate is; the service's
own routes closed unless KHULASA_CORS_ORIGINS names origins."""

from collections.abc import Callable

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

_METHODS = ["GET", "POST"]
_HEADERS = ["Authorization", "Content-Type"]
# Answer headers a page of another origin may read besides the safelisted ones: when to retry a 429 or 503, and
# whether a /summarize or /translate answer came from the cache.
_EXPOSED = ["Retry-After", "X-Khulasa-Cache"]
# How long a browser may keep a preflight's answer: LibreTranslate says 20 days; a narrowed list changes rarely too.
_LIBRETRANSLATE_MAX_AGE_S = 20 * 24 * 3600
_SERVICE_MAX_AGE_S = 600


def _cors(app: ASGIApp, origins: list[str], max_age: int) -> ASGIApp:
    if not origins:
        return app
    return CORSMiddleware(
        app,
        allow_origins=origins,
        allow_methods=_METHODS,
        allow_headers=_HEADERS,
        expose_headers=_EXPOSED,
        max_age=max_age,
    )


class RouteCORS:
    """Answers preflights (OPTIONS with Origin and Access-Control-Request-Method) and adds
    Access-Control-Allow-Origin by path: `libretranslate_paths` with `libretranslate_origins`, every other path
    with `service_origins`; an empty list sends no CORS headers on those paths ("*" allows any origin).

    Installed outermost, so that errors raised before any route runs (413, 415) carry the headers a browser needs
    to read them.
    """

    def __init__(
        self,
        app: ASGIApp,
        libretranslate_paths: Callable[[], set[str]],
        libretranslate_origins: list[str],
        service_origins: list[str],
    ) -> None:
        self.app = app
        self.libretranslate_paths = libretranslate_paths
        self.libretranslate = _cors(app, libretranslate_origins, _LIBRETRANSLATE_MAX_AGE_S)
        self.service = _cors(app, service_origins, _SERVICE_MAX_AGE_S)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif scope["path"] in self.libretranslate_paths():
            await self.libretranslate(scope, receive, send)
        else:
            await self.service(scope, receive, send)
