"""Print the requirements of khulasa with the named extras (its own `khulasa[...]` references followed), one a line:
what the Dockerfile installs, at the versions constraints.txt pins, before the package itself.

    python scripts/requirements.py serve          # the runtime: khulasa[serve]
    python scripts/requirements.py full           # everything that converts models
"""

import re
import sys
import tomllib
from pathlib import Path

_SELF = re.compile(r"^khulasa\[(?P<extras>[^\]]+)\]$")


def requirements(project: dict[str, object], extras: list[str]) -> list[str]:
    """The base requirements and those of `extras`, self-references expanded, each once, in order."""
    optional = project["optional-dependencies"]
    assert isinstance(optional, dict)
    found: list[str] = []
    pending = [*project["dependencies"], *(f"khulasa[{extra}]" for extra in extras)]  # type: ignore[misc]
    while pending:
        requirement = pending.pop(0)
        own = _SELF.match(requirement)
        if own:
            for extra in own["extras"].split(","):
                pending[:0] = optional[extra.strip()]
        elif requirement not in found:
            found.append(requirement)
    return found


if __name__ == "__main__":
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    print("\n".join(requirements(pyproject["project"], sys.argv[1:])))
