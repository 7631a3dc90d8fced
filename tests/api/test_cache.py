"""The answer cache on its own: bounds in bytes, the disk tier (atomic, bounded, damage ignored), single-flight."""

import asyncio
import hashlib
from pathlib import Path

import pytest

from service.api.cache import AnswerCache, answer_key, remembered
from service.api.cache_disk import DiskTier
from service.api.stream import wants_stream


def key_of(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def test_memory_keeps_the_most_recently_used_within_its_bytes() -> None:
    async def scenario() -> list[bytes | None]:
        cache = AnswerCache(max_bytes=25)
        await cache.store(key_of("a"), b"a" * 10)
        await cache.store(key_of("b"), b"b" * 10)
        await cache.lookup(key_of("a"))  # a is now the more recent
        await cache.store(key_of("c"), b"c" * 10)  # 30 bytes > 25: the least recent (b) goes
        await cache.store(key_of("huge"), b"h" * 26)  # larger than the whole bound: not kept, evicts nothing
        assert cache.memory_bytes == 20
        return [await cache.lookup(key_of(name)) for name in ("a", "b", "c", "huge")]

    assert asyncio.run(scenario()) == [b"a" * 10, None, b"c" * 10, None]


def test_disk_answers_survive_a_new_cache_and_damaged_ones_are_ignored(tmp_path: Path) -> None:
    async def scenario() -> None:
        first = AnswerCache(max_bytes=1000, directory=tmp_path, disk_max_bytes=10_000)
        await first.open()
        await first.store(key_of("kept"), b'{"answer": 1}')
        await first.store(key_of("damaged"), b'{"answer": 2}')
        damaged = tmp_path / f"{key_of('damaged')}.answer"
        damaged.write_bytes(damaged.read_bytes()[:-3] + b"XYZ")
        (tmp_path / f"{key_of('junk')}.answer").write_bytes(b"not an answer")
        (tmp_path / f".{key_of('kept')}.1.tmp").write_bytes(b"half")  # what a crash mid-write leaves
        second = AnswerCache(max_bytes=1000, directory=tmp_path, disk_max_bytes=10_000)
        await second.open()
        assert await second.lookup(key_of("kept")) == b'{"answer": 1}'
        assert await second.lookup(key_of("damaged")) is None
        assert await second.lookup(key_of("junk")) is None

    asyncio.run(scenario())
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == [f"{key_of('kept')}.answer"]  # damaged entries and leftovers removed


def test_disk_tier_stays_within_its_bytes_dropping_the_least_recently_used(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path, max_bytes=300)
    tier.open()
    for name in ("one", "two", "three"):
        tier.write(key_of(name), name.encode() * 20)  # about 140 bytes each with the header
    assert tier.size <= 300
    assert tier.read(key_of("one")) is None
    assert tier.read(key_of("three")) == b"three" * 20
    assert sum(path.stat().st_size for path in tmp_path.iterdir()) == tier.size


def test_identical_requests_in_flight_are_computed_once() -> None:
    calls: list[str] = []

    async def scenario() -> list[tuple[bytes, str | None]]:
        cache = AnswerCache(max_bytes=1000)
        release = asyncio.Event()

        async def compute() -> bytes:
            calls.append("computed")
            await release.wait()
            return b"answer"

        waiting = [asyncio.create_task(remembered(cache, lambda: key_of("same"), compute)) for _ in range(5)]
        await asyncio.sleep(0.01)
        release.set()
        answers = await asyncio.gather(*waiting)
        answers.append(await remembered(cache, lambda: key_of("same"), compute))
        return answers

    answers = asyncio.run(scenario())
    assert calls == ["computed"]
    assert [body for body, _ in answers] == [b"answer"] * 6
    assert [outcome for _, outcome in answers] == ["miss", "hit", "hit", "hit", "hit", "hit"]


def test_the_computation_stops_when_the_last_request_waiting_for_it_leaves() -> None:
    async def scenario() -> tuple[bool, bool, bytes | None]:
        cache = AnswerCache(max_bytes=1000)
        stopped = asyncio.Event()
        release = asyncio.Event()

        async def compute() -> bytes:
            try:
                await release.wait()
            except asyncio.CancelledError:
                stopped.set()
                raise
            return b"answer"

        first = asyncio.create_task(remembered(cache, lambda: key_of("k"), compute))
        second = asyncio.create_task(remembered(cache, lambda: key_of("k"), compute))
        await asyncio.sleep(0.01)
        first.cancel()
        await asyncio.sleep(0.01)
        still_running = not stopped.is_set()  # the second request still waits for it
        second.cancel()
        await asyncio.sleep(0.01)
        return still_running, stopped.is_set(), await cache.lookup(key_of("k"))

    still_running, stopped, stored = asyncio.run(scenario())
    assert still_running and stopped and stored is None


def test_a_failed_computation_reaches_every_waiter_and_is_not_stored() -> None:
    async def scenario() -> tuple[list[BaseException | tuple[bytes, str | None]], bytes | None]:
        cache = AnswerCache(max_bytes=1000)

        async def compute() -> bytes:
            await asyncio.sleep(0.01)
            raise ValueError("no answer")

        results = await asyncio.gather(
            *(remembered(cache, lambda: key_of("bad"), compute) for _ in range(3)), return_exceptions=True
        )
        return results, await cache.lookup(key_of("bad"))

    results, stored = asyncio.run(scenario())
    assert all(isinstance(result, ValueError) for result in results) and stored is None


def test_the_cache_off_computes_every_time_and_names_no_outcome() -> None:
    async def compute() -> bytes:
        return b"fresh"

    assert asyncio.run(remembered(None, lambda: "unused", compute)) == (b"fresh", None)


def test_the_key_changes_with_the_route_the_request_and_the_service() -> None:
    identity = {"version": "1", "models": {"summarizer": {"id": "s", "generation": {"num_beams": 4}}}}
    base = answer_key("/summarize", {"text": "نص", "max_sections": 12}, identity)
    assert base == answer_key("/summarize", {"max_sections": 12, "text": "نص"}, dict(identity))
    other_beams = {**identity, "models": {"summarizer": {"id": "s", "generation": {"num_beams": 2}}}}
    assert len({
        base,
        answer_key("/translate", {"text": "نص", "max_sections": 12}, identity),
        answer_key("/summarize", {"text": "نص", "max_sections": 2}, identity),
        answer_key("/summarize", {"text": "نص ", "max_sections": 12}, identity),
        answer_key("/summarize", {"text": "نص", "max_sections": 12}, other_beams),
        answer_key("/summarize", {"text": "نص", "max_sections": 12}, {**identity, "version": "2"}),
    }) == 6  # fmt: skip


@pytest.mark.parametrize(
    ("accept", "streams"),
    [
        ("application/x-ndjson", True),
        ("application/x-ndjson, application/json;q=0.5", True),
        ("APPLICATION/X-NDJSON;charset=utf-8", True),
        ("application/json, application/x-ndjson;q=0.2", False),
        ("application/x-ndjson;q=0", False),
        ("application/x-ndjson;q=nonsense", False),
        ("application/json", False),
        ("*/*", False),
        ("", False),
        (None, False),
        (";;,,;q=;=", False),
    ],
)
def test_accept_header_chooses_the_stream(accept: str | None, streams: bool) -> None:
    assert wants_stream(accept) is streams
