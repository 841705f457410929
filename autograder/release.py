"""Generate the student notebooks in ``lessons/`` from ``solutions/`` with nbgrader."""
from pathlib import Path

from . import course


def nbgrader_api(config):
    """nbgrader's API on the course folder that `config` names."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    return NbGraderAPI(CourseDirectory(config=config), config=config)


def release(lessons=None, release_dir=None, quiet=False):
    """Run nbgrader's generate_assignment for each lesson, in this process.

    Parameters
    ----------
    lessons : list of lesson names (default: all of solutions/).
    release_dir : folder to write to (default: lessons/); another folder
        lets a test regenerate without touching the committed notebooks.
    """
    names = lessons or course.lesson_names()
    unknown = sorted(set(names) - set(course.lesson_names()))
    if unknown:
        raise SystemExit(f"no such lesson in {course.SOLUTIONS}: {', '.join(unknown)}")
    config = course.nbgrader_config()
    config.CourseDirectory.release_directory = str(Path(release_dir or course.LESSONS).resolve())
    config.SaveCells.enabled = False                 # as `--no-db`: release keeps no gradebook
    config.GenerateAssignment.no_database = True
    config.NbGraderAPI.log_level = "WARN"
    api = nbgrader_api(config)
    for name in names:
        done = api.generate_assignment(name, force=True)
        if not done["success"]:
            raise SystemExit(f"nbgrader could not generate {name}:\n{done.get('error') or done.get('log')}")
        if not quiet:
            print(f"released {name}")
