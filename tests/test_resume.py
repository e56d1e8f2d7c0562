"""Exact resume after a hard kill: SIGKILL a training process mid-run, `rlkit resume` it, and check that the resumed
run's metrics equal those of an uninterrupted run with the same seed, step for step (CPU)."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RLKIT = str(Path(sys.executable).parent / "rlkit")
TIMING = {"steps_per_s", "wall_time_s", "steps_per_s_overall"}


def _env():
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "MPLBACKEND": "Agg"}
    env.pop("IN_TEST", None)
    return env


def _args(root, extra):
    return [RLKIT, "train", "--run-root", str(root), "--no-video", "--set", "telemetry.console=false",
            "--set", "telemetry.tensorboard=false", "--set", "seed=11", *extra]


def _metrics(run_dir):
    out = []
    for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec["category"] == "misc": continue
        out.append((rec["step"], rec["category"], {k: v for k, v in rec["metrics"].items() if k not in TIMING}))
    return out


def _run_dir(root):
    dirs = [p for p in Path(root).iterdir() if (p / "lineage.json").exists()]
    assert len(dirs) == 1, dirs
    return dirs[0]


CASES = {
    "ppo": ["--set", "env.num_envs=4", "--set", "algo.n_steps=64", "--set", "algo.n_epochs=4", "--set", "train.total_steps=24576",
            "--set", "eval.every_steps=2048", "--set", "eval.episodes=2", "--set", "checkpoint.every_steps=2048",
            "--set", "checkpoint.keep_last=20"],
    "sac": ["--set", "algo.name=sac", "--set", "env.id=Pendulum-v1", "--set", "env.num_envs=1", "--set", "algo.hidden_sizes=[32,32]",
            "--set", "algo.learning_starts=200", "--set", "algo.buffer_size=5000", "--set", "train.total_steps=3000",
            "--set", "train.log_every_steps=200", "--set", "eval.every_steps=500", "--set", "eval.episodes=1",
            "--set", "checkpoint.every_steps=500", "--set", "checkpoint.keep_last=20", "--set", "env.normalize_reward=true"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_sigkill_then_resume_matches_uninterrupted(tmp_path, case):
    extra = CASES[case]
    ref_root, kill_root = tmp_path / "ref", tmp_path / "killed"
    ref = subprocess.run(_args(ref_root, extra), cwd=ROOT, capture_output=True, text=True, env=_env(), timeout=900)
    assert ref.returncode == 0, ref.stderr
    expected = _metrics(_run_dir(ref_root))

    proc = subprocess.Popen(_args(kill_root, extra), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    deadline = time.time() + 600
    killed_at = None
    while time.time() < deadline:
        ckdirs = list(kill_root.glob("*/checkpoints/step-*/MANIFEST.json"))
        if len(ckdirs) >= 2 and proc.poll() is None:     # at least two checkpoints written, still training
            proc.send_signal(signal.SIGKILL); proc.wait(); killed_at = len(ckdirs); break
        if proc.poll() is not None: break
        time.sleep(0.02)
    assert killed_at is not None, f"the run ended before it could be killed (rc={proc.returncode}): {proc.stderr.read()[-2000:]}"
    run_dir = _run_dir(kill_root)
    assert json.loads((run_dir / "lineage.json").read_text())["status"] == "running"    # killed: no chance to mark it
    assert _metrics(run_dir) != expected                                                 # really interrupted

    res = subprocess.run([RLKIT, "resume", str(run_dir), "--no-video"], cwd=ROOT, capture_output=True, text=True,
                         env=_env(), timeout=900)
    assert res.returncode == 0, res.stderr
    assert _metrics(run_dir) == expected
    lineage = json.loads((run_dir / "lineage.json").read_text())
    assert lineage["status"] == "completed" and lineage["resumes"] == 1


def test_sigterm_stops_with_a_checkpoint_and_resumes(tmp_path):
    """A second process cannot resume a run that is still training; a scheduler's SIGTERM: the run finishes its
    iteration, saves a checkpoint there, is marked interrupted, exits 130; then it resumes to the end."""
    extra = [*CASES["ppo"], "--set", "train.total_steps=60000"]      # long enough to still be running after the refusal
    proc = subprocess.Popen(_args(tmp_path, extra), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_env())
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None and not list(tmp_path.glob("*/checkpoints/step-*/MANIFEST.json")):
        time.sleep(0.02)
    assert proc.poll() is None, f"the run ended before the signal (rc={proc.returncode}): {proc.stderr.read()[-2000:]}"
    second = subprocess.run([RLKIT, "resume", str(_run_dir(tmp_path)), "--no-video"], cwd=ROOT, capture_output=True,
                            text=True, env=_env(), timeout=300)
    assert second.returncode == 2 and "is being written by pid" in second.stderr, second.stderr
    assert proc.poll() is None, "the run ended before the signal"
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=600)[1]
    assert proc.returncode == 130, err
    run_dir = _run_dir(tmp_path)
    assert "stopped by SIGTERM at step" in err and f"rlkit resume {run_dir}" in err, err
    lineage = json.loads((run_dir / "lineage.json").read_text())
    assert lineage["status"] == "interrupted" and "SIGTERM" in lineage["error"], lineage
    steps = sorted(int(p.name.split("-")[1]) for p in (run_dir / "checkpoints").glob("step-*"))
    last_metric = max(rec["step"] for rec in map(json.loads, (run_dir / "metrics.jsonl").read_text().splitlines()))
    assert steps[-1] == last_metric < 60000, (steps, last_metric)        # the checkpoint is where the run stopped
    res = subprocess.run([RLKIT, "resume", str(run_dir), "--no-video"], cwd=ROOT, capture_output=True, text=True,
                         env=_env(), timeout=900)
    assert res.returncode == 0, res.stderr
    assert json.loads((run_dir / "lineage.json").read_text())["status"] == "completed"
