"""Instructor commands.

    python -m autograder release [--lesson NAME ...]
    python -m autograder grade SUBMISSIONS --out grades.csv [--jobs N] [--lesson NAME ...] [--gradebook [PATH]] [--force]
        [--no-canary] [--max-processes N] [--memory SIZE] [--tmp-size SIZE] [--work-size SIZE] [--no-cgroups] [--no-diagnosis] [--figures N] [--part I/N]
    python -m autograder merge PART_FOLDER ... --out grades.csv [--gradebook [PATH]]
    python -m autograder report grades.csv [--png PATH] [--lms canvas|moodle [--lms-out PATH] [--roster CSV]]
"""
import argparse
import os

from .course import COURSE_GRADEBOOK, DEFAULT_LIMITS, Limits
from .limits import human
from .lms import FORMATS as LMS_FORMATS
from .release import release


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    release_parser = commands.add_parser(
        "release", help="regenerate the student notebooks in lessons/ from solutions/")
    release_parser.add_argument("--lesson", action="append", dest="lessons", metavar="NAME",
                                help="only this lesson (repeatable); default: all")

    grade_parser = commands.add_parser(
        "grade", help="autograde SUBMISSIONS/<student>/<lesson>/<lesson>.ipynb in a sandbox")
    grade_parser.add_argument("submissions", help="folder with one folder per student")
    grade_parser.add_argument("--out", required=True, help="the grades CSV to write")
    grade_parser.add_argument("--jobs", type=int, default=os.cpu_count(),
                              help="notebooks graded at once (default: the number of CPUs)")
    grade_parser.add_argument("--lesson", action="append", dest="lessons", metavar="NAME",
                              help="only this lesson (repeatable); default: all handed in")
    limits = DEFAULT_LIMITS
    grade_parser.add_argument("--cell-timeout", type=int, default=limits.cell_timeout, metavar="SECONDS",
                              help=f"seconds a cell may run (default: {limits.cell_timeout})")
    grade_parser.add_argument("--notebook-timeout", type=int, default=limits.notebook_timeout, metavar="SECONDS",
                              help=f"seconds a notebook may run (default: {limits.notebook_timeout})")
    grade_parser.add_argument("--max-processes", type=int, default=limits.max_processes, metavar="N",
                              help=f"processes and threads of a notebook's kernel (default: {limits.max_processes})")
    grade_parser.add_argument("--memory", type=size, default=limits.memory, metavar="SIZE",
                              help="memory of a notebook's kernel, its tmpfs folders included where "
                                   f"cgroups can be made (default: {human(limits.memory)})")
    grade_parser.add_argument("--tmp-size", type=size, default=limits.tmp_size, metavar="SIZE",
                              help=f"size of the kernel's /tmp, a tmpfs (default: {human(limits.tmp_size)})")
    grade_parser.add_argument("--work-size", type=size, default=limits.work_size, metavar="SIZE",
                              help=f"size of the notebook's work folder, a tmpfs (default: {human(limits.work_size)})")
    grade_parser.add_argument("--no-cgroups", dest="cgroups", action="store_false",
                              help="bound processes and memory without cgroups even where they can be "
                                   "made (RLIMIT_NPROC, address space)")
    grade_parser.add_argument("--no-diagnosis", dest="diagnosis", action="store_false",
                              help="do not diagnose the failed tests (the report then lists no misconceptions)")
    grade_parser.add_argument("--figures", type=int, default=limits.figures, metavar="N",
                              help="figures each notebook draws for its feedback, its first N; each costs "
                                   f"its kernel 0.1 to 0.5 CPU-s (default: {limits.figures})")
    grade_parser.add_argument("--gradebook", nargs="?", const=str(COURSE_GRADEBOOK), metavar="PATH",
                              help="also write the grades into this nbgrader gradebook, whose folder is "
                                   "the course folder (alone: the course's own, gradebook.db of the repository)")
    grade_parser.add_argument("--force", action="store_true",
                              help="regrade every notebook, not only the new or changed ones")
    grade_parser.add_argument("--no-canary", dest="canary", action="store_false",
                              help="do not grade the instructor's solutions first (a broken set-up then "
                                   "grades every notebook 0)")
    grade_parser.add_argument("--part", type=part, metavar="I/N",
                              help="grade only part I of N (0-based): every N-th student of the sorted "
                                   "list, from the I-th, into the folder of --out, for `merge`. I may be "
                                   "auto: $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) or "
                                   "$SLURM_ARRAY_TASK_ID (a Slurm job array); N may be auto: "
                                   "$SLURM_ARRAY_TASK_COUNT")

    merge_parser = commands.add_parser(
        "merge", help="merge the parts of a class graded with grade --part into the files of one run")
    merge_parser.add_argument("parts", nargs="+", metavar="PART_FOLDER",
                              help="the folder of each part's grades CSV (every part, each once)")
    merge_parser.add_argument("--out", required=True, help="the merged grades CSV to write")
    merge_parser.add_argument("--gradebook", nargs="?", const=str(COURSE_GRADEBOOK), metavar="PATH",
                              help="also write the grades into this nbgrader gradebook (as grade --gradebook)")

    report_parser = commands.add_parser(
        "report", help="pass rates per lesson and test, and a histogram of the scores")
    report_parser.add_argument("grades", help="a grades CSV written by grade")
    report_parser.add_argument("--png", help="where to draw the figure (default: next to the CSV)")
    report_parser.add_argument("--lms", choices=sorted(LMS_FORMATS),
                               help="also write the grades in this LMS's gradebook import format")
    report_parser.add_argument("--lms-out", metavar="PATH",
                               help="where to write them (default: <grades>_<lms>.csv next to the CSV)")
    report_parser.add_argument("--roster", metavar="CSV",
                               help="student folder to LMS identity: a CSV with the column 'student' "
                                    "and any of the LMS's identity columns (see README)")

    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "release":
        release(args.lessons)
    elif args.command == "grade":
        from .grade import grade
        from .sandbox import SandboxError
        try:
            grade(args.submissions, args.out, jobs=args.jobs, lessons=args.lessons,
                  gradebook=args.gradebook, force=args.force, limits=limits_of(args), canary=args.canary,
                  part=args.part)
        except SandboxError as error:
            raise SystemExit(f"grade: {error}")
    elif args.command == "merge":
        from .parts import MergeError, merge
        try:
            rows = merge(args.parts, args.out, gradebook=args.gradebook)
        except (MergeError, OSError) as error:
            raise SystemExit(f"merge: {error}")
        print(f"merged {len(args.parts)} parts into {args.out} ({len(rows)} rows, "
              f"{len({r['student'] for r in rows})} students)")
        if args.gradebook:
            print(f"wrote the grades into the gradebook {args.gradebook}")
    elif args.command == "report":
        from . import lms
        from .report import report
        try:
            print(report(args.grades, args.png))
            if args.lms:
                path, max_points = lms.write(args.grades, args.lms, args.lms_out, args.roster)
                points = ", ".join(f"{lesson} {points:g}" for lesson, points in max_points.items())
                print(f"Grades for {args.lms.capitalize()}: {path} (maximum points: {points})")
        except (OSError, ValueError) as error:
            raise SystemExit(f"report: {error}")


def limits_of(args):
    """The course.Limits that `grade`'s options ask for."""
    return Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                  max_processes=args.max_processes, memory=args.memory, tmp_size=args.tmp_size,
                  work_size=args.work_size, cgroups=args.cgroups, diagnosis=args.diagnosis,
                  figures=args.figures)


def part(text):
    """An argparse type: the parts.Part of --part I/N."""
    from .parts import parse
    try:
        return parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error))


def size(text):
    """An argparse type: a size such as 256M or 2G, in bytes."""
    from .limits import parse_size
    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error))


if __name__ == "__main__":
    main()
