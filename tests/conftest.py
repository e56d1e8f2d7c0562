"""Shared pytest setup: markers, the project root, and a headless environment for every test."""
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Headless defaults: no display, no audio, a non-interactive matplotlib backend.
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")
# hypothesis writes .hypothesis/ into the cwd (nbs/ under the notebook tests) unless told otherwise
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "rlkit-hypothesis"))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running (trainings, browser); run by `make test-slow`")
    config.addinivalue_line("markers", "gpu: needs a CUDA device")


@pytest.fixture
def root() -> Path:
    "The project root (where settings.ini lives)."
    return ROOT
