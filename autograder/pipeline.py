"""What happens to a notebook when it is graded: the steps, in order.

nbgrader's autograde runs a submission through two lists of
preprocessors, writing the notebook to disk in between; the grader's own
steps are marked (*). Before any of them, intake.find_submissions has
checked the files (missing, corrupt, oversized), and after them grade.py
reads the scores from the gradebook, the noted events from the
notebook's metadata (record.py), and renders the feedback.

Sanitize:
  1. Intake (*)              note changed locked cells; restore their metadata; strip foreign graded cells
  2. ClearOutput             drop the outputs the student saved
  3. DeduplicateIds          one cell per grade id (Intake already kept the first)
  4. OverwriteKernelspec     the lesson's kernel, not the one the notebook names
  5. OverwriteCells          restore the locked cells (the tests) from the source
  6. CheckCellMetadata

Autograde (nbgrader's IgnorePattern and ClearMetadataPreprocessor, off unless
configured, are left out):
  7. SandboxedExecute (*)    run the student's cells in the sandbox (deadlines, restarts)
                             and each test cell in the judge, outside it (judge.py)
  8. LimitSourceSize (*)     a cell's source cut to a bounded size, with a note
  9. LimitOutputSize (*)     characters kept per cell and per notebook
 10. LimitOutput             lines kept per cell, traceback lines (nbgrader's)
 11. SaveAutoGrades          a test cell with an error output scores 0, else its points
 12. AssignLatePenalties
 13. CheckCellMetadata

Feedback (nbgrader's generate_feedback, in the worker that graded it):
 14. GetGrades               the scores, from the gradebook
 15. CSSHTMLHeaderPreprocessor
 16. HideHiddenTests (*)     hidden tests' lines left out of the test cells
 17. ExplainBlockedCalls (*) a demonstration stopped by a blocked nnlib exercise: a note, not an error
 18. SanitizeStudentHTML (*) the student's markdown as text, their outputs' HTML cleaned
 then FeedbackExporter (*): nbconvert's HTML, without its slow last pass

A test cell's outputs are made by the judge alone, so SaveAutoGrades
scores what the grader found, never what the kernel printed. State
between steps travels in the notebook: the events in its metadata
(record.py).
"""
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput,
                                    DeduplicateIds, GetGrades, LimitOutput, OverwriteCells,
                                    OverwriteKernelspec, SaveAutoGrades)

from . import course
from .execute import SandboxedExecute
from .feedback import (ExplainBlockedCalls, FeedbackExporter, HideHiddenTests, LimitSourceSize,
                       SanitizeStudentHTML)
from .intake import Intake
from .outputs import LimitOutputSize

SANITIZE = [Intake, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
AUTOGRADE = [SandboxedExecute, LimitSourceSize, LimitOutputSize, LimitOutput, SaveAutoGrades,
             AssignLatePenalties, CheckCellMetadata]
FEEDBACK = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests, ExplainBlockedCalls, SanitizeStudentHTML]


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
    c.GenerateFeedback.exporter_class = FeedbackExporter
    c.OverwriteCells.add_missing_cells = True
    # nbconvert validates the whole notebook after every step; once, after
    # the last, is the same check (a tenth of the grader's time per notebook).
    c.Exporter.optimistic_validation = True
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
    c.SandboxedExecute.diagnosis = limits.diagnosis
    c.SandboxedExecute.figures = c.LimitOutputSize.max_notebook_images = c.ExplainBlockedCalls.figures = limits.figures
    return c
