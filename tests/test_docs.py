"""The documentation's shell blocks and links, tested (docs/testing.md, "Doc tests").

Every shell block in README.md and docs/*.md is fenced ```bash run (the slow tier runs it against a real
`khulasa serve` on the tiny models) or ```bash norun (never run; the prose just above says why). The fast tier checks
that every block is classified, that the JSON examples parse, and that every relative link and #anchor resolves.
"""

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED, RunningServer

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
MARKS = {"run", "norun"}
# The README's tiny-model server listens here; a run block's copy of this text becomes the test server's address.
DOC_ADDRESS = "localhost:8765"
README_MAX_LINES = 250


@dataclass(frozen=True)
class Block:
    """One fenced code block: where it starts (1-based line of its opening fence), its language and mark (the words
    after the language), its code, the prose paragraph just above it, and the ```json block right after it, if any."""

    path: Path
    line: int
    language: str
    mark: str
    code: str
    prose_above: str
    example: str | None

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def parse_blocks(text: str, path: Path) -> list[Block]:
    """The fenced blocks of a Markdown text, in order."""
    lines = text.split("\n")
    found: list[tuple[int, int, str, str, str]] = []  # opening and closing fence index, language, mark, prose above
    index = 0
    while index < len(lines):
        opening = re.match(r"^```(\S*)\s*(.*?)\s*$", lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        found.append((index, end, opening.group(1), opening.group(2), prose_above(lines, index)))
        index = end + 1
    blocks = []
    for position, (start, end, language, mark, prose) in enumerate(found):
        following = found[position + 1] if position + 1 < len(found) else None
        example = None
        if following is not None and following[2] == "json" and not "".join(lines[end + 1 : following[0]]).strip():
            example = "\n".join(lines[following[0] + 1 : following[1]])
        code = "\n".join(lines[start + 1 : end])
        blocks.append(Block(path, start + 1, language, mark, code, prose, example))
    return blocks


def prose_above(lines: list[str], index: int) -> str:
    """The paragraph ending just above line `index` (blank lines skipped); empty after a heading or a block."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    paragraph: list[str] = []
    while above >= 0 and lines[above].strip() and not lines[above].startswith(("```", "#")):
        paragraph.insert(0, lines[above])
        above -= 1
    return "\n".join(paragraph)


def shell_blocks() -> list[Block]:
    return [block for path in DOC_FILES for block in parse_blocks(path.read_text(encoding="utf-8"), path)]


def unclassified(blocks: list[Block]) -> list[str]:
    """Shell blocks marked neither run nor norun, and norun blocks with no prose just above to say why."""
    problems = []
    for block in blocks:
        if block.language not in SHELL_LANGUAGES:
            continue
        if block.mark not in MARKS:
            problems.append(f"{block.name}: fence it ```{block.language} run or ```{block.language} norun")
        elif block.mark == "norun" and not block.prose_above.strip():
            problems.append(f"{block.name}: say just above a norun block why it is not run")
    return problems


def test_every_shell_block_is_marked_run_or_norun() -> None:
    assert unclassified(shell_blocks()) == []


def test_an_unmarked_or_unexplained_block_is_reported() -> None:
    text = "Some prose.\n\n```bash\nls\n```\n\n## Heading\n\n```bash norun\nls\n```\n\n```json\n{}\n```\n"
    problems = unclassified(parse_blocks(text, ROOT / "example.md"))
    assert problems == [
        "example.md:3: fence it ```bash run or ```bash norun",
        "example.md:9: say just above a norun block why it is not run",
    ]


def test_the_json_after_a_run_block_is_json() -> None:
    for block in shell_blocks():
        if block.mark == "run" and block.example is not None:
            json.loads(block.example)


def test_the_readme_is_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").split("\n")
    assert len(lines) <= README_MAX_LINES
    first_screen = "\n".join(lines[:80])
    for needed in ("pip install", "khulasa models tiny", "khulasa serve", "sirte-airstrikes", "python -m pytest"):
        assert needed in first_screen, needed


def anchor_of(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation other than - and _ dropped, spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def without_code(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def anchors(path: Path) -> set[str]:
    text = without_code(path.read_text(encoding="utf-8"))
    return {anchor_of(match.group(1)) for match in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def broken_links(path: Path) -> list[str]:
    """Relative links (and their #anchors into Markdown files) that lead nowhere; URLs with a scheme are not
    followed."""
    broken = []
    for match in re.finditer(r"\]\(([^)\s]+)\)", without_code(path.read_text(encoding="utf-8"))):
        target = match.group(1)
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{path.name}: {target} (no such file)")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{path.name}: {target} (no such heading)")
    return broken


def test_links_and_anchors_resolve() -> None:
    assert [broken for path in DOC_FILES for broken in broken_links(path)] == []


def test_a_broken_link_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[ok](#title) [gone](missing.md) [no heading](page.md#nowhere)\n", encoding="utf-8")
    assert broken_links(page) == ["page.md: missing.md (no such file)", "page.md: page.md#nowhere (no such heading)"]


# --- the run blocks, against a real server (slow) ---


def json_values(output: str) -> list[Any]:
    """Every JSON value in a block's output: a value starts where a line (or the previous value's end, after
    whitespace) starts with { or [; other lines are text. A value that does not parse raises ValueError."""
    decoder = json.JSONDecoder()
    values = []
    position = 0
    while position < len(output):
        while position < len(output) and output[position].isspace():
            position += 1
        if position < len(output) and output[position] in "{[":
            value, position = decoder.raw_decode(output, position)
            values.append(value)
        else:
            newline = output.find("\n", position)
            position = len(output) if newline < 0 else newline + 1
    return values


def missing_keys(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Keys the example shows that the output lacks, at every depth; a list's first item stands for all of its
    items."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where or '.'} is not an object"]
        missing = [f"{where}.{key}" for key in expected if key not in actual]
        for key in expected.keys() & actual.keys():
            missing += missing_keys(expected[key], actual[key], f"{where}.{key}")
        return missing
    if isinstance(expected, list) and expected:
        if not isinstance(actual, list) or not actual:
            return [f"{where or '.'} is not a non-empty list"]
        return [key for item in actual for key in missing_keys(expected[0], item, f"{where}[]")]
    return []


def output_problems(block: Block, output: str) -> list[str]:
    """What is wrong with a run block's output: JSON that does not parse, an error body where the block shows none,
    keys its ```json example has and the output lacks."""
    try:
        values = json_values(output)
    except ValueError as error:
        return [f"output is not valid JSON: {error}"]
    if block.example is not None:
        if len(values) != 1:
            return [f"expected one JSON value like the example, got {len(values)}"]
        return missing_keys(json.loads(block.example), values[0])
    errors = [value for value in values if isinstance(value, dict) and {"error", "type"} <= value.keys()]
    return [f"error answer: {error}" for error in errors]


def block_environment() -> dict[str, str]:
    """The user's environment without KHULASA_* settings, offline, converted models in the session's cache (set by
    conftest's _ct2_cache), and this interpreter's scripts (`khulasa`) first on PATH."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("KHULASA_")}
    env.update(
        HF_HUB_OFFLINE="1",
        KHULASA_CT2_CACHE=os.environ["KHULASA_CT2_CACHE"],
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def run_block(block: Block, server: str, tiny_models: Path, directory: Path) -> subprocess.CompletedProcess[str]:
    """Run a block as a user would after the README's setup: in an empty directory beside ../shared, with ./tiny
    (unless the block builds its own), against `server` wherever it says localhost:8765."""
    if "../shared" in block.code:
        if not SHARED.is_dir():
            pytest.skip(f"{block.name} reads ../shared, absent at {SHARED}")
        (directory / "shared").symlink_to(SHARED)
    work = directory / "work"
    work.mkdir()
    if "khulasa models tiny" not in block.code:
        (work / "tiny").symlink_to(tiny_models)
    code = block.code.replace(DOC_ADDRESS, server.removeprefix("http://"))
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", code],
        cwd=work,
        env=block_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )


RUN_BLOCKS = [block for block in shell_blocks() if block.mark == "run"]


@pytest.mark.slow
@pytest.mark.parametrize("block", RUN_BLOCKS, ids=[block.name for block in RUN_BLOCKS])
def test_run_block(block: Block, live_server: RunningServer, tiny_models: Path, tmp_path: Path) -> None:
    result = run_block(block, live_server.base, tiny_models, tmp_path)
    assert result.returncode == 0, f"{block.name} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert output_problems(block, result.stdout) == [], f"{block.name}\n{result.stdout}"


def test_output_checks_find_what_is_wrong() -> None:
    example = Block(ROOT, 1, "bash", "run", "", "", '{"sections": [{"start": 0, "summary": {"en": "…"}}]}')
    good = '{"sections": [{"start": 3, "summary": {"en": "x", "ar": "y"}}], "extra": 1}'
    assert output_problems(example, good) == []
    assert output_problems(example, '{"sections": [{"start": 3, "summary": {}}]}') == [".sections[].summary.en"]
    assert output_problems(example, '{"sections": []}') == [".sections is not a non-empty list"]
    plain = Block(ROOT, 1, "bash", "run", "", "", None)
    assert output_problems(plain, '{"a": 1}{"b": [2]}\n<title>x</title>\n2\n') == []
    assert output_problems(plain, '{"a": 1}\n{"error": "Not Found", "type": "not_found"}') == [
        "error answer: {'error': 'Not Found', 'type': 'not_found'}"
    ]
    assert output_problems(plain, '{"a": ')[0].startswith("output is not valid JSON")
