"""Seq2seq engines. Importing this package does not import torch; the engine modules do."""
