"""What happens to a notebook when it is graded: the steps, in order.

nbgrader's autograde runs a submission through two lists of
preprocessors, writing the notebook to disk in between; the grader's own
steps are marked (*). Before any of them, intake.find_submissions has
checked the files (missing, corrupt, oversized), and after them grade.py
reads the scores from the gradebook, the noted events from the
notebook's metadata (record.py), and renders the feedback.

Sanitize:
  1. Intake (*)              note changed locked cells; strip foreign graded cells
  2. ClearOutput             drop the outputs the student saved
  3. DeduplicateIds          one cell per grade id (Intake already kept the first)
  4. OverwriteKernelspec     the lesson's kernel, not the one the notebook names
  5. OverwriteCells          restore the locked cells (the tests) from the source
  6. CheckCellMetadata

Autograde (nbgrader's IgnorePattern and ClearMetadataPreprocessor, off unless
configured, are left out):
  7. InsertProbes (*)        a probe cell before each function's first test
  8. SandboxedExecute (*)    run every cell in the sandbox: deadlines, restarts
  9. LimitOutputSize (*)     characters kept per cell and per notebook
 10. LimitOutput             lines kept per cell, traceback lines (nbgrader's)
 11. JudgeProbes (*)         judge the probes outside the kernel; overrule tests
 12. UnscoreStderr (*)       stderr in a test cell is shown, not scored
 13. SaveAutoGrades          a test cell with an error output scores 0, else its points
 14. AssignLatePenalties
 15. CheckCellMetadata

Feedback (nbgrader's generate_feedback, in the worker that graded it):
 16. GetGrades               the scores, from the gradebook
 17. CSSHTMLHeaderPreprocessor
 18. HideHiddenTests (*)     hidden tests' lines and outputs left out

State between steps travels in the notebook: the events in its metadata
(record.py), the probes' inputs and results in its folder (.grader/).
"""
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput,
                                    DeduplicateIds, GetGrades, LimitOutput, OverwriteCells,
                                    OverwriteKernelspec, SaveAutoGrades)

from . import course
from .execute import SandboxedExecute
from .feedback import HideHiddenTests
from .intake import Intake
from .outputs import LimitOutputSize, UnscoreStderr
from .probes.steps import InsertProbes, JudgeProbes

SANITIZE = [Intake, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
AUTOGRADE = [InsertProbes, SandboxedExecute, LimitOutputSize, LimitOutput, JudgeProbes, UnscoreStderr,
             SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
FEEDBACK = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests]


def grading_config(root, limits=course.DEFAULT_LIMITS, matplotlib_cache=""):
    """The course's nbgrader configuration for a course folder `root` (a
    grader's copy, with its own gradebook), with the steps above, and the
    `limits` of every kernel (course.Limits)."""
    c = course.nbgrader_config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.source_directory = str(course.SOLUTIONS)
    c.CourseDirectory.db_url = course.gradebook_url(Path(root) / "gradebook.db")
    c.Autograde.sanitize_preprocessors = SANITIZE
    c.Autograde.autograde_preprocessors = AUTOGRADE
    c.GenerateFeedback.preprocessors = FEEDBACK
    c.OverwriteCells.add_missing_cells = True
    c.Intake.release_folder = str(Path(root) / c.CourseDirectory.release_directory)
    c.SandboxedExecute.matplotlib_cache = str(matplotlib_cache)
    c.SandboxedExecute.cell_timeout = limits.cell_timeout
    c.SandboxedExecute.notebook_timeout = limits.notebook_timeout
    c.SandboxedExecute.max_processes = limits.max_processes
    c.SandboxedExecute.memory_bytes = limits.memory
    c.SandboxedExecute.tmp_bytes = limits.tmp_size
    c.SandboxedExecute.work_bytes = limits.work_size
    c.SandboxedExecute.file_bytes = limits.file_size
    c.SandboxedExecute.cgroups = limits.cgroups
    return c
