"""/health, /ready, /info, /metrics, /docs."""

from fastapi.testclient import TestClient

from tests.test_pipeline import ARTICLE


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready"}


def test_info_reports_models_device_and_versions(client: TestClient) -> None:
    info = client.get("/info").json()
    assert info["status"] == "ready"
    assert info["device"] == "cpu" and info["dtype"] == "float32"
    assert info["models"]["summarizer"]["model_type"] == "mt5"
    assert info["models"]["translator"]["model_type"] == "marian"
    assert info["models"]["summarizer"]["id"].endswith("summarizer")
    for package in ("python", "torch", "transformers", "fastapi", "khulasa"):
        assert info["versions"][package]
    assert info["loaded"]["torch"] and info["loaded"]["transformers"]  # this client runs the torch backend


def test_info_reports_the_output_vocabularies(client: TestClient) -> None:
    models = client.get("/info").json()["models"]
    summarizer, translator = models["summarizer"]["output_vocabulary"], models["translator"]["output_vocabulary"]
    assert summarizer["restricted"] == "arabic" and 0 < summarizer["size"] < summarizer["of"]
    assert translator["restricted"] is None and translator["size"] == translator["of"] > 0


def test_metrics_count_requests_stages_and_tokens(client: TestClient) -> None:
    client.post("/summarize", json={"text": ARTICLE})
    client.post("/summarize", json={"text": ""})
    text = client.get("/metrics").text
    assert 'khulasa_requests_total{method="POST",route="/summarize",status="200"} 1.0' in text
    assert 'khulasa_requests_total{method="POST",route="/summarize",status="422"} 1.0' in text
    assert 'khulasa_stage_duration_seconds_count{stage="summarize"} 1.0' in text
    assert 'khulasa_request_duration_seconds_count{route="/summarize"} 2.0' in text
    tokens = [line for line in text.splitlines() if line.startswith("khulasa_generated_tokens_total")]
    assert len(tokens) == 2 and all(float(line.split()[-1]) > 0 for line in tokens)


def test_unknown_paths_share_one_metrics_label(client: TestClient) -> None:
    for path in ("/a", "/b", "/c"):
        client.get(path)
    assert 'route="other",status="404"} 3.0' in client.get("/metrics").text


def test_openapi_documents_the_routes(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/summarize", "/translate", "/health", "/ready", "/info", "/metrics"} <= set(paths)
