#!/usr/bin/env python3
"""Quality of the mini recipe's conversions: MCD (after DTW) converted-vs-target against source-vs-target.

For every converted file ``EXP/convert/<utt>_to_<target>.wav`` listed in ``EXP/convert/pairs.txt`` it
finds the target speaker's real utterance of the same sentence in ``--data`` and computes
``vc.evaluation.mcd.mel_cepstral_distortion`` (dB, DTW) from that reference to the converted audio and
to the unconverted source. It also reads each experiment's final dev reconstruction loss
(``summary.json``). Printed targets (issue 4): converted MCD lower than source MCD on average and for
>= 80 % of pairs; SFVQ dev loss within 10 % of VQ's (first experiment named *sfvq*, first named *vq*).

Usage: python tools/mini_quality.py --data recipes/mini/data/test --exps recipes/mini/exp/sfvq recipes/mini/exp/vq
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="MCD of converted vs source against the real target utterance")
    ap.add_argument("--data", required=True, help="Kaldi data dir of the test set (parallel sentences)")
    ap.add_argument("--exps", nargs="+", required=True, help="experiment dirs with convert/pairs.txt")
    ap.add_argument("--out", default=None, help="write the numbers as JSON here")
    ap.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = ap.parse_args(argv)

    from vc.audio import load_audio
    from vc.datadir import read_data_dir
    from vc.errors import UserError
    from vc.evaluation.mcd import mel_cepstral_distortion
    from vc.evaluation.pairs import parallel_index, sentence_key
    from vc.fileio import write_text_atomic

    try:
        data = read_data_dir(args.data)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    index = parallel_index(data)
    sr = 16000
    cache: dict[str, object] = {}

    def audio(path: str):
        if path not in cache:
            cache[path] = load_audio(path, sr)
        return cache[path]

    results: dict[str, dict] = {}
    ok = True
    for exp in map(Path, args.exps):
        pairs_file = exp / "convert" / "pairs.txt"
        if not pairs_file.is_file():
            print(f"error: {pairs_file} not found (run the conversion stage first)", file=sys.stderr)
            return 1
        rows = []
        for line in pairs_file.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            src_path, target, out_path = line.split()
            utt = Path(out_path).name[: -len(f"_to_{target}.wav")]
            ref_utt = index.get((target, sentence_key(data, utt)))
            if ref_utt is None or not Path(out_path).is_file():
                continue
            ref = audio(str(data.wav_path(ref_utt)))
            conv = load_audio(out_path, sr)
            mcd_conv = mel_cepstral_distortion(ref, conv, sr, use_dtw=True)
            mcd_src = mel_cepstral_distortion(ref, audio(src_path), sr, use_dtw=True)
            rows.append({"utt": utt, "target": target, "reference": ref_utt, "mcd_converted": mcd_conv,
                         "mcd_source": mcd_src})
        if not rows:
            print(f"error: no converted file of {exp} has a parallel target utterance in {args.data}",
                  file=sys.stderr)
            return 1
        better = sum(r["mcd_converted"] < r["mcd_source"] for r in rows) / len(rows)
        mean_c = sum(r["mcd_converted"] for r in rows) / len(rows)
        mean_s = sum(r["mcd_source"] for r in rows) / len(rows)
        summary = json.loads((exp / "summary.json").read_text()) if (exp / "summary.json").is_file() else {}
        results[exp.name] = {"pairs": len(rows), "mcd_converted_mean": mean_c, "mcd_source_mean": mean_s,
                             "share_improved": better, "dev_loss": summary.get("dev_loss"),
                             "loss_kind": summary.get("loss_kind"), "rows": rows}
        passed = mean_c < mean_s and better >= 0.8
        ok &= passed
        print(f"{exp.name}: {len(rows)} pairs; MCD converted->target {mean_c:.2f} dB vs source->target "
              f"{mean_s:.2f} dB; converted closer for {100 * better:.1f} % of pairs "
              f"[{'PASS' if passed else 'MISS'}: target mean lower and >= 80 %]")
    sf = next((v for k, v in results.items() if "sfvq" in k), None)
    vq = next((v for k, v in results.items() if "vq" in k and "sfvq" not in k), None)
    if sf and vq and sf["dev_loss"] is not None and vq["dev_loss"] is not None:
        ratio = sf["dev_loss"] / vq["dev_loss"]
        passed = ratio <= 1.10
        ok &= passed
        results["dev_loss_ratio_sfvq_over_vq"] = ratio
        print(f"dev reconstruction loss ({sf['loss_kind']} on normalised log-mel): SFVQ {sf['dev_loss']:.4f}, "
              f"VQ {vq['dev_loss']:.4f}, ratio {ratio:.3f} [{'PASS' if passed else 'MISS'}: <= 1.10]")
    if args.out:
        write_text_atomic(args.out, json.dumps(results, indent=1) + "\n")
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
