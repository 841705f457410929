import pytest


@pytest.fixture(scope="session")
def plain_class(tmp_path_factory):
    """A class of 12 students of lesson 01 graded by one plain `grade` run
    (tests/parts_tools.py), shared by the tests of grading in parts."""
    from notebook_tools import require_sandbox
    from parts_tools import grade_plainly

    require_sandbox()
    return grade_plainly(tmp_path_factory.mktemp("plain_class"))
