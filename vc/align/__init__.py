"""Built-in forced aligner: words and phones into MFA-style TextGrids (pocketsphinx backend)."""

from __future__ import annotations

from vc.align.lexicon import Lexicon, Resolution, tokenize
from vc.align.sphinx import AlignmentFailed, AlignResult, PocketsphinxAligner

__all__ = ["AlignResult", "AlignmentFailed", "Lexicon", "PocketsphinxAligner", "Resolution", "tokenize"]
