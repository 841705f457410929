"""Run a student's notebook kernel inside a bubblewrap sandbox.

The kernel sees a read-only system and Python environment, nnlib and the
course data, a private /tmp, and exactly one writable folder: the one its
notebook is graded in (both size-capped tmpfs folders, limits.py). It has
no network (it talks to the grader over Unix sockets in that folder),
lives in its own process namespace, so nothing it starts outlives it, and
runs under memory, CPU-time and file-size limits, and within the
notebook's cgroup or under a process limit (limits.py). Started by root,
it runs as a uid of its own, without capabilities; started by another
user, as that user in a user namespace of its own.
"""

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, List, Unicode

import nnlib
from nnlib.data import DATA_DIR

from .course import DEFAULT_LIMITS as LIMITS
from .limits import join_command

NNLIB_DIR = Path(nnlib.__file__).resolve().parent
# How the kernel's inline backend draws a figure for the feedback: a PNG of
# 50 dots per inch (a figure 7 inches wide is 350 pixels), not cropped (the
# lessons' figures lay themselves out; cropping draws each figure twice).
FIGURE_PNG = {"dpi": 50, "bbox_inches": None}

# Run in the kernel as it starts: the figures drawn for the feedback
# (nnlib._yours, autograder/yours.py).
FIRST_FIGURES = "exec('from nnlib._yours import draw_first; draw_first({count})', {{}})"


class SandboxError(RuntimeError):
    """The sandbox cannot be used on this machine."""


def bwrap_path():
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxError(
            "bubblewrap (bwrap) is not installed, and the grader will not run "
            "student code without a sandbox. Install it with: "
            "sudo apt-get install bubblewrap")
    return path


def check_sandbox():
    """Fail with a clear message if bwrap cannot create a sandbox here."""
    cmd = [bwrap_path(), "--ro-bind", "/", "/", "--unshare-all",
           "--die-with-parent", "true"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SandboxError(
            "bubblewrap cannot create a sandbox on this machine "
            f"({result.stderr.strip() or 'exit code %d' % result.returncode}). "
            "It needs unprivileged user namespaces or root.")


def _system_dirs():
    dirs = {"/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc"}
    # The Python environment: the venv and the interpreter it was made from.
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix):
        dirs.add(str(Path(prefix).resolve()))
    dirs.add(str(Path(sys.prefix)))
    return sorted(d for d in dirs if os.path.exists(d))


def bwrap_command(workdir, tmpdir, memory_bytes, cpu_seconds, file_bytes,
                  cgroup_procs=(), processes=None, uid=None, nnlib_dir=None):
    """The command prefix that runs a program sandboxed in `workdir`, with
    `tmpdir` as its /tmp: it joins the cgroups whose `cgroup_procs` files
    are given, runs as `uid` if given (the grader is root) and, if
    `processes` is given, under RLIMIT_NPROC. The program imports the
    grader's own nnlib, or the folder `nnlib_dir` in its place (blocked.py)."""
    workdir = str(Path(workdir).resolve())
    cmd = join_command(cgroup_procs) if cgroup_procs else []
    cmd += ["prlimit", f"--as={memory_bytes}", f"--cpu={cpu_seconds}",
            f"--fsize={file_bytes}", "--core=0", "--", bwrap_path()]
    if uid is None:
        cmd += ["--unshare-all"]
    else:  # root: no user namespace (its uid 0 would be root's), so the kernel's uid is its own
        cmd += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    cmd += ["--die-with-parent", "--dev", "/dev", "--proc", "/proc", "--bind", str(tmpdir), "/tmp"]
    binds = _system_dirs() + [str(NNLIB_DIR), str(Path(DATA_DIR).resolve())]
    # The folders above them made traversable (bwrap copies their modes,
    # and /root or a temporary folder is private to its owner).
    for d in sorted({str(p) for d in binds + [workdir] for p in Path(d).parents} - {"/"}):
        cmd += ["--perms", "0755", "--dir", d]
    for d in binds:
        cmd += ["--ro-bind", d, d]
    if nnlib_dir:
        cmd += ["--ro-bind", str(nnlib_dir), str(NNLIB_DIR)]
    # The kernel gets a clean environment: nothing of the grader's (tokens,
    # paths of the course) leaks into it.
    path = os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"])
    cmd += ["--bind", workdir, workdir, "--chdir", workdir, "--clearenv",
            "--setenv", "PATH", path,
            "--setenv", "HOME", workdir,
            "--setenv", "LANG", "C.UTF-8",
            "--setenv", "MPLCONFIGDIR", os.path.join(workdir, ".matplotlib"),
            # Figures are drawn as in JupyterLab, small (FIGURE_PNG), for the
            # feedback; grades never depend on them.
            "--setenv", "MPLBACKEND", "module://matplotlib_inline.backend_inline",
            "--setenv", "OPENBLAS_NUM_THREADS", "1",
            "--setenv", "OMP_NUM_THREADS", "1",
            "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
            # nnlib from the grader's own checkout, whatever the environment's
            # editable install points at (the folder above it is not mounted).
            "--setenv", "PYTHONPATH", str(NNLIB_DIR.parent),
            "--setenv", "TMPDIR", "/tmp"]
    if os.environ.get("NBGRADER_EXECUTION"):
        cmd += ["--setenv", "NBGRADER_EXECUTION", os.environ["NBGRADER_EXECUTION"]]
    cmd += ["--"]
    if uid is not None:
        cmd += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
                "--inh-caps=-all", "--bounding-set=-all", "--"]
    if processes is not None:  # set inside: counted per user namespace (or per kernel uid)
        cmd += ["prlimit", f"--nproc={processes}", "--"]
    return cmd


class SandboxedKernelClient(AsyncKernelClient):
    """The client of a sandboxed kernel.

    jupyter_client's `wait_for_ready` ends by reading IOPub until it has been
    quiet for 0.2 s, so that stray messages do not reach the first request.
    nbclient ignores messages that do not answer its own requests, so here
    that wait is only idle time (nearly half the time a kernel takes to
    start); this one returns as soon as the kernel has answered on both
    channels.
    """

    async def wait_for_ready(self, timeout=None):
        timeout = timeout or 60
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
                if reply["msg_type"] == "kernel_info_reply":
                    await self.iopub_channel.get_msg(timeout=0.2)  # IOPub is connected too
                    self._handle_kernel_info_reply(reply)
                    return
            except Empty:
                pass
            if not await self.is_alive():
                raise RuntimeError("the kernel died before it answered")
        raise RuntimeError(f"the kernel did not answer in {timeout} s")


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs in bubblewrap.

    `workdir` is the folder of the notebook being graded: the kernel's
    sockets and connection file live there, and it is the only place the
    kernel can write.
    """

    workdir = Unicode(config=True)
    tmpdir = Unicode(config=True)
    memory_bytes = Integer(LIMITS.memory, config=True)
    cpu_seconds = Integer(LIMITS.notebook_timeout, config=True)
    file_bytes = Integer(LIMITS.file_size, config=True)
    cgroup_procs = List(Unicode(), config=True)
    processes = Integer(None, allow_none=True, config=True)
    uid = Integer(None, allow_none=True, config=True)
    nnlib_dir = Unicode("", config=True)
    figures = Integer(LIMITS.figures, config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.client_class = f"{__name__}.SandboxedKernelClient"
        if not self.workdir:
            raise SandboxError("SandboxedKernelManager needs a workdir")
        ipc = Path(self.workdir) / ".kernel"
        ipc.mkdir(exist_ok=True)
        if self.uid is not None:
            os.chown(ipc, self.uid, self.uid)
        # Each kernel its own socket names: after a restart, a client must not
        # reach the dying kernel, whose messages carry the old key.
        name = secrets.token_hex(4)
        self.transport = "ipc"
        self.ip = str(ipc / name)
        self.connection_file = str(ipc / f"{name}.json")

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        # Whatever the kernel writes to its own stdout or stderr (outside
        # the cells' captured output) is dropped, not shown to the grader.
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        kw["stdin"] = subprocess.DEVNULL
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def interrupt_kernel(self):
        # A signal to the process group would also reach bwrap and end the
        # sandbox, so ask the kernel to interrupt itself instead.
        self._connect_control_socket()
        self.session.send(self._control_socket,
                          self.session.msg("interrupt_request", content={}))

    def format_kernel_cmd(self, extra_arguments=None):
        # Plain tracebacks: IPython's default (with context and colours) took
        # 80 ms a traceback, two thirds of a graded lesson 01's kernel time,
        # where the lesson's demonstrations meet nnlib's blocked exercises.
        # No history database: nothing reads it, and each cell wrote to it.
        cmd = super().format_kernel_cmd(extra_arguments) + [
            "--InteractiveShell.xmode=Plain", "--HistoryManager.enabled=False",
            f"--InlineBackend.print_figure_kwargs={FIGURE_PNG!r}",
            f"--InteractiveShellApp.exec_lines={FIRST_FIGURES.format(count=self.figures)}"]
        if self.uid is not None:  # written by now, readable by its owner alone
            os.chown(self.connection_file, self.uid, self.uid)
        return bwrap_command(self.workdir, self.tmpdir, self.memory_bytes, self.cpu_seconds,
                             self.file_bytes, self.cgroup_procs, self.processes, self.uid,
                             self.nnlib_dir or None) + cmd
