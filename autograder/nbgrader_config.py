"""nbgrader configuration of the course.

The course folder and names come from autograder/course.py. The
commands of ``python -m autograder`` load this file (course.nbgrader_config);
nbgrader's own command line reads it when run in ``autograder/``.
"""
from autograder import course

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

c.CourseDirectory.root = str(course.ROOT)
c.CourseDirectory.source_directory = course.SOLUTIONS.name
c.CourseDirectory.release_directory = course.LESSONS.name
c.CourseDirectory.course_id = course.COURSE_ID

# What students see in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A cell's time limit under nbgrader's own commands (`nbgrader autograde`,
# as bench/grade_class.py runs it for comparison). The course's grader gives
# each cell `grade --cell-timeout` (60 s) instead (execute.py).
c.Execute.timeout = 120
c.Validator.validate_all = False
