"""nbgrader's configuration of the grader account: the course folder.

On JUPYTER_CONFIG_PATH of the grader service (jupyterhub_config.py), and of
the instructor's commands run as grader-neural-networks (deploy/README.md).
The course's own settings (what students see in place of a solution,
timeouts) come from the repository's autograder/nbgrader_config.py; the
lessons' sources are the repository's solutions/.
"""
import os
from pathlib import Path

import nnlib

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

REPOSITORY = Path(nnlib.__file__).resolve().parent.parent  # installed editable: `pip install -e .`
load_subconfig(str(REPOSITORY / "autograder" / "nbgrader_config.py"))  # noqa: F821

c.CourseDirectory.root = os.path.expanduser("~/neural-networks")
c.CourseDirectory.source_directory = str(REPOSITORY / "solutions")
c.CourseDirectory.release_directory = "release"
