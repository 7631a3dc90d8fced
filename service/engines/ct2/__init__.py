"""The CTranslate2 backend: converted models served without torch or transformers.

`cache` finds (or has converted) the model, `tokens` tokenizes from the files saved beside it, `engine` runs
`translate_batch`, `roles` are the summarizer and translator. Importing this package imports neither ctranslate2
nor torch; loading an engine imports ctranslate2.
"""

from service.engines.ct2.cache import cache_root, compute_type, converted_path, ensure_converted, installed
from service.engines.ct2.engine import CT2Engine
from service.engines.ct2.roles import CT2Summarizer, CT2Translator
from service.engines.ct2.runtime import is_out_of_memory, sub_batch, thread_layout

__all__ = [
    "CT2Engine",
    "CT2Summarizer",
    "CT2Translator",
    "cache_root",
    "compute_type",
    "converted_path",
    "ensure_converted",
    "installed",
    "is_out_of_memory",
    "sub_batch",
    "thread_layout",
]
