"""The instructor's commands, on top of nbgrader: ``python -m autograder --help``."""
