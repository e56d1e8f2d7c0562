"""The papermill job notebook: parameters reach the run, and the report has its curve, evaluation and video."""
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
JOB = ROOT / "nbs" / "jobs" / "train.ipynb"


def _env():
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "MPLBACKEND": "Agg", "JUPYTER_PREFER_ENV_PATH": "1"}
    env.pop("IN_TEST", None)
    return env


def test_parameters_cell_survives_cleaning():
    nb = nbformat.read(JOB, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "total_steps" in tagged[0].source
    import papermill as pm
    params = pm.inspect_notebook(str(JOB))  # papermill must be able to parse every parameter line
    assert set(params) == {"config", "overrides", "seed", "total_steps", "run_dir", "run_root"}, params


def test_papermill_job(tmp_path):
    out = tmp_path / "report.ipynb"
    r = subprocess.run([str(BIN / "papermill"), str(JOB), str(out), "-p", "config", str(ROOT / "configs/ppo_cartpole.yaml"),
                        "-p", "seed", "3", "-p", "total_steps", "2048", "-p", "run_root", str(tmp_path / "runs"),
                        "-y", "overrides: ['telemetry.console=false', 'eval.episodes=2']", "--no-progress-bar"],
                       capture_output=True, text=True, env=_env(), timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    run = next((tmp_path / "runs").iterdir())
    lineage = json.loads((run / "lineage.json").read_text())
    assert lineage["status"] == "completed" and lineage["seed"] == 3 and lineage["steps"] == 2048
    assert (run / "curve.png").stat().st_size > 1000 and (run / "videos" / "final.mp4").stat().st_size > 1000
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    mimes = {m for o in outputs for m in o.get("data", {})}
    assert {"image/png", "text/markdown", "text/html"} <= mimes, mimes  # curve, evaluation table, embedded video


def test_rlkit_job_train(tmp_path):
    "As `make demo` runs it: a relative --run-root (the kernel works in nbs/jobs/, so the job must pass it absolute)."
    r = subprocess.run([str(BIN / "rlkit"), "job", "train", "-c", str(ROOT / "configs/ppo_cartpole.yaml"), "--set", "train.total_steps=1024",
                        "--set", "eval.episodes=2", "--set", "telemetry.console=false", "--run-root", "runs"],
                       cwd=tmp_path, capture_output=True, text=True, env=_env(), timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    run = next((tmp_path / "runs").iterdir())
    assert (run / "report.ipynb").exists(), r.stdout
    for line in ("report notebook:", "video:", "learning curve:", "checkpoint:"):
        assert line in r.stdout, r.stdout
    assert json.loads((run / "lineage.json").read_text())["status"] == "completed"
