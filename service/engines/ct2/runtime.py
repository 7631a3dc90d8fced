"""CTranslate2 process settings: the device, the thread layout, how many rows one worker decodes at once, and which
errors mean out of memory."""

import math

from service.config import Settings
from service.errors import ConfigError

# Token rows (input tokens x beams) one worker holds encoder states for at once: a 512-token section searched with
# 4 beams decodes alone (2,048), where two or three sections in one call held the states of 8 to 12 beam rows;
# short sentences still batch by the dozen.
ROW_TOKEN_BUDGET = 2048


def device_of(settings: Settings) -> str:
    """ "cpu" or "cuda" as KHULASA_DEVICE asks (auto: CUDA when CTranslate2 sees a device)."""
    if settings.device == "cpu":
        return "cpu"
    import ctranslate2

    gpus = ctranslate2.get_cuda_device_count()
    if settings.device == "cuda" and gpus == 0:
        raise ConfigError("KHULASA_DEVICE=cuda but CTranslate2 sees no CUDA device")
    return "cuda" if gpus else "cpu"


def thread_layout(cpus: int) -> tuple[int, int]:
    """(inter_threads, intra_threads) for `cpus` CPUs: two workers that each take half of a batch keep both halves
    of a small machine busy, where one worker with every thread leaves cores idle between its small GEMMs."""
    inter = 2 if cpus >= 2 else 1
    return inter, max(1, cpus // inter)


def sub_batch(rows: int, workers: int, beams: int, longest: int) -> int:
    """`max_batch_size` of one `translate_batch` call: the rows split evenly between the workers, and no more beam
    rows of the longest input than ROW_TOKEN_BUDGET allows in one worker at once (at least one input)."""
    even = math.ceil(rows / workers)
    return max(1, min(even, ROW_TOKEN_BUDGET // max(1, beams * longest)))


def is_out_of_memory(error: BaseException) -> bool:
    """Whether CTranslate2 ran out of device or host memory (which the next request may not)."""
    if isinstance(error, MemoryError):
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and ("out of memory" in text or "bad_alloc" in text)
