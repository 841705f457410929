"""The course, in one place: where things are, what they are called.

The repository root is nbgrader's course folder: ``solutions/`` is its
source folder (instructor notebooks with solutions and hidden tests),
``lessons/`` its release folder (the student notebooks). A lesson is a
folder ``NN_name/`` holding ``NN_name.ipynb``. Every other module (the
nbgrader configuration, release, grade, report, the tests) takes these
names from here.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"
CONFIG_FILE = Path(__file__).with_name("nbgrader_config.py")
COURSE_ID = "neural-networks"

# What the grader writes, next to the grades CSV.
GRADE_FIELDS = ["student", "lesson", "score", "max_score", "status", "reason"]
TEST_FIELDS = ["student", "lesson", "test", "score", "max_score"]
FEEDBACK_DIR = "feedback"        # feedback/<student>/<lesson>.html
AUTOGRADED_DIR = "autograded"    # autograded/<student>/<lesson>.ipynb


def lesson_names():
    """The lessons of the course, in order: ['01_single_unit', ...]."""
    return sorted(p.parent.name for p in SOLUTIONS.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb")
                  if p.stem == p.parent.name)


def notebook_name(lesson):
    return f"{lesson}.ipynb"


def source_notebook(lesson):
    """The instructor's notebook of a lesson: solutions/<lesson>/<lesson>.ipynb."""
    return SOLUTIONS / lesson / notebook_name(lesson)


def student_notebook(lesson):
    """The released notebook of a lesson: lessons/<lesson>/<lesson>.ipynb."""
    return LESSONS / lesson / notebook_name(lesson)


def tests_csv_path(grades_csv):
    """The per-test file written next to grades.csv: ``<stem>_tests.csv``."""
    grades_csv = Path(grades_csv)
    return grades_csv.with_name(f"{grades_csv.stem}_tests.csv")


def nbgrader_config():
    """The course's nbgrader configuration, loaded from nbgrader_config.py."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
