"""One local Ray cluster (2 CPUs, 127.0.0.1) for the Ray tests, started by this process and gone after them.

Tests reach it in-process (`ray` is initialised here) or from `khulasa` subprocesses through RAY_ADDRESS.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.config import Settings
from service.engines.factory import Engines, load_engines
from tests.conftest import free_port

RAY_MISSING = "Ray is not installed (pip install 'khulasa[ray]')"
# Short greedy outputs: random weights seldom stop, and these tests are about where work runs, not how much is
# generated; on 2 busy cores this keeps a 2,000-line job to seconds.
SHORT: dict[str, Any] = {"max_new_tokens": 4, "num_beams": 1}


def _children(pid: int) -> set[int]:
    """Every live descendant of `pid`, from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _is_ray(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return b"ray" in command.lower() and b"multiprocessing" not in command


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[str]:
    """The GCS address of a 2-CPU local cluster; on teardown, checks that none of its processes outlive it."""
    ray = pytest.importorskip("ray", reason=RAY_MISSING)
    os.environ["RAY_AUTH_MODE"] = "disabled"  # a later driver is refused otherwise
    os.environ.pop("RAY_ADDRESS", None)
    context = ray.init(
        address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False
    )
    yield str(context.address_info["gcs_address"])
    from ray import serve

    serve.shutdown()
    # Ray's processes only: the session has other children (multiprocessing's resource tracker, started by the
    # CTranslate2 conversions' process pool, lives as long as pytest does).
    started = {pid for pid in _children(os.getpid()) if _is_ray(pid)}
    ray.shutdown()
    deadline = time.monotonic() + 15
    while _alive(started) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _alive(started)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"Ray processes outlived the cluster: {sorted(left)}"


@pytest.fixture(scope="session")
def ray_env(ray_cluster: str, tiny_env: dict[str, str]) -> dict[str, str]:
    """Environment for a `khulasa` subprocess on the test cluster with the tiny models (fp32, short outputs)."""
    return {**tiny_env, "RAY_ADDRESS": ray_cluster}


@pytest.fixture(scope="session")
def tiny_env(tiny_models: Path) -> dict[str, str]:
    """Environment for a Ray driver subprocess with the tiny models (fp32, short outputs), no cluster named."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHULASA_") and k != "RAY_ADDRESS"}
    env.update(
        RAY_AUTH_MODE="disabled",
        HF_HUB_OFFLINE="1",
        KHULASA_SUMMARIZER=str(tiny_models / "summarizer"),
        KHULASA_TRANSLATOR=str(tiny_models / "translator"),
        KHULASA_DEVICE="cpu",
        KHULASA_QUANTIZE="none",
        # The backend of the in-process engines these runs are compared with (tiny_settings), whatever is installed.
        KHULASA_BACKEND="torch",
        # Half a CPU per model replica or actor: two of them, or a Serve app's two models, share one CPU.
        KHULASA_RAY_REPLICA_CPUS="0.5",
        KHULASA_SUMMARIZER_GENERATE=json.dumps(SHORT),
        KHULASA_TRANSLATOR_GENERATE=json.dumps(SHORT),
    )
    return env


@pytest.fixture(scope="session")
def ray_settings(tiny_settings: Settings) -> Settings:
    """What `ray_env` configures, as Settings (the local engines that Ray's answers are compared with)."""
    return tiny_settings.model_copy(
        update={"summarizer_generate": SHORT, "translator_generate": SHORT, "ray_replica_cpus": 0.5}
    )


@pytest.fixture(scope="session")
def local_engines(ray_settings: Settings) -> Engines:
    """The tiny models loaded in this process with the settings the Ray tests give their cluster."""
    return load_engines(ray_settings)


# One answer of /ready while `khulasa serve --engine ray` starts: (status, body) or (exception name, "").
Answer = tuple[int | str, str, str | None]


@pytest.fixture(scope="session")
def ray_startup() -> list[Answer]:
    """Each change in what /ready answered while `ray_server` started, from the moment its process began, in order:
    (status or transport error, body, Retry-After)."""
    return []


@pytest.fixture(scope="session")
def ray_server(
    ray_env: dict[str, str], ray_startup: list[Answer], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`khulasa serve --engine ray` on the test cluster, shared by the modules that need Serve's HTTP proxy; its
    base URL once /ready answers 200 (within 90 s)."""
    port = free_port()
    log = tmp_path_factory.mktemp("ray-serve") / "serve.log"
    command = [sys.executable, "-m", "service", "serve", "--engine", "ray", "--port", str(port)]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=ray_env, stdout=sink, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        while not ray_startup or ray_startup[-1][0] != 200:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() - started < 90, f"not ready within 90 s:\n{log.read_text()}"
            answer = _ready(base)
            if not ray_startup or ray_startup[-1] != answer:
                ray_startup.append(answer)
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, log.read_text()


def _ready(base: str) -> Answer:
    try:
        response = httpx.get(f"{base}/ready", timeout=2)
    except httpx.TransportError as error:
        return type(error).__name__, "", None
    return response.status_code, response.text, response.headers.get("retry-after")
