#!/bin/bash
# Grade one lesson of a class on a Slurm cluster (deploy/README.md, "Slurm"):
# a job array of PARTS tasks, task I grading part I of the students
# (grade.sbatch), then one merge job that starts when every task succeeded
# (merge.sbatch, sbatch --dependency=afterok) and writes the grades, the
# feedback and the course's gradebook.
#
#   deploy/slurm/submit.sh COURSE LESSON PARTS [SBATCH OPTIONS...]
#
# COURSE is nbgrader's course folder on the shared file system: the hand-ins
# in COURSE/submitted (nbgrader collect), the gradebook COURSE/gradebook.db.
# The parts are graded into COURSE/grading/LESSON/part-I/, merged into
# COURSE/grading/LESSON/grades.csv (feedback/, autograded/ beside it); the
# jobs' logs go to COURSE/grading/LESSON/logs/. Options after PARTS go to
# both sbatch commands, e.g. --partition=short --account=nn-course.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 COURSE LESSON PARTS [SBATCH OPTIONS...]" >&2
    exit 2
fi
course=$(realpath "$1") lesson=$2 parts=$3
shift 3
here=$(dirname "$(realpath "$0")")
repo=$(dirname "$(dirname "$here")")   # this repository, with its .venv
if [ ! -d "$course/submitted" ]; then
    echo "$0: no $course/submitted (run nbgrader collect in the course folder first)" >&2
    exit 2
fi
grading=$course/grading/$lesson
mkdir -p "$grading/logs"
variables=ALL,REPO=$repo,COURSE=$course,LESSON=$lesson,PARTS=$parts

grade=$(sbatch --parsable --array="0-$((parts - 1))" --export="$variables" \
    --output="$grading/logs/grade-%A_%a.out" "$@" "$here/grade.sbatch")
grade=${grade%%;*}   # "id;cluster" where there are several clusters
merge=$(sbatch --parsable --dependency="afterok:$grade" --kill-on-invalid-dep=yes --export="$variables" \
    --output="$grading/logs/merge-%j.out" "$@" "$here/merge.sbatch")
merge=${merge%%;*}
echo "grade job array: $grade ($parts tasks)"
echo "merge job: $merge (after every task of $grade succeeded)"
echo "grades: $grading/grades.csv; logs: $grading/logs"
