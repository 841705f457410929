"""deploy/slurm/ on a real Slurm cluster, started here on one node.

The test writes a munge key and a slurm.conf naming this machine
(localhost, free ports, its own state, spool and log folders), starts
munged, slurmctld and slurmd (Debian's munge and slurm-wlm), and waits
until `sinfo` shows the node idle. It then submits the grading of a class
of 12 students in 3 parts as an instructor does, with deploy/slurm/submit.sh:
a job array of 3 tasks (`grade --part auto/3`), each task grading its
part into its own folder, and the merge job that starts when every task
succeeded (`sbatch --dependency=afterok`). When the merge is done, its
grades CSV and gradebook must equal those of one plain `grade` run of the
same class. A lesson whose tasks fail leaves the merge cancelled, not run.
The daemons are stopped after the tests, and every wait is bounded.

Needs root (the daemons and the jobs run as root here) and the packages
(`.ci/run` installs them); skipped without them, except in CI.
"""
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from autograder.course import ROOT
from browser_tools import free_port, in_ci
from parts_tools import LESSON, assert_same_as_plain, course_folder, environment

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

SLURM = ROOT / "deploy" / "slurm"
PARTS = 3
SBIN = ("/usr/sbin", "/usr/bin", "/sbin")
WAIT = 600  # seconds for the whole class, on two busy cores


def require(ok, message):
    if not ok:
        if in_ci():
            pytest.fail(f"{message} (CI is set, so the Slurm test must not be skipped)", pytrace=False)
        pytest.skip(message)


def program(name):
    return shutil.which(name) or next((f"{d}/{name}" for d in SBIN if os.access(f"{d}/{name}", os.X_OK)), None)


def memory_mb():
    with open("/proc/meminfo") as file:
        kib = int(next(line for line in file if line.startswith("MemTotal:")).split()[1])
    return kib // 1024 - 1024  # what slurmd finds, less a margin


CONFIG = """\
ClusterName=coursetest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={folder}/munge/socket
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/log/slurmctld.log
SlurmdLogFile={folder}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
SwitchType=switch/none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
MinJobAge=3600
NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory} State=UNKNOWN
PartitionName=grading Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


def run(*command, env, timeout=60):
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, command))}:\n{done.stdout}{done.stderr}"
    return done.stdout


def wait_for(what, check, timeout, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    logs = logs() if callable(logs) else logs
    pytest.fail(f"{what}: not within {timeout} s\n" + "\n".join(
        f"--- {log}:\n{Path(log).read_text()[-3000:]}" for log in logs if Path(log).exists()))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A one-node Slurm cluster of this machine; its environment (SLURM_CONF)."""
    require(os.geteuid() == 0, "the Slurm test starts munged, slurmctld and slurmd, which needs root")
    daemons = {name: program(name) for name in ("munged", "slurmctld", "slurmd", "sbatch", "sinfo", "scontrol")}
    missing = [name for name, path in daemons.items() if not path]
    require(not missing, f"no {', '.join(missing)} (apt-get install slurm-wlm munge)")

    folder = tmp_path_factory.mktemp("slurm")
    for sub in ("munge", "state", "spool", "log"):
        (folder / sub).mkdir()
    key = folder / "munge" / "key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    conf = folder / "slurm.conf"
    conf.write_text(CONFIG.format(folder=folder, ctld_port=free_port(), slurmd_port=free_port(),
                                  cpus=os.cpu_count(), memory=memory_mb()))
    env = dict(environment(), SLURM_CONF=str(conf))
    log = folder / "log"
    started = []

    def start(name, *args):
        output = open(log / f"{name}.out", "w")
        started.append(subprocess.Popen([daemons[name], *args], stdout=output, stderr=subprocess.STDOUT,
                                        env=env, start_new_session=True))

    try:
        start("munged", "--foreground", "--force", f"--socket={folder}/munge/socket", f"--key-file={key}",
              f"--log-file={log}/munged.log", f"--pid-file={folder}/munge/pid", f"--seed-file={folder}/munge/seed")
        wait_for("munged's socket", (folder / "munge" / "socket").exists, 30, [log / "munged.out"])
        start("slurmctld", "-D", "-i", "-f", str(conf))
        start("slurmd", "-D", "-N", "localhost", "-f", str(conf))

        def idle():
            done = subprocess.run([daemons["sinfo"], "-h", "-o", "%T"], capture_output=True, text=True,
                                  env=env, timeout=30)
            return done.returncode == 0 and done.stdout.strip() == "idle"
        wait_for("sinfo showing the node idle", idle, 60,
                 [log / "slurmctld.out", log / "slurmd.out", log / "slurmctld.log", log / "slurmd.log"])
        yield dict(env=env, folder=folder, programs=daemons)
    finally:
        if len(started) > 1:  # cancel what is left, then stop the daemons, newest first
            subprocess.run([program("scancel") or "scancel", "--user=root"], env=env, capture_output=True,
                           timeout=30)
        for process in reversed(started):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)


def jobs(cluster):
    """Every job the controller knows, as dicts of scontrol's fields."""
    text = run(cluster["programs"]["scontrol"], "show", "job", "-o", env=cluster["env"])
    return [dict(re.findall(r"(\w+)=(\S*)", line)) for line in text.splitlines() if line.startswith("JobId=")]


def test_the_node_is_up(cluster):
    assert run(cluster["programs"]["sinfo"], "-h", "-o", "%P %a %T %D", env=cluster["env"]).split() == \
        ["grading*", "up", "idle", "1"]


def test_a_class_graded_as_a_job_array_and_merged_equals_one_plain_run(cluster, plain_class, tmp_path):
    course = course_folder(plain_class, tmp_path / "course")
    # One CPU a task here, so that two parts run at once on two cores.
    submitted = run(str(SLURM / "submit.sh"), str(course), LESSON, str(PARTS), "--cpus-per-task=1",
                    env=cluster["env"])
    array = re.search(r"grade job array: (\d+)", submitted)[1]
    merge = re.search(r"merge job: (\d+)", submitted)[1]
    logs = course / "grading" / LESSON / "logs"

    def finished():
        states = {j["JobId"]: j for j in jobs(cluster)}
        failed = [j for j in states.values() if j["JobState"] in ("FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL",
                                                                   "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE")
                  or j.get("Reason") == "DependencyNeverSatisfied"]
        if failed:
            pytest.fail("jobs failed: " + ", ".join(f"{j['JobId']} {j['JobState']} {j.get('Reason')}" for j in failed)
                        + "".join(f"\n--- {p.name}:\n{p.read_text()[-3000:]}" for p in sorted(logs.glob("*.out"))))
        return states if states.get(merge, {}).get("JobState") == "COMPLETED" else None

    states = wait_for("the grading and its merge", finished, WAIT, lambda: sorted(logs.glob("*.out")))
    tasks = [j for j in states.values() if j.get("ArrayJobId") == array]
    assert sorted(int(j["ArrayTaskId"]) for j in tasks) == list(range(PARTS))
    assert all(j["JobState"] == "COMPLETED" and j["ExitCode"] == "0:0" for j in tasks)
    assert states[merge]["Dependency"] == "(null)" and states[merge]["StartTime"] >= max(j["EndTime"] for j in tasks)

    grading = course / "grading" / LESSON
    for part in range(PARTS):  # each part graded its own students into its own folder
        assert (grading / f"part-{part}" / "grades.part.json").is_file()
        task_log = (logs / f"grade-{array}_{part}.out").read_text()
        assert f"part {part}/{PARTS}: 4 of 12 students" in task_log
    assert "merged 3 parts" in (logs / f"merge-{merge}.out").read_text()
    assert_same_as_plain(plain_class, grading / "grades.csv", course / "gradebook.db")


def test_the_merge_does_not_run_after_a_failed_part(cluster, plain_class, tmp_path):
    """A lesson the course does not have: every task fails (grade refuses
    it), and the merge, which waits for them all to succeed, is cancelled."""
    course = course_folder(plain_class, tmp_path / "course")
    submitted = run(str(SLURM / "submit.sh"), str(course), "99_no_such_lesson", "2", "--cpus-per-task=1",
                    env=cluster["env"])
    array = re.search(r"grade job array: (\d+)", submitted)[1]
    merge = re.search(r"merge job: (\d+)", submitted)[1]

    def settled():
        states = {j["JobId"]: j for j in jobs(cluster)}
        tasks = [j for j in states.values() if j.get("ArrayJobId") == array]
        done = len(tasks) == 2 and all(j["JobState"] not in ("PENDING", "RUNNING") for j in tasks)
        return (states, tasks) if done and states[merge]["JobState"] != "PENDING" else None

    states, tasks = wait_for("the failed tasks and the cancelled merge", settled, 120)
    assert {j["JobState"] for j in tasks} == {"FAILED"}
    assert states[merge]["JobState"] == "CANCELLED"
    logs = course / "grading" / "99_no_such_lesson" / "logs"
    assert "grade: no such lesson: 99_no_such_lesson" in (logs / f"grade-{array}_0.out").read_text()
    assert not (course / "grading" / "99_no_such_lesson" / "grades.csv").exists()
