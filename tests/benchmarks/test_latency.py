"""The latency benchmark's piece filter in both id spaces: a full head and a restricted (compact) one."""

import torch

from benchmarks.latency import KnownPiecesOnly


def test_known_pieces_only_bans_ids_the_tokenizer_cannot_decode_in_either_id_space() -> None:
    full = KnownPiecesOnly(known=5)(torch.zeros(1, 1), torch.zeros(2, 8))
    assert torch.isinf(full[:, 5:]).all() and not torch.isinf(full[:, :5]).any()
    # Compact column i stands for tokenizer id full_ids[i]: columns for ids 6 and 9 are banned, whatever their place.
    full_ids = torch.tensor([0, 2, 6, 3, 9])
    compact = KnownPiecesOnly(known=5, full_ids=full_ids)(torch.zeros(1, 1), torch.zeros(2, 5))
    assert torch.isinf(compact).tolist() == [[False, False, True, False, True]] * 2
