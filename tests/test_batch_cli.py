"""`khulasa translate-batch` as a user runs it, including SIGKILL at random moments and resuming."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.engines.torch_backend.tiny import CORPUS

pytestmark = pytest.mark.slow  # a `khulasa` process per test, and minutes of kill-and-resume


def command(tiny_models: Path, *args: str) -> list[str]:
    translator = str(tiny_models / "translator")
    return [sys.executable, "-m", "service", "translate-batch", *args, "--translator", translator]


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KHULASA_")} | {"HF_HUB_OFFLINE": "1"}


@pytest.fixture(scope="module")
def lines() -> list[str]:
    arabic = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line and line[0] >= "\u0600"]
    # Several hundred records, some multi-sentence, some empty: enough for many checkpoints.
    return [("" if i % 17 == 0 else f"{arabic[i % len(arabic)]} {arabic[(i * 7) % len(arabic)]}") for i in range(240)]


def test_killed_runs_resume_to_the_uninterrupted_output(tiny_models: Path, tmp_path: Path, lines: list[str]) -> None:
    source = tmp_path / "in.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reference = tmp_path / "reference.txt"
    done = subprocess.run(command(tiny_models, str(source), str(reference), "--window", "8"), env=environment())
    assert done.returncode == 0

    output = tmp_path / "out.txt"
    checkpoint = tmp_path / "out.txt.checkpoint.json"
    args = command(tiny_models, str(source), str(output), "--window", "8")
    chance = random.Random(20261123)
    progress_seen = [0]
    for _ in range(4):
        process = subprocess.Popen(args, env=environment(), stderr=subprocess.DEVNULL)
        # Kill once the job has made progress since the last kill, at a random moment within its next windows.
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            done = json.loads(checkpoint.read_text())["records_done"] if checkpoint.exists() else 0
            if done > progress_seen[-1]:
                time.sleep(chance.uniform(0.0, 0.4))
                break
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        progress_seen.append(json.loads(checkpoint.read_text())["records_done"])
    assert progress_seen[-1] < len(lines), "the job should still have been unfinished at the last kill"
    assert sorted(progress_seen) == progress_seen and len(set(progress_seen)) == len(progress_seen)
    assert subprocess.run(args, env=environment(), stderr=subprocess.DEVNULL).returncode == 0
    assert output.read_bytes() == reference.read_bytes()
    assert len(output.read_text(encoding="utf-8").split("\n")) == len(lines) + 1
    assert not list(tmp_path.glob("out.txt.*"))


def test_exit_status_and_rejects_file(tiny_models: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"text": "\xd9\x88\xd8\xb5\xd9\x84"}\n{oops\n')
    result = subprocess.run(command(tiny_models, str(source), str(tmp_path / "out.jsonl")), env=environment(),
                            capture_output=True)  # fmt: skip
    assert result.returncode == 2
    assert "1 record(s) rejected" in result.stderr.decode()
    assert json.loads((tmp_path / "out.jsonl.rejects.jsonl").read_text()) == {
        "line": 2,
        "reason": "malformed JSON: Expecting property name enclosed in double quotes at column 2",
    }


def test_job_failure_exits_1_with_one_line(tiny_models: Path, tmp_path: Path) -> None:
    result = subprocess.run(command(tiny_models, str(tmp_path / "missing.txt"), str(tmp_path / "out.txt")),
                            env=environment(), capture_output=True)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.decode().strip().splitlines() == [
        f"khulasa: cannot read {tmp_path / 'missing.txt'}: no such file"
    ]


def test_stdin_to_stdout(tiny_models: Path) -> None:
    result = subprocess.run(
        command(tiny_models, "-", "-", "--format", "txt"),
        input="وصل الوفد.\n\nبدأ الاجتماع.\n".encode(),
        env=environment(),
        capture_output=True,
    )
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode().split("\n")
    assert len(out) == 4 and out[1] == "" and out[0] and out[2]
    assert "3 segments" in result.stderr.decode()


def test_ctranslate2_batch_output_equals_translating_each_record_alone(
    tiny_models: Path, tmp_path: Path, lines: list[str]
) -> None:
    pytest.importorskip("ctranslate2", reason="the ctranslate2 extra is not installed (khulasa[ctranslate2])")
    from service.config import Settings
    from service.engines.base import translate_texts
    from service.engines.factory import load_translator

    records = lines[:60]
    source = tmp_path / "in.txt"
    source.write_text("\n".join(records) + "\n", encoding="utf-8")
    output = tmp_path / "out.txt"
    # fp32: its results do not depend on what else is in the batch (int8 scales activations per batch).
    flags = ["--backend", "ctranslate2", "--quantize", "none", "--device", "cpu"]
    env = environment() | {"KHULASA_CT2_CACHE": str(tiny_models / "ct2-cache")}
    done = subprocess.run(command(tiny_models, str(source), str(output), *flags), env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    settings = Settings(
        summarizer=str(tiny_models / "summarizer"),
        translator=str(tiny_models / "translator"),
        backend="ctranslate2",
        quantize="none",
        device="cpu",
        ct2_cache=tiny_models / "ct2-cache",
    )
    translator = load_translator(settings)
    alone = [translate_texts(translator.translate_batch, [record])[0] for record in records]
    assert output.read_text(encoding="utf-8").split("\n")[:-1] == alone
    assert sum(1 for text in alone if text) > 40  # the records were translated, not left blank
