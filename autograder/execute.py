"""The grading step that runs the notebook: nbgrader's Execute, made safe
for untrusted notebooks.

`SandboxedExecute` runs the notebook's code cells in order, as nbgrader's
`Execute` does, with these differences:

- the kernel runs in the bubblewrap sandbox of sandbox.py, whatever
  kernel the notebook names;
- time is bounded per cell and per notebook; a kernel that ignores the
  interrupt is killed, and one that dies (os._exit, segfault) is
  restarted; either way the rest of the notebook still runs, and what
  happened is noted (record.py) for the grades CSV;
- every notebook's kernels are bounded in processes, memory, /tmp and
  work folder (limits.py), and a cell that hits a limit is noted
  (`memory`, `processes`, `disk`);
- it holds at most `max_held_output` characters of any cell's output, so
  a notebook that prints gigabytes cannot fill the grader's memory (what
  is kept in the end is the next step's job: outputs.LimitOutputSize);
  widgets' messages are dropped, so an Output widget cannot hold more;
- test cells are not run in the kernel: the judge runs them (judge.py),
  calling the student's functions in the kernel through wire.py;
- once the kernel is gone, whatever it left in its folder that is not a
  plain file or folder (a symbolic link, a named pipe) is removed, so
  nbgrader never writes through it.

Everything else (output limits, scoring) is done by the steps around it
(pipeline.py).
"""
import os
import shutil
import stat
import time
from functools import lru_cache
from pathlib import Path
from queue import Empty

import nbformat
import zmq.asyncio
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade, is_solution
from traitlets import Bool, Integer, Unicode

from . import course, limits, record, wire
from .judge import Judge, KernelFailed
from .course import DEFAULT_LIMITS as LIMITS
from .outputs import error_output, output_size
from .blocked import nnlib_copy
from .sandbox import NNLIB_DIR, SandboxedKernelManager

WORK_FOLDERS = (".kernel", ".matplotlib", ".judge")  # made in the notebook's folder, removed after
JUDGE_FOLDER = ".judge"   # the channel's files (wire.py)
INTERRUPT_GRACE = 5       # seconds a kernel has to stop after an interrupt


class SandboxedExecute(Execute):
    cell_timeout = Integer(LIMITS.cell_timeout, help="seconds a cell may run").tag(config=True)
    notebook_timeout = Integer(LIMITS.notebook_timeout, help="seconds a whole notebook may run").tag(config=True)
    memory_bytes = Integer(LIMITS.memory, help="memory of a notebook's kernel and its tmpfs folders "
                                               "(cgroup), and address space of each process").tag(config=True)
    max_processes = Integer(LIMITS.max_processes, help="processes and threads of a notebook's kernel").tag(config=True)
    tmp_bytes = Integer(LIMITS.tmp_size, help="size of the kernel's /tmp (a tmpfs)").tag(config=True)
    work_bytes = Integer(LIMITS.work_size, help="size of the notebook's work folder (a tmpfs)").tag(config=True)
    file_bytes = Integer(LIMITS.file_size, help="size of a file the kernel writes").tag(config=True)
    cgroups = Bool(LIMITS.cgroups, help="bound processes and memory with cgroups where they can be made; "
                              "False: RLIMIT_NPROC and the address space only").tag(config=True)
    diagnosis = Bool(LIMITS.diagnosis, help="name the mistakes of failed tests (diagnosis.py)").tag(config=True)
    max_held_output = Integer(1024**2, help="characters of a cell's output held while it runs").tag(config=True)
    matplotlib_cache = Unicode("", help="a folder with a built matplotlib font cache").tag(config=True)
    figures = Integer(LIMITS.figures, help="figures a notebook draws for its feedback (its first)").tag(config=True)

    # ---------------------------------------------------------------- kernel

    def create_kernel_manager(self):
        self.km = SandboxedKernelManager(
            kernel_name="python3", workdir=str(self.workdir), tmpdir=str(self._folders.tmp),
            memory_bytes=self.memory_bytes, cpu_seconds=self.notebook_timeout + 60,
            file_bytes=self.file_bytes, uid=self._uid,
            cgroup_procs=self._cgroup.procs_files if self._cgroup else [],
            processes=None if self._cgroup else self.max_processes,
            nnlib_dir=str(nnlib_copy(self._lesson, NNLIB_DIR)), figures=self.figures)
        return self.km

    def _start_kernel(self):
        self.km = None
        self.create_kernel_manager()
        self.start_new_kernel()
        try:
            self.start_new_kernel_client()
        except RuntimeError as error:  # say which kernel: a broken kernelspec is the grader's fault
            spec = KernelSpecManager().get_kernel_spec("python3")
            raise RuntimeError(f"{error}; its command is {' '.join(spec.argv[:3])} "
                               f"(the kernelspec in {spec.resource_dir})") from None
        for channel in (self.kc.shell_channel, self.kc.iopub_channel):
            channel.get_msg = _polled_in_slices(channel.get_msg)

    def _restart_kernel(self):
        try:
            self._cleanup_kernel()
        except Exception:  # the kernel is gone already
            self.km = self.kc = None
        self._start_kernel()

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is None or out.output_type == "error":
            return out
        held = self._held.get(cell_index, 0)
        size = output_size(out)
        self._held[cell_index] = held + size
        if held + size > self.max_held_output:
            outs.remove(out)
            if out.output_type == "stream" and held < self.max_held_output:
                out.text = out.text[:self.max_held_output - held + 1]
                outs.append(out)
            return None
        return out

    def handle_comm_msg(self, outs, msg, cell_index):
        """Widgets are neither kept nor rendered while grading: what an Output
        widget captures goes to its cell's outputs, which are bounded."""

    # ---------------------------------------------------------------- running

    def preprocess(self, nb, resources, km=None):
        self.workdir = Path(resources["metadata"]["path"]).resolve()
        self._lesson = resources["nbgrader"]["assignment"]
        self.shutdown_kernel = "immediate"
        self._held, self._hit = {}, set()
        if self.matplotlib_cache:
            shutil.copytree(self.matplotlib_cache, self.workdir / ".matplotlib", dirs_exist_ok=True)
        self._uid = limits.kernel_uid() if os.geteuid() == 0 else None
        self._folders = limits.Folders(self.workdir, self.work_bytes, self.tmp_bytes, self._uid)
        for notebook in self.workdir.glob("*.ipynb"):  # it holds the hidden tests; nbgrader rewrites it after
            notebook.unlink()
        self._cgroup = None
        try:
            found = limits.usable_cgroups() if self.cgroups else None
            self._cgroup = limits.Cgroup(found, self.max_processes, self.memory_bytes) if found else None
            # As nbconvert's ExecutePreprocessor.preprocess, with our own loop.
            NotebookClient.__init__(self, nb, None)
            self.reset_execution_trackers()
            self._check_assign_resources(resources)
            deadline = time.monotonic() + self.notebook_timeout
            self._channel = self.workdir / JUDGE_FOLDER
            self._channel.mkdir(exist_ok=True)
            shutil.copyfile(wire.__file__, self._channel / "wire.py")
            if self._uid is not None:
                os.chown(self._channel, self._uid, self._uid)
            self._judge = Judge(self._lesson, self, self.diagnosis)
            self.counting = None
            self._start_kernel()
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                left = deadline - time.monotonic()
                if left < 1:
                    cell.outputs = [error_output(
                        "NotRun", f"the notebook used up its {self.notebook_timeout} s")]
                    continue
                self.timeout = int(min(self.cell_timeout, left))
                if is_grade(cell) and not is_solution(cell):
                    self._judge_cell(nb, cell, index)
                else:
                    self._run_cell(nb, cell, index)
        finally:
            try:
                self._cleanup_kernel()
            except Exception:
                pass
            try:
                if self._cgroup:
                    self._cgroup.remove()
            finally:
                for name in WORK_FOLDERS:
                    shutil.rmtree(self.workdir / name, ignore_errors=True)
                _remove_links(self.workdir)
                self._folders.close()
        if time.monotonic() >= deadline - 1:
            record.note(nb, "timeout", f"the notebook ran past its limit of {self.notebook_timeout} s, "
                                       "so its last cells did not run")
        return nb, resources

    def _run_cell(self, nb, cell, index):
        where = record.cell_name(cell, index + 1)
        try:
            self.execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            code = self._exit_code()
            cell.outputs.append(error_output("KernelDied", f"the kernel died ({code}) while running this cell"))
            self._note_limits(nb, cell, where)
            record.note(nb, "crashed", f"the kernel died ({code}) in {where}; it was restarted, "
                                       "so later cells ran without the earlier cells' work")
            self._restart_kernel()
        except CellTimeoutError:
            # nbclient interrupted the kernel, but it kept running.
            self._note_limits(nb, cell, where)
            cell.outputs.append(error_output(
                "CellTimeoutError", f"this cell ran past {self.timeout} s and ignored the interrupt"))
            record.note(nb, "timeout", f"{where} ran past {self.timeout} s and ignored the interrupt; "
                                       "the kernel was restarted, so later cells ran without the "
                                       "earlier cells' work")
            self._restart_kernel()
        else:
            self._note_limits(nb, cell, where)
            if any(out.output_type == "error" and out.ename == "CellTimeoutError" for out in cell.outputs):
                record.note(nb, "timeout", f"{where} ran past {self.timeout} s and was interrupted")
            self._note_setup_fault(nb, cell, where)

    def _note_setup_fault(self, nb, cell, where):
        """A cell of the lesson's own code (not the student's) that cannot
        import what the course installs: the grading set-up is broken, and
        the row must say so, not score the student 0."""
        if cell.source not in lesson_code(self._lesson):
            return
        for out in cell.outputs:
            if out.output_type == "error" and out.ename in ("ModuleNotFoundError", "ImportError"):
                record.note(nb, "error", f"{record.SETUP_FAULT}: the lesson's own {where} failed with "
                                         f"{out.ename}: {out.evalue[:200]}")
                return

    # ---------------------------------------------------------------- the judge's calls

    def _judge_cell(self, nb, cell, index):
        """Run a test cell in the judge (judge.py); its calls of the student's
        functions run in the kernel, all within the cell's time limit."""
        self._nb, self._where = nb, record.cell_name(cell, index + 1)
        self._cell_deadline = time.monotonic() + self.timeout
        cell.outputs, diagnosis = self._judge.run(cell.metadata["nbgrader"]["grade_id"])
        cell.execution_count = None
        if diagnosis:  # for the class's report (misconceptions.py); grades do not read it
            cell.metadata.setdefault(record.KEY, {})["diagnosis"] = diagnosis

    def describe(self, names):
        """What the kernel's namespace holds under `names` (wire.describe)."""
        try:
            tree, _ = self._ask("describe", {"names": list(names)}, {})
            return tree if isinstance(tree, dict) else {}
        except (KernelFailed, ValueError):
            return {}

    def exchange(self, tree, arrays, callbacks):
        """One call of a student's function in the kernel (judge.Student):
        its request out, its answer back."""
        return self._ask("call", tree, arrays, callbacks)

    def _ask(self, request, tree, arrays, callbacks=()):
        """Send one request to the kernel's side of wire.py and read its answer."""
        for stale in ("answer.json", "answer.npz"):
            (self._channel / stale).unlink(missing_ok=True)
        wire.write(self._channel, "request", tree, arrays)
        code = (f"(__import__('sys').modules.get('_judge_wire') or __import__('importlib.machinery')"
                f".machinery.SourceFileLoader('_judge_wire', {str(self._channel / 'wire.py')!r}).load_module())"
                f".serve({request!r}, {str(self._channel)!r}, globals())")
        left = self._cell_deadline - time.monotonic()
        if left <= 0:
            raise KernelFailed(f"{self._where} used up its {self.timeout} s")
        try:
            run_sync(self._request)(code, self._cell_deadline, callbacks)
        except TimeoutError as stop:
            if str(stop) == "ignored":
                record.note(self._nb, "timeout", f"{self._where} ran past {self.timeout} s and ignored the "
                                                 "interrupt; the kernel was restarted, so later cells ran "
                                                 "without the earlier cells' work")
                self._restart_kernel()
            else:
                record.note(self._nb, "timeout", f"{self._where} ran past {self.timeout} s and was interrupted")
            raise KernelFailed(f"your code ran past the cell's limit of {self.timeout} s") from None
        except DeadKernelError:
            code_ = self._exit_code()
            record.note(self._nb, "crashed", f"the kernel died ({code_}) in {self._where}; it was restarted, "
                                             "so later cells ran without the earlier cells' work")
            self._restart_kernel()
            raise KernelFailed(f"the kernel died ({code_}) while your code ran") from None
        try:
            return wire.read(self._channel, "answer")
        except ValueError as error:
            raise KernelFailed(f"the kernel gave no answer ({error})") from None

    async def _request(self, code, deadline, callbacks):
        """Execute `code` in the kernel, answering its callback requests (the
        judge's functions) on stdin, until its reply or the deadline."""
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=True)
        shell, stdin = self.kc.shell_channel, self.kc.stdin_channel
        poller = zmq.asyncio.Poller()
        poller.register(shell.socket, zmq.POLLIN)
        poller.register(stdin.socket, zmq.POLLIN)
        interrupted = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if interrupted:
                    raise TimeoutError("ignored")
                await self.km.interrupt_kernel()
                interrupted, deadline = True, time.monotonic() + INTERRUPT_GRACE
                continue
            events = dict(await poller.poll(int(min(left, 0.2) * 1000)))  # slices: see _polled_in_slices
            if stdin.socket in events:
                await stdin.get_msg(timeout=0)
                self.kc.input(self._callback(callbacks))
            if shell.socket in events:
                reply = await shell.get_msg(timeout=0)
                if reply["parent_header"].get("msg_id") == msg_id:
                    if interrupted:
                        raise TimeoutError("interrupted")
                    break
            if not events and not await self.km.is_alive():
                raise DeadKernelError("the kernel died")
        while True:  # what the call printed is not shown anywhere
            try:
                await self.kc.iopub_channel.get_msg(timeout=0)
            except Empty:
                return

    def _callback(self, callbacks):
        """Compute one of the judge's functions for the kernel (wire.serve)."""
        try:
            tree, arrays = wire.read(self._channel, "callback")
            args = wire.decode(tree["args"], arrays)
            found = {}
            answer = {"value": wire.encode(callbacks[int(tree["k"])](*args), found)}
        except Exception as error:
            found, answer = {}, {"error": wire.text(error)}
        wire.write(self._channel, "callback_answer", answer, found)
        return ""

    def _note_limits(self, nb, cell, where):
        """Note each limit the first time a cell hits it: from the cgroup's
        counters, the tmpfs folders' free space, and the errors it printed."""
        hit = set(self._cgroup.hits()) if self._cgroup else set()
        text = "\n".join(_output_text(out) for out in cell.outputs)
        if "MemoryError" in text:
            hit.add("memory")
        if any(sign in text for sign in PROCESS_SIGNS):
            hit.add("processes")
        filled = self._folders.filled()
        if filled or any(sign in text for sign in DISK_SIGNS):
            hit.add("disk")
        reasons = {
            "memory": f"{where} ran out of memory (limit {limits.human(self.memory_bytes)})",
            "processes": f"{where} tried to run more than {self.max_processes} processes and threads",
            "disk": f"{where} ran out of disk space: " + (
                " and ".join(f"{name} full (limit {limits.human(self._folders.sizes[name])})" for name in filled)
                or f"a file over the limit of {limits.human(self.file_bytes)}, or a full folder"),
        }
        for limit in sorted(hit - self._hit):
            record.note(nb, limit, reasons[limit])
        self._hit |= hit

    def _exit_code(self):
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        code = process.poll() if process is not None else None
        if code is None:
            return "no exit code"
        if code > 128:
            return f"signal {code - 128}"
        return f"exit code {code}" if code >= 0 else f"signal {-code}"


PROCESS_SIGNS = ("BlockingIOError", "Resource temporarily unavailable", "can't start new thread")
DISK_SIGNS = ("No space left on device", "File too large", "[Errno 28]", "[Errno 27]")


def _output_text(out):
    if out.output_type == "error":
        return f"{out.ename}: {out.evalue}"
    if out.output_type == "stream":
        return out.text
    return ""


def _remove_links(folder):
    """Remove what the kernel left in its folder that is neither a file nor a
    folder (symbolic links, named pipes, sockets): nbgrader writes the
    autograded notebook there, and must not write through a link or block
    on a pipe."""
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            path = os.path.join(parent, name)
            mode = os.lstat(path).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                os.unlink(path)


def _polled_in_slices(get_msg, step=0.5):
    """`get_msg` that looks at its socket at least every `step` seconds.

    Under load, an asyncio ZMQ poll can miss the wake-up of a message that
    has already arrived and sleep until its timeout: a cell that finished
    in 0.2 s was seen as running for the whole cell time limit. Polling in
    short slices bounds that delay.
    """
    async def get_msg_sliced(timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = step if deadline is None else min(step, deadline - time.monotonic())
            try:
                return await get_msg(timeout=max(left, 0))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    return get_msg_sliced


@lru_cache(maxsize=None)
def lesson_code(lesson):
    """The sources of the released lesson's code cells that are not exercises."""
    nb = nbformat.read(course.student_notebook(lesson), as_version=4)
    return frozenset(cell.source for cell in nb.cells
                     if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("solution"))
