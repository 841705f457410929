"""`grade --part I/N` and `merge`, without grading: which students a part
takes, where its index comes from, and what `merge` refuses, on parts
written here by hand (the real thing: tests/test_deploy.py's Kubernetes
Jobs and tests/test_slurm.py's Slurm cluster)."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course, parts
from autograder.course import DEFAULT_LIMITS, ROOT
from autograder.intake import Job, row

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

LESSON = "01_single_unit"


# ---------------------------------------------------------------- --part

@pytest.mark.parametrize("text, environ, expected", [
    ("0/3", {}, (0, 3)),
    ("2/3", {}, (2, 3)),
    ("auto/4", {"JOB_COMPLETION_INDEX": "3"}, (3, 4)),
    ("auto/4", {"SLURM_ARRAY_TASK_ID": "1"}, (1, 4)),
    ("auto/4", {"JOB_COMPLETION_INDEX": "2", "SLURM_ARRAY_TASK_ID": "1"}, (2, 4)),
    ("auto/auto", {"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "5"}, (1, 5)),
    ("auto", {"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "5"}, (4, 5)),
    ("1/auto", {"SLURM_ARRAY_TASK_COUNT": "2"}, (1, 2)),
])
def test_a_part_and_its_index_from_the_engine(text, environ, expected):
    assert parts.parse(text, environ) == parts.Part(*expected)


@pytest.mark.parametrize("text, environ, message", [
    ("3/3", {}, "numbered 0 to N-1"),
    ("-1/3", {}, "numbered 0 to N-1"),
    ("0/0", {}, "numbered 0 to N-1"),
    ("2", {}, "write I/N"),
    ("a/b", {}, "whole numbers"),
    ("auto/4", {}, "neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set"),
    ("0/auto", {}, "SLURM_ARRAY_TASK_COUNT is not set"),
    ("auto/auto", {"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3"},
     r"SLURM_ARRAY_TASK_ID=3.*--array=0-2"),
])
def test_a_wrong_part_is_refused_with_what_is_wrong(text, environ, message):
    with pytest.raises(ValueError, match=message):
        parts.parse(text, environ)


def test_the_command_line_reads_the_index_from_the_environment():
    from autograder.__main__ import build_parser

    def parsed(environ):
        code = ("import sys; from autograder.__main__ import build_parser; "
                "print(build_parser().parse_args(sys.argv[1:]).part)")
        return subprocess.run([sys.executable, "-c", code, "grade", "subs", "--out", "g.csv", "--part", "auto/3"],
                              cwd=ROOT, capture_output=True, text=True, env=environ, timeout=60)
    assert parsed({"JOB_COMPLETION_INDEX": "2"}).stdout.strip() == "2/3"
    refused = parsed({})
    assert refused.returncode == 2 and "argument --part: auto/3: neither" in refused.stderr
    assert build_parser().parse_args(["grade", "s", "--out", "g.csv"]).part is None


def test_a_part_takes_every_nth_student_of_the_sorted_class():
    students = [f"s{i:02d}" for i in range(10)]
    jobs = [Job(s, LESSON, Path(s)) for s in students if s != "s04"]
    rows = [row("s04", LESSON, 0, None, "corrupt", "broken")]
    seen = []
    for index in range(3):
        selection = parts.Selection(parts.Part(index, 3), list(reversed(jobs)), rows)
        assert selection.class_list == students
        assert selection.students == students[index::3]
        assert {j.student for j in selection.jobs} | {r["student"] for r in selection.rows} == set(selection.students)
        seen += selection.students
    assert sorted(seen) == students
    assert str(parts.Selection(parts.Part(1, 3), jobs, rows)) == "part 1/3: 3 of 10 students"


def test_a_part_does_not_write_the_gradebook(tmp_path):
    from autograder.grade import grade

    with pytest.raises(SystemExit, match="a part does not write the gradebook"):
        grade(tmp_path, tmp_path / "grades.csv", gradebook=tmp_path / "gradebook.db", part=parts.Part(0, 2))


# ---------------------------------------------------------------- merge's refusals

def write_csv(path, fields, rows):
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def fake_part(folder, index, count, class_list, **manifest):
    """A finished part as `grade --part` leaves it, without feedback files."""
    outputs = course.Outputs(folder / "grades.csv")
    folder.mkdir(parents=True)
    students = class_list[index::count]
    write_csv(outputs.grades, course.GRADE_FIELDS,
              [dict(student=s, lesson=LESSON, score=0, max_score=10.0, status="missing", reason="none")
               for s in students])
    write_csv(outputs.tests, course.TEST_FIELDS, [])
    selection = parts.Selection(parts.Part(index, count), [Job(s, LESSON, Path(s)) for s in class_list], [])
    selection.write(outputs, folder.parent / "submitted", [LESSON], DEFAULT_LIMITS, "grader-version")
    if manifest:
        data = json.loads(outputs.part.read_text())
        data.update(manifest)
        outputs.part.write_text(json.dumps(data))
    return folder


CLASS = [f"s{i:02d}" for i in range(7)]


def merge(tmp_path, *folders):
    return subprocess.run([sys.executable, "-m", "autograder", "merge", *map(str, folders),
                           "--out", str(tmp_path / "merged" / "grades.csv")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_parts_merge_into_one_class_in_any_order(tmp_path):
    folders = [fake_part(tmp_path / f"part-{i}", i, 3, CLASS) for i in range(3)]
    done = merge(tmp_path, *reversed(folders))
    assert done.returncode == 0, done.stderr
    assert "merged 3 parts" in done.stdout and "(7 rows, 7 students)" in done.stdout
    rows = list(csv.DictReader(open(tmp_path / "merged" / "grades.csv")))
    assert [r["student"] for r in rows] == CLASS
    assert not (tmp_path / "merged" / "grades.part.json").exists()


def refusal(tmp_path, *folders):
    done = merge(tmp_path, *folders)
    assert done.returncode == 1 and not (tmp_path / "merged" / "grades.csv").exists(), done.stdout
    assert done.stderr.startswith("merge: ")
    return done.stderr


def test_merge_refuses_a_missing_part(tmp_path):
    folders = [fake_part(tmp_path / f"part-{i}", i, 3, CLASS) for i in (0, 2)]
    assert "part 1/3 is missing (given: 0/3, 2/3)" in refusal(tmp_path, *folders)


def test_merge_refuses_a_part_folder_that_is_not_there_or_not_finished(tmp_path):
    folders = [fake_part(tmp_path / f"part-{i}", i, 2, CLASS) for i in range(2)]
    assert f"no such part folder: {tmp_path / 'part-2'}" in refusal(tmp_path, *folders, tmp_path / "part-2")
    (folders[1] / "grades.part.json").unlink()  # as while its run goes on
    assert "holds no finished part" in refusal(tmp_path, *folders)


def test_merge_refuses_parts_of_different_lessons(tmp_path):
    folders = [fake_part(tmp_path / "part-0", 0, 2, CLASS),
               fake_part(tmp_path / "part-1", 1, 2, CLASS, lessons=None)]
    message = refusal(tmp_path, *folders)
    assert "the parts graded different lessons" in message
    assert "(0/2): 01_single_unit" in message and "(1/2): every lesson handed in" in message


def test_merge_refuses_parts_graded_with_different_limits(tmp_path):
    other = dict(DEFAULT_LIMITS.options(), memory=course.GiB)
    folders = [fake_part(tmp_path / "part-0", 0, 2, CLASS),
               fake_part(tmp_path / "part-1", 1, 2, CLASS, limits=other)]
    message = refusal(tmp_path, *folders)
    assert "were graded with different limits" in message
    assert "memory=2 GiB" in message and "memory=1 GiB" in message and "cell_timeout" not in message


def test_merge_refuses_parts_of_different_splits_and_a_part_given_twice(tmp_path):
    folders = [fake_part(tmp_path / "part-0", 0, 2, CLASS), fake_part(tmp_path / "part-1", 1, 3, CLASS)]
    assert "split the class differently" in refusal(tmp_path, *folders)
    again = fake_part(tmp_path / "again", 0, 2, CLASS)
    assert "part 0/2 is given twice" in refusal(tmp_path, folders[0], again)
    assert "is given twice" in refusal(tmp_path, folders[0], folders[0])


def test_merge_refuses_a_student_graded_in_two_parts(tmp_path):
    """Part 1 was graded after a student folder (s00a) was added: its
    every-other student is another list."""
    folders = [fake_part(tmp_path / "part-0", 0, 2, CLASS),
               fake_part(tmp_path / "part-1", 1, 2, sorted(CLASS + ["s00a"]))]
    message = refusal(tmp_path, *folders)
    assert "s02 is graded in two parts" in message
    assert "the class lists differ: 7 in" in message and "8 in" in message


def test_merge_refuses_parts_of_class_lists_that_differ(tmp_path):
    folders = [fake_part(tmp_path / "part-0", 0, 2, CLASS),
               fake_part(tmp_path / "part-1", 1, 2, CLASS[:-1])]
    assert "the parts were made from different class lists" in refusal(tmp_path, *folders)


def test_merge_refuses_a_grades_csv_of_another_run(tmp_path):
    folders = [fake_part(tmp_path / f"part-{i}", i, 2, CLASS) for i in range(2)]
    write_csv(folders[1] / "grades.csv", course.GRADE_FIELDS,
              [dict(student="s00", lesson=LESSON, score=0, max_score=10.0, status="missing", reason="none")])
    assert "has rows of students not in its part (s00)" in refusal(tmp_path, *folders)


def test_merge_refuses_to_write_into_a_part(tmp_path):
    folders = [fake_part(tmp_path / f"part-{i}", i, 2, CLASS) for i in range(2)]
    done = subprocess.run([sys.executable, "-m", "autograder", "merge", *map(str, folders),
                           "--out", str(folders[0] / "all.csv")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1 and "is in the folder of part 0/2" in done.stderr
