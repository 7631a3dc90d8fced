"""The latency benchmark's piece filter in both id spaces: a full head and a restricted (compact) one."""

import pytest
import torch

from benchmarks.latency import KnownPiecesOnly


def test_known_pieces_only_bans_ids_the_tokenizer_cannot_decode_in_either_id_space() -> None:
    full = KnownPiecesOnly(known=5)(torch.zeros(1, 1), torch.zeros(2, 8))
    assert torch.isinf(full[:, 5:]).all() and not torch.isinf(full[:, :5]).any()
    # Compact column i stands for tokenizer id full_ids[i]: columns for ids 6 and 9 are banned, whatever their place.
    full_ids = torch.tensor([0, 2, 6, 3, 9])
    compact = KnownPiecesOnly(known=5, full_ids=full_ids)(torch.zeros(1, 1), torch.zeros(2, 5))
    assert torch.isinf(compact).tolist() == [[False, False, True, False, True]] * 2


@pytest.mark.slow  # imports matplotlib and draws: seconds
def test_chart_draws_each_measured_side(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from benchmarks.latency import chart

    def side(summarize: float, translate: float) -> dict[str, object]:
        return {
            "latency_ms": {"reference": {"p50": summarize + translate + 10}},
            "stage_ms": {"summarize": {"p50": summarize}, "translate": {"p50": translate}},
        }

    report = {"beams": 4, "device": "cpu", "machine": {"cpu_count": 2}, "ours": side(2000, 900)}
    chart(report | {"naive": side(30000, 19000), "ours_greedy": side(700, 300)}, tmp_path / "full.png")
    chart(report, tmp_path / "ours-only.png")
    for name in ("full.png", "ours-only.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "full.png").stat().st_size > (tmp_path / "ours-only.png").stat().st_size
