"""nbgrader configuration of the course.

The repository root is the nbgrader course directory: ``solutions/`` is
nbgrader's source folder (instructor notebooks with solutions and hidden
tests) and ``lessons/`` its release folder (the student notebooks).
nbgrader reads this file when it runs in ``autograder/``, as the
commands of ``python -m autograder`` do.
"""
import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "lessons"
c.CourseDirectory.course_id = "neural-networks"

# What students see in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Every cell of a lesson runs in well under a minute; training the digit
# network in lesson 07 takes a few seconds on two cores.
c.Execute.timeout = 120
c.Validator.validate_all = False
