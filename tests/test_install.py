"""Reproducible installs: constraints.txt pins every requirement within pyproject.toml's ranges; the image's smoke
test (scripts/smoke_test.py, run by scripts/image-check.sh against the container) passes against a real server."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import RunningServer

ROOT = Path(__file__).resolve().parents[1]
CI_EXTRAS = ("dev", "ctranslate2", "ray")


def pins() -> dict[str, Version]:
    pinned: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, version = line.partition("==")
        assert version, f"not an exact pin: {line!r}"
        pinned[canonicalize_name(name)] = Version(version)
    return pinned


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in CI_EXTRAS:
        wanted += project["optional-dependencies"][extra]
    return [Requirement(text) for text in wanted]


def test_constraints_pin_every_requirement_within_its_range() -> None:
    pinned = pins()
    for requirement in requirements():
        name = canonicalize_name(requirement.name)
        regenerate = "run bash scripts/update-constraints.sh"
        assert name in pinned, f"{requirement.name} is not pinned in constraints.txt: {regenerate}"
        assert requirement.specifier.contains(pinned[name]), (
            f"{name}=={pinned[name]} is outside {requirement}: {regenerate}"
        )


@pytest.mark.slow  # against the session's real server
def test_image_smoke_test_passes_against_a_real_server(live_server: RunningServer) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "smoke_test.py"), live_server.base],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "GET /ready -> 200" in result.stdout
    assert result.stdout.rstrip().endswith("smoke test: passed")
