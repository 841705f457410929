"""The bounded resources of a kernel (autograder/limits.py): sizes, finding
where cgroups can be made, the cgroup's limits and counters, and the
size-capped tmpfs folders. The grading of hostile notebooks under these
limits is in test_grade.py."""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from autograder import limits
from autograder.course import ROOT

MiB = 1024**2


@pytest.mark.parametrize("text, size", [("256M", 256 * MiB), ("2G", 2 * 1024**3), ("1.5GiB", 3 * 1024**3 // 2),
                                        ("512k", 512 * 1024), ("64 MB", 64 * MiB), ("4096", 4096), (100, 100)])
def test_sizes_are_read_in_binary_units(text, size):
    assert limits.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "big", "2X", "-1G", "1 G B", "iB"])
def test_a_size_that_is_not_one_is_named(text):
    with pytest.raises(ValueError, match="not a size: .* e.g. 256M"):
        limits.parse_size(text)


def test_sizes_are_written_for_people():
    assert [limits.human(n) for n in (2 * 1024**3, 256 * MiB, 1536, 10)] == \
        ["2 GiB", "256 MiB", "1.5 KiB", "10 bytes"]


def fake_hierarchy(tmp_path, files, own):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "self").write_text(own)
    return tmp_path, tmp_path / "self"


def test_cgroup_v2_is_used_where_its_controllers_are_delegated(tmp_path):
    root, own = fake_hierarchy(tmp_path, {
        "cgroup.controllers": "cpu memory pids",
        "user/grader/cgroup.controllers": "memory pids", "user/grader/cgroup.subtree_control": "memory pids",
    }, "0::/user/grader\n")
    base = root / "user" / "grader"
    assert limits.cgroup_bases(root, own) == ("v2", {"pids": base, "memory": base})


def test_cgroup_v2_without_the_controllers_is_not_used(tmp_path):
    root, own = fake_hierarchy(tmp_path, {"cgroup.controllers": "cpu", "cgroup.subtree_control": ""},
                               "0::/\n")
    assert limits.cgroup_bases(root, own) is None


def test_cgroup_v1_hierarchies_are_used_at_the_grader_own_cgroups(tmp_path):
    root, own = fake_hierarchy(tmp_path, {"pids/cgroup.procs": "", "memory/job/cgroup.procs": "",
                                          "unified/cgroup.controllers": ""},
                               "0::/\n4:memory:/job\n8:pids:/\n2:cpu,cpuacct:/\n")
    assert limits.cgroup_bases(root, own) == ("v1", {"pids": root / "pids", "memory": root / "memory" / "job"})


def test_no_cgroups_without_both_controllers(tmp_path):
    root, own = fake_hierarchy(tmp_path, {"pids/cgroup.procs": ""}, "0::/\n8:pids:/\n")
    assert limits.cgroup_bases(root, own) is None


def run_as_grader(code):
    """Run `code` (which may make mount namespaces and cgroups) in a fresh
    Python process, as the grader's workers do; return what it printed."""
    done = subprocess.run([sys.executable, "-c", "from autograder import limits\n" + textwrap.dedent(code)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def cgroups():
    if limits.usable_cgroups() is None:
        pytest.skip("no cgroup can be made here (test_grade.py grades without them too)")


def test_a_cgroup_bounds_processes_counts_the_refusals_and_is_removed(cgroups):
    out = run_as_grader("""
        import subprocess
        cgroup = limits.Cgroup(limits.usable_cgroups(), processes=8, memory=256 * 1024**2)
        done = subprocess.run(limits.join_command(cgroup.procs_files) + [
            "sh", "-c", "for i in $(seq 20); do sleep 20 & done"], stderr=subprocess.DEVNULL)
        print(sorted(cgroup.hits()), sorted(cgroup.hits()))
        cgroup.remove()  # and the sleeping ones with it
        print(any(folder.exists() for folder in cgroup.folders))
    """)
    assert out.splitlines()[-2:] == ["['processes'] []", "False"]


def test_tmpfs_pages_count_against_the_memory_of_the_cgroup(cgroups, tmp_path):
    """A kernel that fills its tmpfs folders uses memory, not disk: with
    64 MiB of memory, 128 MiB written into a 256 MiB tmpfs is stopped."""
    out = run_as_grader(f"""
        import subprocess
        from pathlib import Path
        folder = Path({str(tmp_path)!r}) / "work"
        folder.mkdir()
        limits.mount_tmpfs(folder, 256 * 1024**2)
        cgroup = limits.Cgroup(limits.usable_cgroups(), processes=8, memory=64 * 1024**2)
        done = subprocess.run(limits.join_command(cgroup.procs_files) + [
            "dd", "if=/dev/zero", f"of={{folder}}/junk", "bs=1M", "count=128"], capture_output=True)
        print(done.returncode, sorted(cgroup.hits()), (folder / "junk").stat().st_size <= 64 * 1024**2)
        cgroup.remove()
        limits.unmount(folder)
    """)
    assert out.split()[-2:] == ["['memory']", "True"] and out.split()[0] != "0"


def test_a_work_folder_on_tmpfs_is_bounded_and_copied_back(tmp_path):
    work = tmp_path / "lesson"
    (work / ".grader").mkdir(parents=True)
    (work / "lesson.ipynb").write_text("the notebook")
    out = run_as_grader(f"""
        import os
        folders = limits.Folders({str(work)!r}, work_size=4 * 1024**2, tmp_size=1024**2)
        print(open(os.path.join({str(work)!r}, "lesson.ipynb")).read(), folders.filled())
        open(os.path.join({str(work)!r}, ".grader", "result.json"), "w").write("{{}}")
        try:
            open(os.path.join({str(work)!r}, "junk"), "wb").write(b"x" * 8 * 1024**2)
        except OSError as error:
            print(error.strerror)
        print(folders.filled())
        folders.close()
    """)
    assert out.splitlines() == ["the notebook []", "No space left on device", "['work folder']"]
    assert (work / ".grader" / "result.json").read_text() == "{}"
    assert (work / "junk").stat().st_size < 4 * 1024**2  # what fitted, now on the disk
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson"]
    assert str(work) not in Path("/proc/mounts").read_text()


def test_a_kernel_started_by_root_gets_a_uid_of_its_own():
    if os.geteuid() != 0:
        pytest.skip("only root starts kernels under other uids")
    uids = {limits.kernel_uid() for _ in range(100)}
    assert len(uids) == 100 and min(uids) >= 2**30 and max(uids) < 2**31


def test_an_unprivileged_grader_gets_its_tmpfs_folders_and_process_limit():
    """A grader that is not root makes its mount namespace in a user
    namespace of its own, and its kernels' RLIMIT_NPROC, set inside their
    own user namespace, holds. Run here as the uid nobody, with the
    system's Python (only limits.py, which needs nothing else, is loaded)."""
    python = Path("/usr/bin/python3")
    if os.geteuid() != 0 or not python.exists():
        pytest.skip("needs root to run as another user, and /usr/bin/python3")
    folder = Path(tempfile.mkdtemp())  # not under tmp_path: pytest's folders are root's alone
    try:
        os.chmod(folder, 0o755)
        os.chown(folder, 65534, 65534)
        code = textwrap.dedent(f"""
            import subprocess
            from autograder import limits
            limits.private_mounts()
            limits.mount_tmpfs({str(folder)!r}, 1024**2)
            try:
                open({str(folder)!r} + "/junk", "wb").write(b"x" * 2 * 1024**2)
            except OSError as error:
                print(error.strerror)
            done = subprocess.run(["bwrap", "--unshare-all", "--ro-bind", "/", "/", "--", "prlimit", "--nproc=5",
                                   "--", "sh", "-c", "for i in $(seq 8); do sleep 1 & done; wait"],
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True)
            print(done.returncode, "Cannot fork" in done.stderr)
        """)
        done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                               str(python), "-c", code], cwd="/", capture_output=True, text=True, timeout=60,
                              env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)})
        assert done.stdout.splitlines() == ["No space left on device", "2 True"], done.stderr
        assert not list(folder.iterdir())  # the tmpfs went with the grader's namespace
    finally:
        shutil.rmtree(folder)


def test_the_grading_module_loads_no_numpy_so_a_worker_can_still_make_its_namespaces():
    # A worker imports autograder.grade before its initializer runs
    # private_mounts, which (as a user other than root) needs one thread.
    code = ("import os, sys, autograder.grade; "
            "print(len(os.listdir('/proc/self/task')), 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["1", "False"], out.stderr


def _own_start_ticks():
    return int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])


@pytest.mark.parametrize("stale_name, live_name", [
    # a process that is gone (above the largest pid_max: never a live process)
    (lambda: "autograder-4194305-0123abcd", lambda: f"autograder-{os.getpid()}-4567cdef"),
    # process ids wrap around: this process's number, another start time (a
    # later process took the killed grader's number in a long CI run)
    (lambda: f"autograder-{os.getpid()}-{_own_start_ticks() - 1}-89abcdef",
     lambda: f"autograder-{os.getpid()}-{_own_start_ticks()}-4567cdef"),
], ids=["gone", "number_taken"])
def test_stale_cgroups_of_processes_that_are_gone_are_removed(stale_name, live_name):
    found = limits.usable_cgroups()
    if not found:
        pytest.skip("no cgroups can be made here")
    stale = [base / stale_name() for base in set(found[1].values())]
    live = [base / live_name() for base in set(found[1].values())]
    try:
        for folder in stale + live:
            folder.mkdir()
        removed = limits.remove_stale_cgroups()
        assert set(stale) <= set(removed) and not set(live) & set(removed)
        assert not any(f.exists() for f in stale) and all(f.exists() for f in live)
    finally:
        for folder in stale + live:
            if folder.exists():
                folder.rmdir()
