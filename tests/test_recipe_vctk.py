"""VCTK recipe parts: the test tree, data prep on both layouts, option checks, download, job runner."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import soundfile as sf

from vc.datadir import read_data_dir, read_scp, validate_data_dir

REPO = Path(__file__).resolve().parents[1]
RECIPE = REPO / "recipes" / "vctk"
CORPUS = REPO / "recipes" / "mini" / "corpus"
LOCAL = RECIPE / "local"


def _py(script: str, *args: str, cwd: Path = RECIPE, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(LOCAL / script), *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)


def _sh(script: Path, *args: str, env: dict | None = None, cwd: Path = RECIPE) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(script), *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=600)


@pytest.fixture(scope="module")
def trees(tmp_path_factory) -> dict[str, Path]:
    """Small trees in the 0.92 and 0.80 layouts: 4 speakers x 3 utterances, the last without text."""
    base = tmp_path_factory.mktemp("vctk")
    out = {}
    for layout in ("0.92", "0.80"):
        root = base / f"VCTK-{layout}"
        proc = _py("make_test_tree.py", "--src", str(CORPUS), "--out", str(root), "--layout", layout,
                   "--speakers", "4", "--utts-per-speaker", "3", "--no-text-speakers", "1",
                   "--textgrids-out", str(base / f"gold-{layout}"))
        assert proc.returncode == 0, proc.stderr
        out[layout] = root
    out["gold"] = base / "gold-0.92"
    return out


def test_test_tree_has_the_exact_092_layout(trees) -> None:
    root = trees["0.92"]
    flacs = sorted(p.relative_to(root).as_posix() for p in (root / "wav48_silence_trimmed").rglob("*.flac"))
    assert len(flacs) == 24
    assert flacs[0].startswith("wav48_silence_trimmed/p225/p225_") and flacs[0].endswith("_mic1.flac")
    info = sf.info(str(root / flacs[0]))
    assert info.samplerate == 48000 and info.format == "FLAC" and info.channels == 1
    assert sorted(p.name for p in (root / "txt").iterdir()) == ["p225", "p226", "p227"]
    txt = next((root / "txt" / "p225").glob("p225_*.txt"))
    assert (root / "wav48_silence_trimmed" / "p225" / f"{txt.stem}_mic1.flac").is_file()
    lines = (root / "speaker-info.txt").read_text().splitlines()
    assert lines[0].split()[:3] == ["ID", "AGE", "GENDER"] and lines[1].split()[0] == "p225"
    old = trees["0.80"]
    assert len(list((old / "wav48").rglob("p22?_*.wav"))) == 12
    assert (old / "speaker-info.txt").read_text().splitlines()[1].split()[0] == "225"


@pytest.mark.parametrize("layout, mic", [("0.92", "mic1"), ("0.92", "mic2"), ("0.80", "mic1")])
def test_data_prep(trees, tmp_path: Path, layout: str, mic: str) -> None:
    out = tmp_path / "data"
    proc = _py("data_prep.py", "--db-root", str(trees[layout]), "--out", str(out), "--mic", mic,
               "--num-heldout", "1", "--dev-per-speaker", "1", "--test-per-speaker", "1")
    assert proc.returncode == 0, proc.stderr
    assert f"VCTK {layout}" in proc.stdout
    assert "speakers: 3 (2 training, 1 held out)" in proc.stdout
    assert "skipped 3 utterance(s) without a transcript (p228: 3)" in proc.stdout
    for name, n in (("train", 2), ("dev", 2), ("test", 2), ("heldout", 3), ("all", 9)):
        assert validate_data_dir(out / name) == [], name
        d = read_data_dir(out / name)
        assert len(d.utts) == n, name
    all_ = read_data_dir(out / "all")
    assert set(all_.speakers) == {"p225", "p226", "p227"}
    wav = all_.wav_scp[all_.utts[0]]
    assert wav.endswith(f"_{mic}.flac" if layout == "0.92" else ".wav")
    assert all_.text[all_.utts[0]][0].isupper()
    assert (out / "heldout_speakers").read_text() == "p227\n"
    assert (out / "spk2gender").read_text().splitlines()[0] == "p225 f"
    # test utterances are the sentences shared by the most speakers
    test = read_data_dir(out / "test")
    assert len({" ".join(test.text[u].split()) for u in test.utts}) == 1


def test_data_prep_wrong_tree_says_what_it_expected(tmp_path: Path) -> None:
    (tmp_path / "somewhere").mkdir()
    (tmp_path / "somewhere" / "readme.txt").write_text("not vctk")
    proc = _py("data_prep.py", "--db-root", str(tmp_path / "somewhere"), "--out", str(tmp_path / "data"))
    assert proc.returncode == 1
    msg = proc.stderr.strip()
    assert msg.startswith("error: --db-root") and "is not a VCTK tree" in msg
    assert "wav48_silence_trimmed/pNNN/pNNN_MMM_mic1.flac" in msg and "found: readme.txt" in msg
    assert "Traceback" not in proc.stderr
    missing = _py("data_prep.py", "--db-root", str(tmp_path / "nope"), "--out", str(tmp_path / "data"))
    assert missing.returncode == 1 and "does not exist; expected" in missing.stderr


def test_run_sh_rejects_unknown_options() -> None:
    proc = _sh(RECIPE / "run.sh", "--stgae", "2")
    assert proc.returncode == 1
    assert "unknown option --stgae" in proc.stderr
    for opt in ("--db-root", "--stage", "--stop-stage", "--nj", "--ngpu", "--conf", "--tag", "--aligner",
                "--textgrid-dir", "--mic"):
        assert opt in proc.stderr
    bad = _sh(RECIPE / "run.sh", "--aligner", "kaldi")
    assert bad.returncode == 1 and "--aligner must be auto, textgrids, mfa or builtin" in bad.stderr
    nonint = _sh(RECIPE / "run.sh", "--nj=four")
    assert nonint.returncode == 1 and "--nj must be an integer" in nonint.stderr
    helped = _sh(RECIPE / "run.sh", "--help")
    assert helped.returncode == 0 and "--db-root" in helped.stdout and "stage" in helped.stdout.lower()


def test_run_sh_wrong_db_root(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "clips").mkdir()
    proc = _sh(RECIPE / "run.sh", "--db-root", str(tmp_path / "corpus"), "--stage", "0", "--stop-stage", "0",
               "--workdir", str(tmp_path / "work"))
    assert proc.returncode == 1
    assert "is not a VCTK tree: expected" in proc.stderr and "found: clips/" in proc.stderr


def test_download_skips_existing_tree_and_explains_offline(trees, tmp_path: Path) -> None:
    have = _sh(LOCAL / "download.sh", str(trees["0.92"]))
    assert have.returncode == 0 and "already present" in have.stdout
    offline = _sh(LOCAL / "download.sh", str(tmp_path / "db"), env={"VCTK_URLS": f"file://{tmp_path}/none.zip"})
    assert offline.returncode == 1
    assert "could not download VCTK 0.92" in offline.stderr
    assert "run.sh --db-root" in offline.stderr and "datashare.ed.ac.uk" in offline.stderr


def _zip_tree(src: Path, archive: Path) -> str:
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(src.rglob("*")):
            z.write(p, p.relative_to(src).as_posix())
    return hashlib.sha256(archive.read_bytes()).hexdigest()


def test_download_verifies_checksum_and_unpacks(trees, tmp_path: Path) -> None:
    archive = tmp_path / "mirror" / "VCTK-Corpus-0.92.zip"
    archive.parent.mkdir()
    digest = _zip_tree(trees["0.92"], archive)
    url = {"VCTK_URLS": f"file://{archive}"}
    bad = _sh(LOCAL / "download.sh", str(tmp_path / "db1"), env={**url, "VCTK_SHA256": "0" * 64})
    assert bad.returncode == 1 and "checksum mismatch" in bad.stderr
    assert (tmp_path / "db1" / "VCTK-Corpus-0.92.zip.bad").is_file()
    good = _sh(LOCAL / "download.sh", str(tmp_path / "db2"), env={**url, "VCTK_SHA256": digest})
    assert good.returncode == 0, good.stderr
    tree = tmp_path / "db2" / "VCTK-Corpus-0.92"
    assert (tree / "speaker-info.txt").is_file() and (tree / "wav48_silence_trimmed" / "p225").is_dir()
    again = _sh(LOCAL / "download.sh", str(tmp_path / "db2"), env=url)
    assert again.returncode == 0 and "already present" in again.stdout


def test_run_jobs_local_array_and_failure(tmp_path: Path) -> None:
    ok = _sh(LOCAL / "run_jobs.sh", "JOB=1:3", str(tmp_path / "log" / "t.JOB.log"), "echo", "job JOB of 'a b'")
    assert ok.returncode == 0, ok.stderr
    assert "job 2 of 'a b'" in (tmp_path / "log" / "t.2.log").read_text()
    bad = _sh(LOCAL / "run_jobs.sh", "JOB=1:2", str(tmp_path / "log" / "f.JOB.log"), "bash", "-c", "exit $((JOB - 1))")
    assert bad.returncode == 1 and "1 of 2 job(s) failed" in bad.stderr and "f.2.log" in bad.stderr


def test_run_jobs_slurm_uses_sbatch_array_and_srun(tmp_path: Path) -> None:
    """With fake sbatch/srun on the PATH: the array goes through sbatch --array --wait, one job through srun."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.txt"
    (bin_dir / "sbatch").write_text(f"""#!/usr/bin/env bash
echo "sbatch $*" >> {calls}
array=""; out=""; wrap=""
while [[ $# -gt 0 ]]; do
  case "$1" in --array) array=$2; shift 2;; --output) out=$2; shift 2;; --wrap) wrap=$2; shift 2;; *) shift;; esac
done
for ((i=${{array%-*}}; i<=${{array#*-}}; i++)); do SLURM_ARRAY_TASK_ID=$i bash -c "$wrap" > "${{out//%a/$i}}" 2>&1 || exit 1; done
echo 4242
""")
    (bin_dir / "srun").write_text(f"""#!/usr/bin/env bash
echo "srun $*" >> {calls}
while [[ "$1" == --* ]]; do case "$1" in --export) shift 2;; *) shift 2;; esac; done
exec "$@"
""")
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "slurm_opts": "--partition debug"}
    arr = _sh(LOCAL / "run_jobs.sh", "--backend", "slurm", "--mem", "2G", "JOB=1:2", str(tmp_path / "a.JOB.log"),
              "echo", "part JOB", env=env)
    assert arr.returncode == 0, arr.stderr
    assert (tmp_path / "a.2.log").read_text().strip() == "part 2"
    one = _sh(LOCAL / "run_jobs.sh", "--backend", "slurm", "--gpu", "2", str(tmp_path / "b.log"), "echo", "single",
              env=env)
    assert one.returncode == 0, one.stderr
    assert (tmp_path / "b.log").read_text().strip() == "single"
    sbatch, srun = calls.read_text().splitlines()
    assert "--wait" in sbatch and "--array 1-2" in sbatch and "--mem 2G" in sbatch and "--partition debug" in sbatch
    assert srun.startswith("srun") and "--gres gpu:2" in srun and "--partition debug" in srun


def test_split_and_collect_textgrids(trees, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _py("data_prep.py", "--db-root", str(trees["0.92"]), "--out", str(data), "--num-heldout", "1",
               "--dev-per-speaker", "1", "--test-per-speaker", "1").returncode == 0
    split = _py("split_data.py", str(data / "all"), "4")
    assert split.returncode == 0 and split.stdout.strip() == "4"
    parts = [read_data_dir(data / "all" / "split4" / str(k)) for k in range(1, 5)]
    assert [len(p.utts) for p in parts] == [3, 2, 2, 2]
    assert sorted(u for p in parts for u in p.utts) == read_data_dir(data / "all").utts
    assert Path(parts[0].wav_scp[parts[0].utts[0]]).is_absolute()
    # Existing TextGrids (MFA-style DIR/<speaker>/<utt>.TextGrid): all but one found.
    gold = tmp_path / "gold"
    shutil.copytree(trees["gold"], gold)
    missing = sorted(gold.rglob("p226_*.TextGrid"))[0]
    missing.rename(missing.with_suffix(".bak"))
    proc = _py("collect_textgrids.py", "--data", str(data), "--sets", "all", "train", "dev", "test", "heldout",
               "--out", str(tmp_path / "align"), "--tg-dir", str(gold))
    assert proc.returncode == 0, proc.stderr
    assert "alignments: 8/9 utterances; 1 without" in proc.stdout
    scp = read_scp(tmp_path / "align" / "textgrid.scp")
    assert len(scp) == 8 and missing.stem not in scp
    assert validate_data_dir(data / "heldout") == []
    for name in ("train", "dev", "test"):
        sub = read_scp(data / name / "textgrid.scp")
        assert set(sub) <= set(read_scp(data / name / "wav.scp"))


def test_convert_pairs_default_and_bad_target(trees, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _py("data_prep.py", "--db-root", str(trees["0.92"]), "--out", str(data), "--num-heldout", "1",
               "--dev-per-speaker", "1", "--test-per-speaker", "1").returncode == 0
    proc = _py("convert_pairs.py", "--data", str(data), "--out", str(tmp_path / "conv"), "--utts-per-pair", "1")
    assert proc.returncode == 0, proc.stderr
    lines = [line.split() for line in (tmp_path / "conv" / "pairs.txt").read_text().splitlines()]
    assert [(Path(src).name[:4], tgt) for src, tgt, _ in lines] == [("p225", "p226"), ("p226", "p225"),
                                                                    ("p227", "p225")]
    assert all(out.endswith(f"_to_{tgt}.wav") for _, tgt, out in lines)
    bad = _py("convert_pairs.py", "--data", str(data), "--out", str(tmp_path / "conv"), "--pairs", "p225:p227")
    assert bad.returncode == 1 and "not a training speaker" in bad.stderr


def test_run_sh_auto_aligner_picks_mfa_on_the_path(trees, tmp_path: Path) -> None:
    """Stages 0-1 with a stand-in `mfa` that checks its corpus layout and copies the gold TextGrids."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    mfa = bin_dir / "mfa"
    mfa.write_text(f"""#!/usr/bin/env bash
set -e
[[ "$1" == align ]] || exit 2
echo "$*" > {tmp_path}/mfa_args.txt
args=("$@"); n=${{#args[@]}}
corpus=${{args[n-4]}}; out=${{args[n-1]}}
for lab in "$corpus"/*/*.lab; do
  utt=$(basename "$lab" .lab); spk=$(basename "$(dirname "$lab")")
  [[ -e "$corpus/$spk/$utt.flac" ]] || {{ echo "no audio for $utt" >&2; exit 3; }}
  mkdir -p "$out/$spk"; cp {trees["gold"]}/$spk/$utt.TextGrid "$out/$spk/"
done
""")
    mfa.chmod(0o755)
    proc = _sh(RECIPE / "run.sh", "--db-root", str(trees["0.92"]), "--workdir", str(tmp_path / "work"),
               "--stage", "0", "--stop-stage", "1", "--nj", "2", "--num-heldout", "1", "--dev-per-speaker", "1",
               "--test-per-speaker", "1", env={"PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "phone alignment with 'mfa'" in proc.stdout and "alignments: 9/9 utterances" in proc.stdout
    args = (tmp_path / "mfa_args.txt").read_text().split()
    assert args[:4] == ["align", "--clean", "-j", "2"] and args[-3:-1] == ["english_us_arpa", "english_us_arpa"]
    scp = read_scp(tmp_path / "work" / "data" / "test" / "textgrid.scp")
    assert len(scp) == 2 and all(Path(p).is_file() for p in scp.values())
