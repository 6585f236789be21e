#!/usr/bin/env python3
"""Convert speech to a training speaker's voice: python tools/convert.py SRC.wav TARGET [--model EXPDIR] [-o OUT]."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from vc.cli.convert import main  # noqa: E402

if __name__ == "__main__":
    main()
