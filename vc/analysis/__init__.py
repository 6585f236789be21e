"""Phonetic analysis of quantized latents: alignment with TextGrid phones, arrangement metrics, figures,
reports and Praat export.

Entry points: :func:`vc.analysis.pipeline.run_analysis` (what ``vc-analyze-latents`` runs),
:func:`vc.analysis.results.analyze` (metrics of one aligned set), :mod:`vc.analysis.metrics` (the measures).
"""
