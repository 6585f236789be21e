#!/usr/bin/env python
"""Forced-align a Kaldi data directory into MFA-style TextGrids (thin wrapper of ``vc-align``).

Usage: python tools/align.py --data DIR --out TGDIR [--nj N] [--oov skip|spn]
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from vc.cli.align import main  # noqa: E402

if __name__ == "__main__":
    main()
