"""Run every benchmark in bench/ (each prints JSON); `make bench` calls this. Record results in bench/RESULTS.md.

Files whose name starts with `_` are helpers that the benchmarks import, not benchmarks."""
import subprocess
import sys
from pathlib import Path

for script in sorted(Path(__file__).parent.glob("*.py")):
    if script.name == "run_all.py" or script.name.startswith("_"): continue
    print(f"== {script.name}", flush=True)
    subprocess.run([sys.executable, str(script)], check=True)
