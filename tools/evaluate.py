#!/usr/bin/env python
"""Objective evaluation of conversions (thin wrapper of ``vc-evaluate``).

Usage: python tools/evaluate.py --model EXPDIR --data DATADIR --out DIR [--compare EXPDIR2] [--pairs N] [--seed S]
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from vc.cli.evaluate import main  # noqa: E402

if __name__ == "__main__":
    main()
