"""The app factory: wires settings, state, middleware, error handlers and routes. Nothing else lives here."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

import service
from service.config import Settings
from service.engines.base import Engines

from .auth import document_open_access
from .cors import RouteCORS
from .errors import install_error_handlers
from .intake import BodyDeadlineMiddleware, JsonOnlyMiddleware
from .libre import router as libretranslate_router
from .limits import BodyLimitMiddleware
from .metrics import MetricsMiddleware
from .routes import router
from .state import ServiceState
from .web import install_web_page


def create_app(
    settings: Settings,
    *,
    engines: Engines | None = None,
    on_fatal: Callable[[str], None] | None = None,
    loader: Callable[[Settings], Engines] | None = None,
) -> FastAPI:
    """The Khulasa app. Models load in the lifespan, in the background, so /health answers while they load.

    `engines`: already-loaded engines to serve instead of loading (tests, benchmarks).
    `on_fatal`: called with a one-line reason when loading fails (the CLI uses it to stop the server).
    `loader`: how the engines are built from settings (default: in this process; Ray Serve passes handles).
    """
    state = ServiceState(settings, engines=engines, on_fatal=on_fatal, loader=loader)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loading = asyncio.create_task(state.load())
        app.state.loading = loading
        yield
        if not loading.done():
            loading.cancel()
        # The server has stopped taking requests; let the accepted ones finish.
        await state.batcher.drain()
        await asyncio.to_thread(state.pages.close)

    app = FastAPI(
        title="Khulasa",
        version=service.__version__,
        description="Arabic news article in, bilingual (Arabic/English) digest per topical section out.",
        lifespan=lifespan,
    )
    app.state.khulasa = state
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(libretranslate_router)
    install_web_page(app)
    if not settings.api_keys:
        document_open_access(app)
    # Each add_middleware wraps the ones before it: a request meets them bottom up.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(BodyDeadlineMiddleware, seconds=settings.body_timeout_s)
    # The LibreTranslate routes read forms and query strings too (service/api/params.py); the service's own take JSON.
    json_paths = {route.path for route in router.routes if "POST" in getattr(route, "methods", ())}  # type: ignore[attr-defined]
    app.add_middleware(JsonOnlyMiddleware, json_paths=lambda: json_paths)
    paths = {getattr(route, "path", "") for route in [*app.routes, *router.routes, *libretranslate_router.routes]}
    app.add_middleware(MetricsMiddleware, metrics=state.metrics, known_paths=lambda: paths)
    # Outermost, so that preflights and even early errors (413, 415) carry the CORS headers browsers need.
    libretranslate_paths = {getattr(route, "path", "") for route in libretranslate_router.routes}
    app.add_middleware(
        RouteCORS,
        libretranslate_paths=lambda: libretranslate_paths,
        libretranslate_origins=settings.libretranslate_cors,
        service_origins=settings.cors_origins,
    )
    return app
