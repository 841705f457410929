"""Run the whole course as a student's Run All would: the seven solution notebooks.

Each notebook of ``solutions/`` is executed with nbclient in a fresh kernel
(the ``python3`` kernel of this environment), one after another, in a copy
of its folder, as a student pressing Run All on every lesson in turn. Prints,
per notebook, the seconds until the kernel was ready, the seconds spent in the
cells, the total (wall time, what the student waits), the CPU seconds the
kernel used (which grows less than the wall time when other programs share
the machine), and the number of cells that failed or wrote to stderr; then the
course's total next to the target (under 90 s on the 2-core machine the
course is built on). ``--cells N`` also lists the N slowest cells of each
notebook with their first line.

Run from the repository root:  python bench/course.py [--lesson NAME] [--cells N]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
TARGET_S = 90.0


def cell_seconds(cell):
    """Seconds between the kernel starting a cell and its reply, from nbclient's timing."""
    timing = cell.metadata.get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except KeyError:
        return 0.0
    return (end - start).total_seconds()


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(path, timeout=600):
    """Execute the notebook at path in a copy of its folder.

    Returns (seconds until the kernel was ready, total seconds, CPU seconds the
    kernel used, the executed notebook).
    """
    nb = nbformat.read(str(path), as_version=4)
    with tempfile.TemporaryDirectory() as folder:
        shutil.copytree(path.parent, folder, dirs_exist_ok=True)
        ready, cpu = [], [0.0]
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                record_timing=True, resources={"metadata": {"path": folder}})
        client.on_notebook_start = lambda **_: ready.append(time.perf_counter())
        client.on_cell_executed = lambda **_: cpu.__setitem__(
            0, cpu_seconds(client.km.provisioner.process.pid))
        start = time.perf_counter()
        client.execute(stderr=subprocess.DEVNULL)   # the kernel's own log, not the cells'
        total = time.perf_counter() - start
    return ready[0] - start, total, cpu[0], nb


def outputs(cell, kind):
    return [o for o in cell.get("outputs", []) if o.get("output_type") == kind
            or (kind == "stderr" and o.get("name") == "stderr")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", help="run only this lesson, e.g. 07_digits")
    parser.add_argument("--cells", type=int, default=0, metavar="N",
                        help="list the N slowest cells of each notebook")
    args = parser.parse_args()
    paths = sorted(p for p in SOLUTIONS.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb")
                   if p.stem == p.parent.name and (args.lesson in (None, p.stem)))
    if not paths:
        sys.exit(f"no solution notebook named {args.lesson!r} in {SOLUTIONS}")

    print(f"Run All on {len(paths)} solution notebooks, one after another, fresh kernel each")
    print(f"{'notebook':22}{'kernel (s)':>11}{'cells (s)':>11}{'total (s)':>11}"
          f"{'CPU (s)':>9}{'errors':>8}{'stderr':>8}")
    course, course_cpu, failed = 0.0, 0.0, 0
    for path in paths:
        kernel, total, cpu, nb = run(path)
        code = [c for c in nb.cells if c.cell_type == "code"]
        errors = sum(bool(outputs(c, "error")) for c in code)
        stderr = sum(bool(outputs(c, "stderr")) for c in code)
        failed += errors
        course += total
        course_cpu += cpu
        print(f"{path.stem:22}{kernel:11.1f}{sum(map(cell_seconds, code)):11.1f}{total:11.1f}"
              f"{cpu:9.1f}{errors:8d}{stderr:8d}", flush=True)
        for cell in sorted(code, key=cell_seconds, reverse=True)[:args.cells]:
            index = nb.cells.index(cell)
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            print(f"    cell {index:3d} {cell_seconds(cell):6.2f} s   {first[:60]}")
    verdict = "met" if course < TARGET_S else "MISSED"
    print(f"{'whole course':22}{'':22}{course:11.1f}{course_cpu:9.1f}   "
          f"target < {TARGET_S:.0f} s: {verdict}")
    if failed:
        sys.exit(f"{failed} cell(s) raised an error: the figures above are not a clean run")


if __name__ == "__main__":
    main()
