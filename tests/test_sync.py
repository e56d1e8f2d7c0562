"""The library is generated from the notebooks, and the notebooks are committed clean.

Both checks run on a copy of the project in a temporary folder, so the working tree is never touched.
"""
import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _copy_project(dst: Path) -> Path:
    for name in ("settings.ini", "setup.py"):
        shutil.copy2(ROOT / name, dst / name)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "runs", "*.pyc")
    shutil.copytree(ROOT / "nbs", dst / "nbs", symlinks=True, ignore=ignore)
    shutil.copytree(ROOT / "rlkit", dst / "rlkit", ignore=ignore)
    return dst


def _diff_trees(a: Path, b: Path, pattern: str) -> list[str]:
    fa = {p.relative_to(a).as_posix() for p in a.rglob(pattern) if "__pycache__" not in p.parts}
    fb = {p.relative_to(b).as_posix() for p in b.rglob(pattern) if "__pycache__" not in p.parts}
    changed = sorted(f for f in fa & fb if not filecmp.cmp(a / f, b / f, shallow=False))
    return changed + [f"only in repo: {f}" for f in sorted(fa - fb)] + [f"only after export: {f}" for f in sorted(fb - fa)]


def test_library_matches_notebooks(tmp_path):
    "Fails when `nbdev_export` would change anything in rlkit/."
    proj = _copy_project(tmp_path)
    subprocess.run([str(BIN / "nbdev_export")], cwd=proj, check=True, capture_output=True)
    diff = _diff_trees(ROOT / "rlkit", proj / "rlkit", "*.py")
    assert not diff, f"rlkit/ is out of date with nbs/ (run `make export` and commit): {diff}"


def test_notebooks_are_clean(tmp_path):
    "Fails when `nbdev_clean` would change a notebook (outputs' metadata, execution counts, ...)."
    proj = _copy_project(tmp_path)
    subprocess.run([str(BIN / "nbdev_clean")], cwd=proj, check=True, capture_output=True)
    diff = _diff_trees(ROOT / "nbs", proj / "nbs", "*.ipynb")
    assert not diff, f"notebooks are not clean (run `make export` and commit): {diff}"
