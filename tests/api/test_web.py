"""The reading page as the app serves it: headers, assets, offline-only references, no markup parsing of text."""

import re
from pathlib import Path

from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.web import WEB_DIR
from service.config import Settings

WEB_FILES = sorted(path for path in WEB_DIR.rglob("*") if path.is_file())
SCRIPTS = [path for path in WEB_FILES if path.suffix == ".js"]


def csp_directives(header: str) -> dict[str, str]:
    pairs = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in pairs}


def test_page_is_served_with_a_strict_content_security_policy(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<textarea id="article"' in response.text
    policy = csp_directives(response.headers["content-security-policy"])
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["form-action"] == "'none'"
    assert "unsafe" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert client.head("/").status_code == 200


def test_every_asset_the_page_names_is_served(client: TestClient) -> None:
    page = client.get("/").text
    named = re.findall(r'(?:src|href)="([^"#]+)"', page)
    for script in SCRIPTS:
        named += [f"static/{name}" for name in re.findall(r'from "\./([^"]+)"', script.read_text(encoding="utf-8"))]
    assert {"static/app.js", "static/render.js", "static/export.js", "static/style.css"} <= set(named)
    types = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    for path in named:
        response = client.get(f"/{path}")
        assert response.status_code == 200, path
        expected = types.get(Path(path).suffix)
        if expected:
            assert response.headers["content-type"].startswith(expected), path


def test_page_files_reference_no_other_origin() -> None:
    # The page must work offline: no CDN, no web font, no analytics. The SVG namespace is a name, not a fetch.
    for path in WEB_FILES:
        text = path.read_text(encoding="utf-8").replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/", text, re.IGNORECASE), path
        assert "@import" not in text and "url(" not in text, path


def test_page_scripts_never_turn_text_into_markup() -> None:
    sinks = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "DOMParser")
    for path in SCRIPTS:
        source = path.read_text(encoding="utf-8")
        assert not [sink for sink in sinks if sink in source], path


def test_unknown_asset_is_a_json_404(client: TestClient) -> None:
    response = client.get("/static/missing.js")
    assert response.status_code == 404
    assert response.json()["type"] == "not_found"


def test_page_is_served_before_the_models_are_loaded(tiny_settings: Settings) -> None:
    client = TestClient(create_app(tiny_settings))  # lifespan not started: no models
    assert client.get("/ready").status_code == 503
    assert client.get("/").status_code == 200
    assert client.get("/static/app.js").status_code == 200
