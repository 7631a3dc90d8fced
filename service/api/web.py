"""The reading page for people: GET / serves the page, /static/ its stylesheet, scripts and icon.

Neither needs an API key or loaded models, so the page can say in plain words why a digest is not available yet.
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

# A second line of defence behind inserting every article and model string as text: even if markup slipped in,
# it could run no inline script, load nothing from elsewhere, and send nothing anywhere but this service.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The page is a few kilobytes; revalidating it keeps a browser from pairing an old page with new scripts.
    "Cache-Control": "no-cache",
}


def install_web_page(app: FastAPI) -> None:
    """Serve the reading page at `/` and its assets under `/static/`; both stay out of the OpenAPI schema."""

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def reading_page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
