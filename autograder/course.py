"""The course: where things are, what they are called, and the limits it
is graded with.

The repository root is nbgrader's course folder: ``solutions/`` is its
source folder (instructor notebooks with solutions and hidden tests),
``lessons/`` its release folder (the student notebooks). A lesson is a
folder ``NN_name/`` holding ``NN_name.ipynb``.

The grader reads these here: the layout and lesson names, the files it
writes next to a grades CSV (`Outputs`), the limits of every kernel
(`Limits`, which also gives ``grade``'s command-line defaults), a
gradebook's URL, and the course's nbgrader configuration. Inside a
grading copy of the course folder (grade.py, gradebook.py) the names are
nbgrader's own: ``gradebook.db``, ``submitted/``, ``autograded/``,
``feedback/``.
"""
import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"
CONFIG_FILE = Path(__file__).with_name("nbgrader_config.py")
COURSE_ID = "neural-networks"
COURSE_GRADEBOOK = ROOT / "gradebook.db"   # nbgrader's default gradebook of this course folder

KiB, MiB, GiB = 1024, 1024**2, 1024**3

# What the grader writes, next to the grades CSV.
GRADE_FIELDS = ["student", "lesson", "score", "max_score", "status", "reason"]
TEST_FIELDS = ["student", "lesson", "test", "score", "max_score"]
PART_SUFFIX = ".part.json"  # a part's manifest, grades.part.json beside its grades.csv (parts.py)


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


def gradebook_url(path):
    """The SQLAlchemy URL of the nbgrader gradebook file `path`."""
    return f"sqlite:///{Path(path).resolve()}"


@dataclass(frozen=True)
class Limits:
    """What every notebook's kernel may use while it is graded (limits.py,
    execute.py), and whether the judge diagnoses failed tests
    (diagnosis.py). Sizes in bytes. ``grade``'s options default to these."""
    cell_timeout: int = 60                # seconds a cell may run
    notebook_timeout: int = 600           # seconds the whole notebook may run
    max_processes: int = 64               # processes and threads at once
    memory: int = 2 * GiB                 # the kernel's memory, tmpfs pages included
    tmp_size: int = 256 * MiB             # the kernel's /tmp, a tmpfs
    work_size: int = 256 * MiB            # the notebook's folder, a tmpfs
    file_size: int = 64 * MiB             # one file the kernel writes
    cgroups: bool = True                  # cgroups where they can be made, else rlimits
    diagnosis: bool = True                # name the mistakes of failed tests (the report's misconceptions)
    figures: int = 1                      # figures made with the student's functions drawn for the feedback (yours.py)

    def options(self):
        """The limits as a plain dict (what a grading run is keyed by, state.py)."""
        return dataclasses.asdict(self)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Outputs:
    """Every file ``grade`` and ``report`` write for one grades CSV, beside it."""
    grades: Path

    def __post_init__(self):
        object.__setattr__(self, "grades", Path(self.grades))

    @property
    def folder(self):
        return self.grades.parent

    def _beside(self, suffix):
        return self.grades.with_name(f"{self.grades.stem}{suffix}")

    @property
    def tests(self):        # the points of every test cell
        return self._beside("_tests.csv")

    @property
    def state(self):        # the rows kept between runs (state.py)
        return self._beside(".state.jsonl")

    @property
    def part(self):         # what a part of a class graded in parts is (parts.py)
        return self._beside(PART_SUFFIX)

    @property
    def report_png(self):
        return self._beside("_report.png")

    @property
    def copies(self):       # possible copies (report.py)
        return self.folder / "copies.csv"

    @property
    def misconceptions(self):  # the failed tests grouped by mistake (misconceptions.py)
        return self.folder / "misconceptions.csv"

    def lms(self, name):    # a learning management system's import file (lms.py)
        return self._beside(f"_{name}.csv")

    @property
    def feedback_folder(self):
        return self.folder / "feedback"

    @property
    def autograded_folder(self):
        return self.folder / "autograded"

    def feedback(self, student, lesson):
        return self.feedback_folder / student / f"{lesson}.html"

    def autograded(self, student, lesson):
        return self.autograded_folder / student / notebook_name(lesson)


@lru_cache(maxsize=None)
def _loaded_config():
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()


def nbgrader_config():
    """The course's nbgrader configuration (nbgrader_config.py, loaded once):
    a copy that the caller may change."""
    import copy

    return copy.deepcopy(_loaded_config())
