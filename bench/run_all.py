"""Run every benchmark in bench/ (each prints JSON); `make bench` calls this. Record results in bench/RESULTS.md."""
import subprocess
import sys
from pathlib import Path

for script in sorted(Path(__file__).parent.glob("*.py")):
    if script.name == "run_all.py": continue
    print(f"== {script.name}", flush=True)
    subprocess.run([sys.executable, str(script)], check=True)
