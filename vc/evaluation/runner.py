"""Per-pair evaluation of converted speech against the source and the target speaker's real speech.

For one pair (source utterance, target speaker, optional parallel target utterance) and the
converted waveform, :class:`Evaluator` fills one result row:

- ``mcd_conv_target`` / ``mcd_source_target`` (dB, parallel pairs only): MCD after DTW
  (:mod:`vc.evaluation.mcd`), of the converted and, for reference, of the source speech against
  the parallel target utterance;
- ``f0_rmse_cents_*``, ``f0_corr_*``, ``vuv_error_*`` (parallel only): F0 agreement along the
  same DTW path (:mod:`vc.evaluation.f0`);
- ``spk_sim_conv_target`` / ``spk_sim_conv_source``: cosine between the converted speech and the
  target / source speaker's embedding (mean over up to ``ref_utts`` of their real utterances,
  never the converted sentence); ``closer_to_target`` (1/0); ``spk_sim_source_target``: the
  unconverted source speech against the target speaker, for reference;
- ``wer_*``, ``cer_*`` (needs ``text``): PocketSphinx error rates of the converted and of the source
  speech against the source transcript, with error and reference counts for corpus-level rates;
- ``dnsmos_*_{conv,source,target}``: DNSMOS of converted, source and target speech (the
  parallel target utterance, else the target speaker's first reference utterance).

Real audio is loaded with :func:`vc.audio.load_audio` (mono, resampled, peak-normalised); the
converted waveform is resampled to the same rate and peak-normalised the same way. Results for
real utterances are cached, so a second model on the same pairs only pays for its own speech.
A metric family whose package is missing is skipped: it is listed in ``skipped`` with the reason.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from typing import Callable, Iterable, Sequence

import librosa
import numpy as np

from vc.audio import PEAK_LEVEL, load_audio, save_audio
from vc.datadir import DataDir

from . import METRIC_FAMILIES
from .asr import Recognizer, char_errors, word_errors
from .dnsmos import DnsMos
from .f0 import extract_f0, f0_metrics
from .mcd import McepConfig, mcd_from_cepstra, mel_cepstrum, trim_silence
from .optional import MetricUnavailable
from .pairs import Pair, reference_utts, sentence_key
from .speaker import SpeakerEncoder, cosine, mean_embedding

NAN = float("nan")

ConvertFn = Callable[[np.ndarray, int, str, str], tuple[np.ndarray, int]]


class _Analysis:
    """Trimmed waveform's mel-cepstra (frames, M+1) and F0 track (frames,) on the same grid."""

    def __init__(self, wav: np.ndarray, sample_rate: int, cfg: McepConfig, with_f0: bool) -> None:
        trimmed = trim_silence(wav)
        self.mcep = mel_cepstrum(trimmed, sample_rate, cfg)
        self.f0, self.voiced = extract_f0(trimmed, sample_rate, cfg.hop_seconds) if with_f0 else (None, None)


class Evaluator:
    """Computes the metric row of each pair; caches everything about real utterances.

    Args:
        data: the evaluation data directory (sources, targets and reference speech).
        metrics: metric families to compute, a subset of :data:`METRIC_FAMILIES`.
        sample_rate: evaluation rate in Hz.
        ref_utts: utterances per speaker embedding.
        device: torch device of the speaker encoder.
        log: called with one line per skipped metric.
    """

    def __init__(self, data: DataDir, metrics: Sequence[str] = METRIC_FAMILIES, sample_rate: int = 16000,
                 ref_utts: int = 5, device: str = "cpu", log: Callable[[str], None] = print) -> None:
        unknown = set(metrics) - set(METRIC_FAMILIES)
        if unknown:
            raise ValueError(f"unknown metrics {sorted(unknown)}; choose from {', '.join(METRIC_FAMILIES)}")
        self.data = data
        self.metrics = tuple(m for m in METRIC_FAMILIES if m in metrics)
        self.sample_rate = sample_rate
        self.ref_utts = ref_utts
        self.mcep_cfg = McepConfig()
        self.skipped: dict[str, str] = {}
        self.timings: dict[str, float] = defaultdict(float)
        self._log = log
        self._wavs: dict[str, np.ndarray] = {}
        self._analysis: dict[str, _Analysis] = {}
        self._pair_cache: dict[tuple[str, str], dict[str, float]] = {}
        self._emb: dict[str, np.ndarray] = {}
        self._asr: dict[str, str] = {}
        self._mos: dict[str, dict[str, float]] = {}
        self.speaker = self._build("speaker", lambda: SpeakerEncoder(device))
        self.recognizer = self._build("asr", Recognizer)
        self.dnsmos = self._build("dnsmos", DnsMos)
        if "asr" in self.metrics and self.recognizer is not None and not any(v.strip() for v in data.text.values()):
            self._skip("asr", "intelligibility (WER/CER) skipped: the data directory has no transcripts (text file)")
            self.recognizer = None

    def _skip(self, family: str, reason: str) -> None:
        self.skipped[family] = reason
        self._log(f"skip: {reason}")

    def _build(self, family: str, factory: Callable[[], object]):
        if family not in self.metrics:
            return None
        start = time.perf_counter()
        try:
            return factory()
        except MetricUnavailable as err:
            self._skip(family, str(err))
            return None
        except Exception as err:  # an installed but broken package (e.g. weights that do not load)
            self._skip(family, f"{family} skipped: its model could not be set up ({type(err).__name__}: "
                               f"{' '.join(str(err).split())})")
            return None
        finally:
            self.timings[f"{family}_setup"] += time.perf_counter() - start

    @property
    def active(self) -> tuple[str, ...]:
        """Metric families that will be computed."""
        return tuple(m for m in self.metrics if m not in self.skipped)

    # -- real speech --------------------------------------------------------------------------
    def wav(self, utt: str) -> np.ndarray:
        """(samples,) float32 audio of a data-directory utterance at the evaluation rate (cached)."""
        if utt not in self._wavs:
            self._wavs[utt] = load_audio(self.data.wav_path(utt), self.sample_rate)
        return self._wavs[utt]

    def _real_analysis(self, utt: str) -> _Analysis:
        if utt not in self._analysis:
            self._analysis[utt] = _Analysis(self.wav(utt), self.sample_rate, self.mcep_cfg, "f0" in self.active)
        return self._analysis[utt]

    def _embedding(self, utt: str) -> np.ndarray:
        if utt not in self._emb:
            self._emb[utt] = self.speaker.embed(self.wav(utt), self.sample_rate)
        return self._emb[utt]

    def speaker_embedding(self, speaker: str, exclude_key: str | None) -> np.ndarray | None:
        """(256,) mean embedding of ``speaker``'s reference utterances, or None if it has none."""
        utts = reference_utts(self.data, speaker, exclude_key, self.ref_utts)
        return mean_embedding(self._embedding(u) for u in utts) if utts else None

    def _transcript(self, utt: str) -> str:
        if utt not in self._asr:
            self._asr[utt] = self.recognizer.transcribe(self.wav(utt), self.sample_rate)
        return self._asr[utt]

    def _real_mos(self, utt: str) -> dict[str, float]:
        if utt not in self._mos:
            self._mos[utt] = self.dnsmos.score(self.wav(utt), self.sample_rate)
        return self._mos[utt]

    # -- one pair -----------------------------------------------------------------------------
    def prepare_converted(self, wav: np.ndarray, sample_rate: int) -> np.ndarray:
        """Resample converted speech to the evaluation rate and peak-normalise it like real audio."""
        wav = np.asarray(wav, dtype=np.float32).reshape(-1)
        if sample_rate != self.sample_rate:
            wav = librosa.resample(y=wav, orig_sr=sample_rate, target_sr=self.sample_rate).astype(np.float32)
        peak = float(np.max(np.abs(wav))) if wav.size else 0.0
        return wav * (PEAK_LEVEL / peak) if peak > 0 else wav

    def evaluate(self, pair: Pair, converted: np.ndarray, model: str) -> dict[str, object]:
        """Metric row of one pair.

        Args:
            pair: the pair.
            converted: (samples,) converted speech at the evaluation rate (see :meth:`prepare_converted`).
            model: label of the model in the results.

        Returns:
            A flat dict of identifiers and metric values (NaN where a value does not apply).
        """
        sr = self.sample_rate
        src = self.wav(pair.source_utt)
        row: dict[str, object] = {
            "model": model, "source_utt": pair.source_utt, "source_spk": pair.source_spk,
            "target_spk": pair.target_spk, "target_utt": pair.target_utt or "", "parallel": int(pair.parallel),
            "source_seconds": round(src.size / sr, 3), "conv_seconds": round(converted.size / sr, 3),
        }
        active = self.active
        if ("mcd" in active or "f0" in active) and pair.parallel:
            start = time.perf_counter()
            row.update(self._parallel_metrics(pair, converted))
            self.timings["mcd+f0"] += time.perf_counter() - start
        if "speaker" in active:
            start = time.perf_counter()
            row.update(self._speaker_metrics(pair, converted))
            self.timings["speaker"] += time.perf_counter() - start
        text = self.data.text.get(pair.source_utt, "")
        if "asr" in active and text.strip():
            start = time.perf_counter()
            hyp_conv = self.recognizer.transcribe(converted, sr)
            hyp_src = self._transcript(pair.source_utt)
            for name, hyp in (("conv", hyp_conv), ("source", hyp_src)):
                w, c = word_errors(text, hyp), char_errors(text, hyp)
                row.update({f"wer_{name}": w.rate, f"cer_{name}": c.rate,
                            f"word_errors_{name}": w.errors, f"char_errors_{name}": c.errors})
            row.update({"ref_words": w.ref_length, "ref_chars": c.ref_length, "asr_conv": hyp_conv,
                        "asr_source": hyp_src})
            self.timings["asr"] += time.perf_counter() - start
        if "dnsmos" in active:
            start = time.perf_counter()
            target_utt = pair.target_utt or next(iter(reference_utts(self.data, pair.target_spk, None, 1)), None)
            scores = {"conv": self.dnsmos.score(converted, sr), "source": self._real_mos(pair.source_utt),
                      "target": self._real_mos(target_utt) if target_utt else None}
            for who, sc in scores.items():
                for key in ("ovrl", "sig", "bak", "p808"):
                    row[f"dnsmos_{key}_{who}"] = sc[key] if sc else NAN
            self.timings["dnsmos"] += time.perf_counter() - start
        return row

    def _parallel_metrics(self, pair: Pair, converted: np.ndarray) -> dict[str, float]:
        tgt = self._real_analysis(pair.target_utt)
        conv = _Analysis(converted, self.sample_rate, self.mcep_cfg, "f0" in self.active)
        out = self._compare(tgt, conv, "conv_target")
        key = (pair.source_utt, pair.target_utt)
        if key not in self._pair_cache:
            self._pair_cache[key] = self._compare(tgt, self._real_analysis(pair.source_utt), "source_target")
        out.update(self._pair_cache[key])
        return out

    def _compare(self, ref: _Analysis, hyp: _Analysis, suffix: str) -> dict[str, float]:
        mcd, path = mcd_from_cepstra(ref.mcep, hyp.mcep, use_dtw=True)
        out: dict[str, float] = {}
        if "mcd" in self.active:
            out[f"mcd_{suffix}"] = mcd
        if "f0" in self.active:
            sc = f0_metrics(ref.f0, ref.voiced, hyp.f0, hyp.voiced, path)
            out.update({f"f0_rmse_cents_{suffix}": sc.f0_rmse_cents, f"f0_corr_{suffix}": sc.f0_corr,
                        f"vuv_error_{suffix}": sc.vuv_error})
        return out

    def _speaker_metrics(self, pair: Pair, converted: np.ndarray) -> dict[str, float]:
        key = sentence_key(self.data, pair.source_utt)
        tgt = self.speaker_embedding(pair.target_spk, key)
        src = self.speaker_embedding(pair.source_spk, key)
        conv = self.speaker.embed(converted, self.sample_rate)
        sim_t = cosine(conv, tgt) if tgt is not None else NAN
        sim_s = cosine(conv, src) if src is not None else NAN
        closer = NAN if math.isnan(sim_t) or math.isnan(sim_s) else float(sim_t > sim_s)
        base = cosine(self._embedding(pair.source_utt), tgt) if tgt is not None else NAN
        return {"spk_sim_conv_target": sim_t, "spk_sim_conv_source": sim_s, "closer_to_target": closer,
                "spk_sim_source_target": base}


def run_pairs(evaluator: Evaluator, pairs: Iterable[Pair], convert: ConvertFn, model: str,
              save_dir=None, progress: Callable[[Iterable], Iterable] | None = None) -> list[dict[str, object]]:
    """Convert and evaluate every pair with one model.

    Args:
        evaluator: the shared :class:`Evaluator`.
        pairs: pairs to run.
        convert: ``convert(wav, sample_rate, target_speaker, source_speaker) -> (wav, sample_rate)``
            (the signature of :meth:`vc.convert.Converter.convert`).
        model: label written in each row.
        save_dir: if given, converted speech is written to ``save_dir/<source>__to__<target>.wav``.
        progress: optional wrapper of the iterable (e.g. tqdm).

    Returns:
        One row per pair (see :meth:`Evaluator.evaluate`).
    """
    rows = []
    items = list(pairs)
    for pair in (progress(items) if progress else items):
        src = evaluator.wav(pair.source_utt)
        start = time.perf_counter()
        wav, sr = convert(src, evaluator.sample_rate, pair.target_spk, pair.source_spk)
        evaluator.timings["convert"] += time.perf_counter() - start
        conv = evaluator.prepare_converted(wav, sr)
        if save_dir is not None:
            save_audio(f"{save_dir}/{pair.source_utt}__to__{pair.target_spk}.wav", conv, evaluator.sample_rate)
        rows.append(evaluator.evaluate(pair, conv, model))
    return rows


def copy_source(wav: np.ndarray, sample_rate: int, target: str, source: str) -> tuple[np.ndarray, int]:
    """A no-op "converter" returning the source speech (benchmarks of the metric part, baselines)."""
    return wav, sample_rate
