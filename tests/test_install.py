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
    """The base requirements and those of CI's extras, extras that name khulasa's own (`khulasa[torch]`) followed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(text) for text in project["dependencies"]]
    pending, seen = list(CI_EXTRAS), set()
    while pending:
        extra = pending.pop()
        seen.add(extra)
        for requirement in map(Requirement, project["optional-dependencies"][extra]):
            if canonicalize_name(requirement.name) == "khulasa":
                pending += [own for own in requirement.extras if own not in seen]
            else:
                wanted.append(requirement)
    return wanted


def test_every_extra_the_layouts_name_exists_and_serve_brings_no_torch() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    own = [Requirement(text) for texts in extras.values() for text in texts]
    named = {extra for requirement in own if requirement.name == "khulasa" for extra in requirement.extras}
    assert named and named <= set(extras)
    runtime = [Requirement(text) for text in project["dependencies"] + extras["serve"]]
    assert not {canonicalize_name(r.name) for r in runtime} & {"torch", "transformers", "safetensors"}
    assert "torch" in {canonicalize_name(Requirement(text).name) for text in extras["torch"]}


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
