"""Every notebook in nbs/ is a test (one test id per notebook), run the way `nbdev_test` runs it.

Cells flagged with any of settings.ini's `tst_flags` (`slow gpu`) are skipped unless named in the
`NBDEV_TEST_FLAGS` environment variable (space-separated), which `make test-slow` sets.
"""
import os
from pathlib import Path

import pytest
import nbdev.test as nbtest  # not `from nbdev.test import test_nb`: pytest would collect it
from nbdev.config import get_config
from nbdev.doclinks import nbglob

ROOT = Path(__file__).resolve().parents[1]
CFG = get_config(path=ROOT)
NOTEBOOKS = sorted(Path(p) for p in nbglob(path=CFG.nbs_path, as_path=True))


def _nb_id(p: Path) -> str:
    return p.relative_to(CFG.nbs_path).as_posix()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[_nb_id(p) for p in NOTEBOOKS])
def test_notebook(nb: Path, monkeypatch):
    force = os.environ.get("NBDEV_TEST_FLAGS", "").split()
    skip = [f for f in CFG.tst_flags.split() if f not in force]
    monkeypatch.setenv("IN_TEST", "1")
    cwd = os.getcwd()
    try:
        ok, secs = nbtest.test_nb(nb, skip_flags=skip, force_flags=force, do_print=False, basepath=CFG.config_path)
    finally:
        os.chdir(cwd)
    assert ok, f"notebook {_nb_id(nb)} failed (see the traceback above)"


def test_found_notebooks():
    "Guard against a glob that silently finds nothing."
    assert len(NOTEBOOKS) >= 5, NOTEBOOKS
