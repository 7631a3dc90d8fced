"""`khulasa translate-batch --engine ray`: the same bytes as the local engine, resumable after SIGKILL."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.batch import BatchOptions, run_batch
from service.config import Settings
from service.engines.factory import Engines
from tests.ray.conftest import RAY_MISSING, _children

pytest.importorskip("ray", reason=RAY_MISSING)
pytestmark = pytest.mark.slow

WORDS = [
    "قال",
    "المتحدث",
    "باسم",
    "الحكومة",
    "إن",
    "الاجتماع",
    "سيعقد",
    "غدا",
    "في",
    "العاصمة",
    "لبحث",
    "الأزمة",
    "الاقتصادية",
    "والسياسية",
]
WINDOW = 250


def corpus(path: Path, lines: int = 2000) -> Path:
    """A JSONL file of short Arabic segments, some lines malformed (not JSON, no text, too long)."""
    chosen = random.Random(13)
    with path.open("w", encoding="utf-8") as handle:
        for number in range(lines):
            if number % 97 == 5:
                handle.write("{not json\n")
            elif number % 101 == 7:
                handle.write(json.dumps({"id": number, "body": "no text field"}) + "\n")
            elif number % 211 == 9:
                handle.write(json.dumps({"id": number, "text": "كلمة " * 3000}, ensure_ascii=False) + "\n")
            else:
                words = " ".join(chosen.choice(WORDS) for _ in range(chosen.randint(2, 12)))
                handle.write(json.dumps({"id": number, "text": words + "."}, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def actors(ray_cluster: str, ray_settings: Settings) -> Iterator[Any]:
    """Two translator actors on the 2-CPU cluster (half a CPU each), shared by this module's jobs."""
    from service.scale.batch import RayWindows

    with RayWindows(ray_settings, 2) as pool:
        yield pool


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory, local_engines: Engines) -> tuple[Path, Path]:
    """The 2,000-line input and the local engine's output for it (its rejects file beside it)."""
    directory = tmp_path_factory.mktemp("jobs")
    source = corpus(directory / "wire.jsonl")
    local = directory / "local.jsonl"
    run_batch(BatchOptions(str(source), str(local), window=WINDOW), local_engines.translator)
    return source, local


def rejects(output: Path) -> bytes:
    return output.with_name(output.name + ".rejects.jsonl").read_bytes()


def test_ray_batch_output_and_rejects_equal_the_local_engine_bytes(
    jobs: tuple[Path, Path], actors: Any, tmp_path: Path
) -> None:
    source, local = jobs
    output = tmp_path / "ray.jsonl"
    stats = run_batch(BatchOptions(str(source), str(output), window=WINDOW), actors)
    assert (stats.segments, stats.rejects) == (2000, 21 + 20 + 10)
    assert output.read_bytes() == local.read_bytes()
    assert rejects(output) == rejects(local)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ray.jsonl", "ray.jsonl.rejects.jsonl"]


def test_ray_driver_killed_after_a_window_and_rerun_gives_identical_bytes(
    jobs: tuple[Path, Path], actors: Any, ray_env: dict[str, str], tmp_path: Path
) -> None:
    source, local = jobs
    output = tmp_path / "ray.jsonl"
    checkpoint = tmp_path / "ray.jsonl.checkpoint.json"
    command = [sys.executable, "-m", "service", "translate-batch", str(source), str(output)]
    command += ["--engine", "ray", "--actors", "2", "--window", str(WINDOW), "--log-level", "warning"]
    driver = subprocess.Popen(command, env=ray_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (checkpoint.exists() and json.loads(checkpoint.read_text())["records_done"] > 0):
        assert driver.poll() is None, driver.communicate()[1].decode()
        assert time.monotonic() < deadline, "no window committed within 120 s"
        time.sleep(0.05)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    done = json.loads(checkpoint.read_text())["records_done"]
    assert 0 < done < 2000 and not output.exists()

    # The same job again, here (the actors of the killed driver died with it).
    stats = run_batch(BatchOptions(str(source), str(output), window=WINDOW), actors)
    assert stats.segments == 2000
    assert output.read_bytes() == local.read_bytes()
    assert rejects(output) == rejects(local)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ray.jsonl", "ray.jsonl.rejects.jsonl"]


def _translating_actor(deadline: float) -> int:
    """The pid of one of this test cluster's batch actors that is translating a window now (Ray titles an actor's
    process by the call it runs). Only this session's descendants: other Ray clusters may share the machine."""
    while time.monotonic() < deadline:
        for pid in _children(os.getpid()):
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"ray::_WindowWorker.translate"):
                    return pid
            except OSError:
                continue
        time.sleep(0.05)
    raise AssertionError("no batch actor was translating")


def test_ray_actor_killed_mid_window_is_restarted_and_the_job_bytes_equal_an_uninterrupted_run(
    jobs: tuple[Path, Path], ray_env: dict[str, str], tmp_path: Path
) -> None:
    """SIGKILL of an actor's process while it translates: Ray restarts the actor and runs its windows again."""
    source, local = jobs
    output = tmp_path / "ray.jsonl"
    checkpoint = tmp_path / "ray.jsonl.checkpoint.json"
    command = [sys.executable, "-m", "service", "translate-batch", str(source), str(output)]
    command += ["--engine", "ray", "--actors", "2", "--window", str(WINDOW), "--log-level", "warning"]
    driver = subprocess.Popen(command, env=ray_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (checkpoint.exists() and json.loads(checkpoint.read_text())["records_done"] > 0):
        assert driver.poll() is None, driver.communicate()[1].decode()
        assert time.monotonic() < deadline, "no window committed within 120 s"
        time.sleep(0.02)
    os.kill(_translating_actor(deadline), signal.SIGKILL)
    done_at_kill = json.loads(checkpoint.read_text())["records_done"]
    _, errors = driver.communicate(timeout=180)
    # Exit status 2 and the count: the corpus's malformed lines, rejected as in an uninterrupted run.
    assert driver.returncode == 2 and b"51 record(s) rejected" in errors, errors.decode()
    assert done_at_kill < 2000
    assert output.read_bytes() == local.read_bytes()
    assert rejects(output) == rejects(local)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ray.jsonl", "ray.jsonl.rejects.jsonl"]
