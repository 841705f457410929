"""Instructor commands: ``python -m autograder release [--lesson NAME ...]``."""
import argparse

from .release import release


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    release_parser = commands.add_parser(
        "release", help="regenerate the student notebooks in lessons/ from solutions/")
    release_parser.add_argument("--lesson", action="append", dest="lessons", metavar="NAME",
                                help="only this lesson (repeatable); default: all")
    args = parser.parse_args(argv)
    if args.command == "release":
        release(args.lessons)


if __name__ == "__main__":
    main()
