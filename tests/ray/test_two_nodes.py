"""Two Ray nodes on one machine: both register on 127.0.0.1, the driver reaches them, and a batch job spreads its
actors over both with the local engine's output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from service.batch import BatchOptions, run_batch
from service.config import Settings
from service.engines.factory import Engines
from tests.ray.conftest import RAY_MISSING

pytest.importorskip("ray", reason=RAY_MISSING)
pytestmark = pytest.mark.slow

LINES = ["وصل الوفد إلى القاهرة.", "وبدأ الاجتماع ظهرا.", "{bad", "هل ستنجح المفاوضات؟"] * 4


def test_batch_job_on_two_nodes_of_one_machine(
    ray_settings: Settings, local_engines: Engines, tiny_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(
            line + "\n" if line == "{bad" else json.dumps({"text": line}, ensure_ascii=False) + "\n" for line in LINES
        ),
        encoding="utf-8",
    )
    run_batch(BatchOptions(str(source), str(tmp_path / "local.jsonl"), window=4), local_engines.translator)
    settings = tmp_path / "settings.json"
    settings.write_text(ray_settings.model_dump_json())
    env = dict(tiny_env)
    # Without this Ray swaps 127.0.0.1 for the machine's external address, and the driver then stalls dialling it.
    env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    command = [sys.executable, "-m", "tests.ray.two_nodes", str(settings), str(source), str(tmp_path / "ray.jsonl")]
    job = subprocess.run(command, env=env, capture_output=True, timeout=150, cwd=Path(__file__).parents[2])
    assert job.returncode == 0, job.stderr.decode()[-3000:]
    report = json.loads(job.stdout.decode().strip().splitlines()[-1])
    assert len(report["nodes"]) == 2 and report["addresses"] == ["127.0.0.1"]
    assert sorted(report["actor_nodes"]) == sorted(report["nodes"])
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert report["left"] == [], "the two-node cluster left processes behind"
