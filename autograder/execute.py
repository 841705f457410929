"""nbgrader's Execute step, made safe for untrusted notebooks.

`SandboxedExecute` replaces nbgrader's `Execute` in the autograde
pipeline (see grade.py). It runs the notebook like nbgrader does, with
these differences:

- the kernel runs in the bubblewrap sandbox of sandbox.py;
- time is bounded per cell and per notebook; a kernel that ignores the
  interrupt is killed, and one that dies (os._exit, segfault) is
  restarted; either way the rest of the notebook still runs;
- each cell's output is cut at a size limit, so a notebook that prints
  gigabytes gives an autograded notebook and feedback of bounded size;
- before the first test of each graded function, a probe cell calls that
  function on the grader's own inputs (probes.py); afterwards the results
  are judged outside the kernel, and a test cell whose function fails its
  probe gets an error output, so nbgrader scores it 0 however the kernel
  reported it;
- a warning printed to stderr by correct code does not zero a test cell
  (plain nbgrader scores any stderr output as a failure): stderr text in
  a test cell is kept, as plain text, but is not scored.

What happened is left in `RUN_REPORT` for the grader to read.
"""
import pickle
import shutil
import time
from pathlib import Path
from queue import Empty

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade, is_solution
from traitlets import Integer, Unicode

from . import probes
from .sandbox import SandboxedKernelManager

# What the last `preprocess` call saw: {"events": [(status, reason)],
# "probes": {function: None or why it failed}}. One notebook at a time per
# process, which is how the grader's workers run.
RUN_REPORT = {}


def error_output(ename, evalue):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


class SandboxedExecute(Execute):
    cell_timeout = Integer(60, help="seconds a cell may run").tag(config=True)
    notebook_timeout = Integer(600, help="seconds a whole notebook may run").tag(config=True)
    memory_bytes = Integer(2 * 1024**3, help="address-space limit of the kernel").tag(config=True)
    max_cell_output = Integer(256 * 1024, help="characters of output kept per cell").tag(config=True)
    max_notebook_output = Integer(4 * 1024**2, help="characters of output kept per notebook").tag(config=True)
    matplotlib_cache = Unicode("", help="a folder with a built matplotlib font cache").tag(config=True)

    # ---------------------------------------------------------------- kernel

    def create_kernel_manager(self):
        # The notebook's own kernelspec is ignored: every notebook gets the
        # sandboxed Python kernel.
        self.km = SandboxedKernelManager(
            kernel_name="python3", workdir=str(self.workdir), memory_bytes=self.memory_bytes,
            cpu_seconds=self.notebook_timeout + 60)
        return self.km

    def _start_kernel(self):
        self.km = None
        self.create_kernel_manager()
        self.start_new_kernel()
        self.start_new_kernel_client()
        for channel in (self.kc.shell_channel, self.kc.iopub_channel):
            channel.get_msg = _polled_in_slices(channel.get_msg)

    def _restart_kernel(self):
        try:
            self._cleanup_kernel()
        except Exception:  # the kernel is gone already
            self.km = self.kc = None
        self._start_kernel()

    # ---------------------------------------------------------------- output

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is None:
            return None
        if out.output_type == "error":  # always kept: it is what makes a test fail
            out.evalue = out.evalue[:2000]
            out.traceback = [line[:2000] for line in out.traceback[-50:]]
            return out
        room = min(self.max_cell_output - self._cell_output.get(cell_index, 0),
                   self.max_notebook_output - self._notebook_output)
        size = min(_size(out), max(room, 0))
        self._cell_output[cell_index] = self._cell_output.get(cell_index, 0) + size
        self._notebook_output += size
        if _size(out) <= room:
            return out
        outs.remove(out)
        if cell_index not in self._cut:  # the first output over a limit
            self._cut.add(cell_index)
            if out.output_type == "stream" and room > 0:
                out.text = out.text[:room]
                outs.append(out)
            outs.append(NotebookNode(output_type="stream", name="stdout", text=(
                f"\n[output cut: the grader keeps {self.max_cell_output} characters of a cell's "
                f"output, {self.max_notebook_output} of a notebook's]\n")))
        return None

    # ---------------------------------------------------------------- running

    def preprocess(self, nb, resources, km=None):
        self.workdir = Path(resources["metadata"]["path"]).resolve()
        lesson = resources["nbgrader"]["assignment"]
        self.shutdown_kernel = "immediate"
        self._cell_output, self._notebook_output, self._cut = {}, 0, set()
        events = []
        grader_dir = self.workdir / ".grader"
        grader_dir.mkdir(exist_ok=True)
        if self.matplotlib_cache:
            shutil.copytree(self.matplotlib_cache, self.workdir / ".matplotlib", dirs_exist_ok=True)
        inputs_path = grader_dir / "inputs.pkl"
        inputs_path.write_bytes(pickle.dumps(probes.inputs(lesson)))
        self._insert_probes(nb, lesson, grader_dir, inputs_path)

        # As nbconvert's ExecutePreprocessor.preprocess, with our own loop.
        from nbclient import NotebookClient
        NotebookClient.__init__(self, nb, None)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        deadline = time.monotonic() + self.notebook_timeout
        self._start_kernel()
        try:
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                left = deadline - time.monotonic()
                if left < 1:
                    cell.outputs = [error_output(
                        "NotRun", f"the notebook used up its {self.notebook_timeout} s")]
                    continue
                self.timeout = int(min(self.cell_timeout, left))
                self._run_cell(cell, index, events)
        finally:
            try:
                self._cleanup_kernel()
            except Exception:
                pass
        if time.monotonic() >= deadline - 1:
            events.append(("timeout", f"the notebook ran past its limit of {self.notebook_timeout} s, "
                                      "so its last cells did not run"))

        verdicts = self._judge_probes(nb, lesson, grader_dir, events)
        self._mark_overruled_tests(nb, lesson, verdicts, events)
        self._keep_stderr_unscored(nb)
        for name in (".grader", ".kernel", ".matplotlib"):
            shutil.rmtree(self.workdir / name, ignore_errors=True)
        RUN_REPORT.clear()
        RUN_REPORT.update(events=events, probes=verdicts)
        return nb, resources

    def _run_cell(self, cell, index, events):
        where = _cell_name(cell, index)
        try:
            self.execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            code = self._exit_code()
            cell.outputs.append(error_output("KernelDied", f"the kernel died ({code}) while running this cell"))
            events.append(("crashed", f"the kernel died ({code}) in {where}; it was restarted, "
                                      "so later cells ran without the earlier cells' work"))
            self._restart_kernel()
        except CellTimeoutError:
            # nbclient interrupted the kernel, but it kept running.
            cell.outputs.append(error_output(
                "CellTimeoutError", f"this cell ran past {self.timeout} s and ignored the interrupt"))
            events.append(("timeout", f"{where} ran past {self.timeout} s and ignored the interrupt; "
                                      "the kernel was restarted, so later cells ran without the "
                                      "earlier cells' work"))
            self._restart_kernel()
        else:
            if any(out.output_type == "error" and out.ename == "CellTimeoutError" for out in cell.outputs):
                events.append(("timeout", f"{where} ran past {self.timeout} s and was interrupted"))
            elif any(out.output_type == "error" and out.ename == "MemoryError" for out in cell.outputs):
                events.append(("memory", f"{where} ran out of memory (limit "
                                         f"{self.memory_bytes / 1024**3:g} GiB)"))

    def _exit_code(self):
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        code = process.poll() if process is not None else None
        if code is None:
            return "no exit code"
        if code > 128:
            return f"signal {code - 128}"
        return f"exit code {code}" if code >= 0 else f"signal {-code}"

    # ---------------------------------------------------------------- probes

    def _insert_probes(self, nb, lesson, grader_dir, inputs_path):
        """Put each function's probe cell just before its first test cell."""
        tested = probes.functions_tested(lesson)
        for name in probes.probes(lesson):
            for index, cell in enumerate(nb.cells):
                if is_grade(cell) and name in tested.get(grade_id(cell), ()):
                    source = probes.cell_source(lesson, name, inputs_path, grader_dir / f"{name}.npz")
                    probe = NotebookNode(cell_type="code", source=source, outputs=[],
                                         execution_count=None, metadata={"grader_probe": name})
                    nb.cells.insert(index, probe)
                    break

    def _judge_probes(self, nb, lesson, grader_dir, events):
        verdicts = {}
        for cell in [c for c in nb.cells if "grader_probe" in c.metadata]:
            name = cell.metadata["grader_probe"]
            verdicts[name] = probes.judge(lesson, name, grader_dir / f"{name}.npz")
            nb.cells.remove(cell)
        return verdicts

    def _mark_overruled_tests(self, nb, lesson, verdicts, events):
        """A test cell that passed in the kernel although a function it uses
        failed its probe gets an error output: nbgrader scores it 0."""
        tested = probes.functions_tested(lesson)
        overruled, found = [], {}
        for cell in nb.cells:
            if not (is_grade(cell) and cell.cell_type == "code") or is_solution(cell):
                continue
            failed = {name: verdicts.get(name) or f"{name} was not checked" for name in
                      sorted(tested.get(grade_id(cell), ())) if verdicts.get(name, "missing")}
            if failed and not any(out.output_type == "error" for out in cell.outputs):
                cell.outputs.append(error_output(
                    "OutsideCheckFailed",
                    "this test passed inside the notebook, but the grader's own check, run outside "
                    "the notebook, found: " + "; ".join(failed.values())))
                overruled.append(grade_id(cell))
                found.update(failed)
        if overruled:
            events.append(("tampered", f"{', '.join(overruled)} passed inside the notebook, but the "
                                       "grader's own check outside it found: " + "; ".join(found.values())))

    @staticmethod
    def _keep_stderr_unscored(nb):
        for cell in nb.cells:
            if cell.cell_type != "code" or not is_grade(cell):
                continue
            cell.outputs = [NotebookNode(output_type="display_data", metadata={},
                                         data={"text/plain": "[stderr] " + out.text})
                            if out.output_type == "stream" and out.name == "stderr" else out
                            for out in cell.outputs]


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


def _size(output):
    if output.output_type == "stream":
        return len(output.text)
    if output.output_type == "error":
        return sum(len(line) for line in output.traceback) + len(output.evalue)
    return sum(len(v) if isinstance(v, str) else len(str(v)) for v in output.get("data", {}).values())


def _cell_name(cell, index):
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return f"cell {grade_id}" if grade_id else f"cell {index + 1}"
