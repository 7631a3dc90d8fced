"""Shared fixtures: tiny real checkpoints built once per session through `khulasa models tiny`."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.engines.factory import Engines, load_engines

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REFERENCE_ARTICLE = SHARED / "examples" / "sirte-airstrikes.ar.txt"


@pytest.fixture(scope="session", autouse=True)
def _ct2_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Models converted for CTranslate2 by anything the tests start go to a session directory, not the user's
    Hugging Face cache."""
    previous = os.environ.get("KHULASA_CT2_CACHE")
    os.environ["KHULASA_CT2_CACHE"] = str(tmp_path_factory.mktemp("ct2-cache"))
    yield
    if previous is None:
        os.environ.pop("KHULASA_CT2_CACHE", None)
    else:
        os.environ["KHULASA_CT2_CACHE"] = previous


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DIR with DIR/summarizer (mT5-style) and DIR/translator (Marian-style), made by the real CLI."""
    directory = tmp_path_factory.mktemp("tiny")
    subprocess.run([sys.executable, "-m", "service", "models", "tiny", str(directory)], check=True, capture_output=True)
    return directory


@pytest.fixture(scope="session")
def tiny_settings(tiny_models: Path) -> Settings:
    return Settings(
        summarizer=str(tiny_models / "summarizer"),
        translator=str(tiny_models / "translator"),
        device="cpu",
        dtype="auto",
        # fp32 keeps batched output identical to one-by-one; int8 quantizes activations per batch.
        quantize="none",
        # The in-process suites test the torch path whether or not ctranslate2 is installed; the CTranslate2
        # backend has its own (tests/engines/test_ct2.py), and real servers run the default (auto).
        backend="torch",
        ct2_cache=tiny_models / "ct2-cache",
    )


@pytest.fixture(scope="session")
def engines(tiny_settings: Settings) -> Engines:
    """Both tiny models loaded once through the production loader."""
    return load_engines(tiny_settings)


@pytest.fixture(scope="session")
def short_engines(tiny_settings: Settings) -> Engines:
    """The tiny models again, each output cut at 8 tokens.

    Random weights seldom end a sequence, so every output runs to its length cap: minutes of generation for the
    largest hostile inputs, which test how input is handled, not how much is generated. The length caps have their
    own tests (tests/engines).
    """
    short = {"max_new_tokens": 8}
    return load_engines(tiny_settings.model_copy(update={"summarizer_generate": short, "translator_generate": short}))


def wait_ready(client: TestClient, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while client.get("/ready").status_code != 200:
        if time.monotonic() > deadline:
            raise AssertionError(f"not ready after {timeout}s: {client.get('/ready').json()}")
        time.sleep(0.02)


@pytest.fixture
def client(tiny_settings: Settings, engines: Engines) -> Iterator[TestClient]:
    """A TestClient (lifespan running) over the session's loaded tiny engines."""
    with TestClient(create_app(tiny_settings, engines=engines)) as test_client:
        wait_ready(test_client)
        yield test_client


@pytest.fixture(scope="session")
def reference_article() -> str:
    if not REFERENCE_ARTICLE.is_file():
        pytest.skip(f"reference article not found at {REFERENCE_ARTICLE} (../shared is absent)")
    return REFERENCE_ARTICLE.read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningServer:
    """A `khulasa serve` process: its base URL, the process, and the file its log (stderr) goes to."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def running_server(tiny_models: Path, log: Path, **settings: str) -> Iterator[RunningServer]:
    """Start `khulasa serve` (uvicorn) on a free port with the tiny models and KHULASA_<NAME> = value for each
    of `settings`; yield once /ready answers 200, stop it afterwards. CPU defaults apply (int8, and the CTranslate2
    backend when it is installed, converting into the session's cache beside the tiny models).

    The log goes to a file: a pipe nobody reads fills up under load and then blocks the server.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHULASA_")}
    env.update(
        KHULASA_SUMMARIZER=str(tiny_models / "summarizer"),
        KHULASA_TRANSLATOR=str(tiny_models / "translator"),
        HF_HUB_OFFLINE="1",
        KHULASA_CT2_CACHE=str(tiny_models / "ct2-cache"),
    )
    # After the defaults, so a test may replace one of them (KHULASA_SUMMARIZER=extractive).
    env.update({f"KHULASA_{name.upper()}": value for name, value in settings.items()})
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink
        )
    running = RunningServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    try:
        while True:
            assert process.poll() is None, running.log_text()
            try:
                if httpx.get(f"{running.base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server not ready within 60 s"
            time.sleep(0.1)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=20)


# The session's real server answers 408 to a body slower than this, so slow-client tests take seconds, not 30.
LIVE_BODY_TIMEOUT_S = 3


@pytest.fixture(scope="session")
def live_server(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One real `khulasa serve` (uvicorn) for the whole session: tiny models, CPU defaults (int8). Starting one
    costs seconds of CPU, so the end-to-end, hostile-client and load tests share it."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    with running_server(tiny_models, log, body_timeout_s=str(LIVE_BODY_TIMEOUT_S)) as running:
        yield running


@pytest.fixture
def server(live_server: RunningServer) -> str:
    """Base URL of the session's real server."""
    return live_server.base
