"""Objective evaluation of conversions: MCD, F0, speaker similarity, ASR error rates, DNSMOS.

Submodules import their optional heavy dependencies (resemblyzer, pocketsphinx, speechmos)
lazily; a missing one raises :class:`vc.evaluation.optional.MetricUnavailable` with a message
saying what to install, and the evaluation runner skips that metric.
"""

#: Metric families in report order (``vc-evaluate --metrics`` takes a comma-separated subset).
METRIC_FAMILIES = ("mcd", "f0", "speaker", "asr", "dnsmos")
