"""The bounded resources of one notebook's kernels.

Every notebook is graded with at most `processes` processes and threads,
`memory` bytes of memory, and two size-capped tmpfs folders: the kernel's
/tmp and its work folder (the notebook's folder, copied in before the run
and back out after it). Where the grader can make cgroups (as root, or in
a delegated cgroup v2), processes and memory are bounded by a cgroup of
the notebook's own (pids.max, memory.max), which counts its tmpfs pages
too; elsewhere by RLIMIT_NPROC, under a uid of the kernel's own, and by
the address-space limit of sandbox.py.

The tmpfs folders are mounted in the grading process's own mount
namespace (made once, `private_mounts`), so the grader sees them and no
mount outlives the process.
"""
import ctypes
import errno
import os
import re
import secrets
import shutil
import signal
import threading
import time
from pathlib import Path

from .course import GiB, KiB, MiB

CGROUP_ROOT = Path("/sys/fs/cgroup")
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 1 << 14, 1 << 18
MNT_DETACH = 2
INODES_PER_MIB = 256  # files a tmpfs holds, per MiB of its size (tiny files fill it too)


class LimitError(RuntimeError):
    """A limit cannot be set up on this machine."""


# ---------------------------------------------------------------- sizes

def parse_size(text):
    """Bytes of a size written as 256M, 2G, 1.5GiB, 512k or plain bytes."""
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*", str(text), re.IGNORECASE)
    if not match or (match[3] and not match[2] and match[3].lower() == "ib"):
        raise ValueError(f"not a size: {text!r} (write it as e.g. 256M or 2G)")
    return int(float(match[1]) * 1024 ** "bkmgt".index((match[2] or "b").lower()))


def human(size):
    """2147483648 -> '2 GiB', 268435456 -> '256 MiB'."""
    for unit, name in ((GiB, "GiB"), (MiB, "MiB"), (KiB, "KiB")):
        if size >= unit:
            return f"{size / unit:.4g} {name}"
    return f"{size} bytes"


# ---------------------------------------------------------------- cgroups

def cgroup_bases(root=CGROUP_ROOT, own=Path("/proc/self/cgroup")):
    """Where this process may make cgroups with the pids and memory
    controllers: ("v2" or "v1", {"pids": folder, "memory": folder}) (the
    same folder in the unified hierarchy of cgroup v2), or None.
    The folders are this process's own cgroups; what is made is made
    below them, so the grader's own limits still hold."""
    root = Path(root)
    lines = [line.split(":", 2) for line in Path(own).read_text().splitlines()]
    if (root / "cgroup.controllers").exists():  # the unified hierarchy alone
        base = root / next(path for hid, _, path in lines if hid == "0").lstrip("/")
        wanted = {"pids", "memory"}
        if not wanted <= set((base / "cgroup.controllers").read_text().split()):
            return None
        enabled = set((base / "cgroup.subtree_control").read_text().split())
        if not wanted <= enabled:
            try:  # possible where base has no processes of its own (the root cgroup)
                (base / "cgroup.subtree_control").write_text(" ".join("+" + c for c in wanted - enabled))
            except OSError:
                return None
        return "v2", {"pids": base, "memory": base}
    bases = {}
    for _, controllers, path in lines:
        for controller in ("pids", "memory"):
            if controller in controllers.split(","):
                bases[controller] = root / controller / path.lstrip("/")
    if set(bases) != {"pids", "memory"} or not all((b / "cgroup.procs").exists() for b in bases.values()):
        return None
    return "v1", bases


def usable_cgroups():
    """cgroup_bases(), if a cgroup can really be made and removed there."""
    try:
        found = cgroup_bases()
        if found:
            for base in set(found[1].values()):
                probe = base / f"autograder-probe-{os.getpid()}"
                probe.mkdir()
                probe.rmdir()
        return found
    except (OSError, StopIteration):
        return None


class Cgroup:
    """One notebook's cgroup (in each v1 hierarchy, or the v2 one), with
    its limits, its counters of limits hit, and its removal."""

    def __init__(self, found, processes, memory):
        self.version, bases = found
        name = f"autograder-{os.getpid()}-{_start_ticks(os.getpid())}-{secrets.token_hex(4)}"
        self.dirs = {controller: base / name for controller, base in bases.items()}
        for folder in self.folders:
            folder.mkdir()
        try:
            v2 = self.version == "v2"
            self._write("pids", "pids.max", processes)
            self._write("memory", "memory.max" if v2 else "memory.limit_in_bytes", memory)
            self._write("memory", "memory.swap.max" if v2 else "memory.memsw.limit_in_bytes",
                        0 if v2 else memory, optional=True)  # no swap either
            self.seen = self.counts()
        except BaseException:
            self.remove()
            raise

    @property
    def folders(self):
        return sorted(set(self.dirs.values()))

    def _write(self, controller, name, value, optional=False):
        path = self.dirs[controller] / name
        if not (optional and not path.exists()):
            path.write_text(str(value))

    def _read(self, controller, name, key):
        text = (self.dirs[controller] / name).read_text()
        return int(dict(line.split() for line in text.splitlines()).get(key, 0))

    @property
    def procs_files(self):
        """The files that a process writes its pid in to join it."""
        return [str(folder / "cgroup.procs") for folder in self.folders]

    def counts(self):
        """How often each limit was hit so far: forks refused, OOM kills."""
        memory_file = "memory.events" if self.version == "v2" else "memory.oom_control"
        return {"processes": self._read("pids", "pids.events", "max"),
                "memory": self._read("memory", memory_file, "oom_kill")}

    def hits(self):
        """The limits hit since the last call."""
        now = self.counts()
        hit = {name for name in now if now[name] > self.seen[name]}
        self.seen = now
        return hit

    def remove(self):
        """Kill whatever is left in it and remove it."""
        for folder in self.folders:
            _remove_cgroup(folder)


def _remove_cgroup(folder):
    """Kill the processes left in a cgroup folder and remove it."""
    deadline = time.monotonic() + 10
    while folder.exists():
        try:
            folder.rmdir()
        except OSError as error:
            if error.errno != errno.EBUSY or time.monotonic() > deadline:
                raise
            for pid in (folder / "cgroup.procs").read_text().split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)


def remove_stale_cgroups():
    """Remove the cgroups of grading processes that are gone: a worker that
    was stopped or killed mid-notebook cannot remove its own. Those of
    running graders (another run at the same time) are left alone.
    Returns the folders removed."""
    try:
        found = cgroup_bases()
    except (OSError, StopIteration):
        return []
    removed = []
    for base in set(found[1].values()) if found else ():
        for folder in sorted(base.glob("autograder-*")):
            owner = re.fullmatch(r"autograder-(\d+)-(?:(\d+)-)?[0-9a-f]+", folder.name)
            ticks = _start_ticks(int(owner[1])) if owner else None
            if owner and (ticks is None or owner[2] is not None and ticks != int(owner[2])):
                try:
                    _remove_cgroup(folder)
                    removed.append(folder)
                except OSError:
                    pass
    return removed


def _start_ticks(pid):
    """When process `pid` started (clock ticks since boot), or None if there
    is no such process or it has ended (a zombie nobody reaped). With its
    number, it names the process: numbers wrap around, and a later process
    may take the number of one that is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return None if fields[0] in ("Z", "X") else int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def join_command(procs_files):
    """The command prefix that joins the cgroups of `procs_files` and then
    runs the command: joined before it starts, every child is in them."""
    return ["/bin/sh", "-c", 'for f in "$@"; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 1; '
                             'shift; done; shift; exec "$@"', "sh", *procs_files, "--"]


# ---------------------------------------------------------------- tmpfs folders

_libc = ctypes.CDLL(None, use_errno=True)
_private = False


def _check(result, what):
    if result != 0:
        code = ctypes.get_errno()
        raise LimitError(f"{what}: {os.strerror(code)}")


def private_mounts():
    """Give this process a mount namespace of its own (once; as a user
    other than root, in a user namespace of its own): the tmpfs folders
    mounted in it are seen by this process and what it starts, and vanish
    with it."""
    global _private
    if _private:
        return
    root = os.geteuid() == 0
    # Only the calling thread changes namespace: threads of the grader's
    # own would not see the mounts (native ones, BLAS's, never look up a
    # path). A user namespace can only be made by a process of one thread.
    if threading.active_count() > 1 or (not root and len(os.listdir("/proc/self/task")) > 1):
        raise LimitError("the grader must make its mount namespace (limits.private_mounts) "
                         "before it starts threads")
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(CLONE_NEWNS if root else CLONE_NEWNS | CLONE_NEWUSER),
           "cannot make a mount namespace for the grader's tmpfs folders")
    if not root:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "cannot make the mounts private")
    _private = True


def mount_tmpfs(folder, size, uid=None):
    """A tmpfs of at most `size` bytes (and a file per 4 KiB of them) on
    the empty folder `folder`, owned by `uid`."""
    private_mounts()
    options = f"size={size},nr_inodes={max(64, size // MiB * INODES_PER_MIB)},mode=0700"
    if uid is not None:
        options += f",uid={uid},gid={uid}"
    _check(_libc.mount(b"tmpfs", str(folder).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options.encode()),
           f"cannot mount a tmpfs on {folder}")


def unmount(folder):
    _check(_libc.umount2(str(folder).encode(), MNT_DETACH), f"cannot unmount {folder}")


def full(folder):
    """Whether the file system of `folder` has no room or no file left."""
    stats = os.statvfs(folder)
    return stats.f_bavail == 0 or stats.f_favail == 0


class Folders:
    """The kernel's /tmp and work folder, each a size-capped tmpfs.

    The work folder's files are moved aside, the tmpfs mounted on it and
    the files copied in; `close` copies what is there back onto the disk
    (plain files and folders; the caller removed the rest) and unmounts."""

    def __init__(self, workdir, work_size, tmp_size, uid=None):
        self.workdir = Path(workdir)
        self.tmp = self.workdir.with_name(f".{self.workdir.name}.tmp")
        self.saved = self.workdir.with_name(f".{self.workdir.name}.disk")
        self.sizes = {"work folder": work_size, "/tmp": tmp_size}
        self.tmp.mkdir()
        mount_tmpfs(self.tmp, tmp_size, uid)
        os.rename(self.workdir, self.saved)
        self.workdir.mkdir()
        mount_tmpfs(self.workdir, work_size, uid)
        shutil.copytree(self.saved, self.workdir, dirs_exist_ok=True, symlinks=True)
        shutil.rmtree(self.saved)
        if uid is not None:
            chown_tree(self.workdir, uid)

    def filled(self):
        """The names of the folders that are full."""
        return [name for name, folder in (("work folder", self.workdir), ("/tmp", self.tmp)) if full(folder)]

    def close(self):
        try:
            shutil.copytree(self.workdir, self.saved)
        finally:
            for folder in (self.workdir, self.tmp):
                unmount(folder)
                folder.rmdir()
        os.rename(self.saved, self.workdir)


def chown_tree(folder, uid):
    os.chown(folder, uid, uid)
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            os.chown(os.path.join(parent, name), uid, uid, follow_symlinks=False)


def kernel_uid():
    """A uid of its own for a kernel the grader starts as root: nobody else
    has it, so RLIMIT_NPROC counts that kernel's processes alone."""
    return 2**30 + secrets.randbelow(2**30)
