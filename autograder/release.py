"""Generate the student notebooks in ``lessons/`` from ``solutions/`` with nbgrader."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "autograder" / "nbgrader_config.py"  # sets the course root to ROOT
SOLUTIONS = ROOT / "solutions"


def lesson_names():
    """The lesson folders of solutions/, in order: ['01_single_unit', ...]."""
    return sorted(p.parent.name for p in SOLUTIONS.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb")
                  if p.stem == p.parent.name)


def release(lessons=None, release_dir=None, quiet=False):
    """Run ``nbgrader generate_assignment`` for each lesson.

    Parameters
    ----------
    lessons : list of lesson names (default: all of solutions/).
    release_dir : folder to write to (default: lessons/); another folder
        lets a test regenerate without touching the committed notebooks.
    """
    names = lessons or lesson_names()
    unknown = sorted(set(names) - set(lesson_names()))
    if unknown:
        raise SystemExit(f"no such lesson in {SOLUTIONS}: {', '.join(unknown)}")
    for name in names:
        command = [sys.executable, "-m", "nbgrader", "generate_assignment", name,
                   "--force", "--no-db", "--log-level=WARN"]
        if release_dir is not None:
            command.append(f"--CourseDirectory.release_directory={Path(release_dir).resolve()}")
        # nbgrader reads nbgrader_config.py from its working folder.
        done = subprocess.run(command, cwd=CONFIG.parent, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"nbgrader could not generate {name}:\n{done.stdout}{done.stderr}")
        if not quiet:
            print(f"released {name}")
