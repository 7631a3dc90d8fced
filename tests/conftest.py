"""Shared fixtures: tiny real checkpoints built once per session through `khulasa models tiny`."""

import hashlib
import importlib.metadata
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.engines.factory import Engines, load_engines
from service.engines.torch_backend import tiny

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


# Tiny checkpoints outlive a test run here, one directory per version of the code and libraries that write them.
TEST_CACHE = Path(os.environ.get("KHULASA_TEST_CACHE") or Path.home() / ".cache" / "khulasa-tests")
# What a tiny checkpoint's bytes depend on besides its builder's arguments.
TINY_SOURCES = (tiny.__file__, tiny.CORPUS)
TINY_LIBRARIES = ("torch", "transformers", "tokenizers", "sentencepiece", "safetensors")


def tiny_cache_key() -> str:
    """A hash of the code that writes tiny checkpoints (service/engines/torch_backend/tiny.py, its corpus) and of
    the versions of the libraries it writes them with: any change to either builds them afresh."""
    digest = hashlib.sha256()
    for source in TINY_SOURCES:
        digest.update(Path(source).read_bytes())
    for library in TINY_LIBRARIES:
        digest.update(f"{library}=={importlib.metadata.version(library)}\n".encode())
    return digest.hexdigest()[:16]


def cached_build(name: str, build: Callable[[Path], object]) -> Path:
    """`build(DIR)` run once per `name` and cache key, its DIR kept under TEST_CACHE for later runs. Callers must
    not write into the directory returned (copy it first). Built aside and renamed into place, so concurrent runs
    never see half a checkpoint; the loser of a race throws its copy away."""
    target = TEST_CACHE / f"{name}-{tiny_cache_key()}"
    if target.is_dir():
        return target
    TEST_CACHE.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=TEST_CACHE))
    try:
        build(scratch)
        scratch.rename(target)
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def tiny_checkpoint(family: str) -> Path:
    """The cached tiny checkpoint of `family` (service.engines.torch_backend.tiny.build_tiny's defaults); read-only
    for callers."""
    return cached_build(f"tiny-{family}", lambda directory: tiny.build_tiny(family, directory))


@pytest.fixture(scope="session")
def tiny_models() -> Path:
    """DIR with DIR/summarizer (mT5-style) and DIR/translator (Marian-style), as `khulasa models tiny DIR` writes
    them (the same function), cached across runs (`cached_build`): do not write into it. The README's doc test runs
    the command itself, so the fresh build through the CLI stays tested."""
    return cached_build("tiny-pair", tiny.build_tiny_pair)


@pytest.fixture(scope="session")
def ct2_session_cache(_ct2_cache: None) -> Path:
    """Where this session keeps tiny checkpoints converted for CTranslate2: in-process engines, servers, commands."""
    return Path(os.environ["KHULASA_CT2_CACHE"])


@pytest.fixture(scope="session")
def tiny_settings(tiny_models: Path, ct2_session_cache: Path) -> Settings:
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
        # Not beside the cached checkpoints: a conversion made by older converter code must not outlive the run.
        ct2_cache=ct2_session_cache,
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


# Seconds a test server may take to answer /ready: a few on a quiet machine; a machine shared with other heavy work
# may need KHULASA_TEST_READY_S=300.
SERVER_READY_S = float(os.environ.get("KHULASA_TEST_READY_S", "60"))


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
        # The session's cache (the autouse _ct2_cache fixture), shared by every server this session starts.
        KHULASA_CT2_CACHE=os.environ["KHULASA_CT2_CACHE"],
    )
    # After the defaults, so a test may replace one of them (KHULASA_SUMMARIZER=extractive).
    env.update({f"KHULASA_{name.upper()}": value for name, value in settings.items()})
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink
        )
    running = RunningServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + SERVER_READY_S
    try:
        while True:
            assert process.poll() is None, running.log_text()
            try:
                if httpx.get(f"{running.base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"server not ready within {SERVER_READY_S:g} s"
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
