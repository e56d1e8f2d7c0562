"""The installed `rlkit` command, end to end in subprocesses: exit codes, one-line errors, nothing left behind."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RLKIT = str(Path(sys.executable).parent / "rlkit")
QUIET = ["--set", "telemetry.console=false", "--set", "telemetry.tensorboard=false"]


def rlkit(*args, cwd=ROOT):
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "MPLBACKEND": "Agg"}
    env.pop("IN_TEST", None)
    return subprocess.run([RLKIT, *map(str, args)], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.parametrize("args,expected", [
    (["-c", "configs/does_not_exist.yaml"], "config file not found"),
    (["--set", "trian.total_steps=5"], "did you mean 'train'"),
    (["--set", "env.id=CartPol-v1"], "did you mean 'CartPole-v1'"),
    (["--set", "algo.name=dqn_typo"], "unknown algorithm"),
    (["--set", "train.total_steps=many"], "train.total_steps: expected int, got 'many' (str)"),
    (["--set", "env.id=Pendulum-v1", "--set", "algo.hidden_sizes=[-1]"], ""),
])
def test_bad_input_is_one_line_exit_2(tmp_path, args, expected):
    r = rlkit("train", *args, "--run-root", tmp_path)
    if not expected:  # a config that validates but cannot build (negative width): still a clean failure
        assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
        return
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rlkit: error:") and expected in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert not any(tmp_path.iterdir()), "a run directory was left behind"


def test_malformed_yaml_and_toml(tmp_path):
    (tmp_path / "bad.yaml").write_text("algo:\n  lr: [1\n")
    (tmp_path / "bad.toml").write_text("[algo\nlr = 1\n")
    for name, msg in (("bad.yaml", "malformed YAML at line"), ("bad.toml", "malformed TOML")):
        r = rlkit("train", "-c", tmp_path / name, "--run-root", tmp_path / "runs")
        assert r.returncode == 2 and msg in r.stderr, r.stderr
    assert not (tmp_path / "runs").exists()


def test_renamed_key_warns_and_works():
    r = rlkit("config", "--set", "train.n_timesteps=5000")
    assert r.returncode == 0, r.stderr
    assert "total_steps: 5000" in r.stdout
    assert "'train.n_timesteps' is renamed to 'train.total_steps'" in r.stderr


def test_debug_shows_traceback(tmp_path):
    r = rlkit("--debug", "train", "-c", "nope.yaml", "--run-root", tmp_path)
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_config_command_and_toml_equals_yaml():
    a = rlkit("config", "-c", "configs/ppo_cartpole.yaml")
    b = rlkit("config", "-c", "configs/ppo_cartpole.toml")
    assert a.returncode == 0, a.stderr
    hash_a = a.stdout.strip().splitlines()[-1]
    assert hash_a.startswith("# config hash:")
    # the TOML file leaves telemetry and a few eval fields at their defaults, which match the YAML's values
    assert hash_a == b.stdout.strip().splitlines()[-1]


def test_train_short_run(tmp_path):
    r = rlkit("train", "-c", "configs/ppo_cartpole.yaml", "--set", "train.total_steps=2048", "--set", "eval.episodes=2",
              *QUIET, "--run-root", tmp_path)
    assert r.returncode == 0, r.stderr
    run_dirs = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert len(run_dirs) == 1 and run_dirs[0].name.startswith("ppo_cartpole-")
    run = run_dirs[0]
    assert json.loads((run / "lineage.json").read_text())["status"] == "completed"
    for line in ("run directory:", "learning curve:", "video:"):
        assert line in r.stdout, r.stdout
    assert (run / "curve.png").exists() and (run / "videos" / "final.mp4").exists()

    e = rlkit("eval", run, "--episodes", "3", "--video")
    assert e.returncode == 0, e.stderr
    assert "over 3 episodes" in e.stdout and "(step 2048)" in e.stdout, e.stdout
    assert (run / "videos" / "eval-2048.mp4").stat().st_size > 1000


def test_config_check_for_every_shipped_config():
    "Every config in configs/ validates (MuJoCo ones included: building them needs the mujoco extra, validating does not)."
    for path in sorted((ROOT / "configs").glob("*.*")):
        r = rlkit("config", "-c", path)
        assert r.returncode == 0, (path, r.stderr)
