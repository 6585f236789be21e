#!/usr/bin/env python
"""Phonetic latent analysis: ``python tools/analyze_latents.py --model EXPDIR --data DATA --out OUTDIR``.

Thin wrapper around :func:`vc.cli.analyze_latents.main`; ``--help`` lists the options.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from vc.cli.analyze_latents import main  # noqa: E402

if __name__ == "__main__":
    main()
