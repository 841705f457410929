"""The judge: every test cell, hidden tests and all, runs in the grader's
own process, never in the student's kernel.

When the execution of a notebook (execute.py) reaches a test cell, it
hands the cell to the judge instead of the kernel. The judge runs the
instructor's version of the cell (from solutions/, whatever the
submission holds) with the grader's own NumPy, nnlib and nnlib.checks.
The student's functions are there as stand-ins (`Student`) that call the
real ones in the kernel through the data-only channel of wire.py: the
kernel receives the inputs of a call and answers with what the function
returned; it never sees a test's source, its expected values or a
reference. A function argument of the judge's (an activation, a cost to
differentiate) stays in the judge: the kernel gets a stand-in that asks
the judge for its values while the call lasts.

A test cell passes when its code runs to the end in the judge. What the
cell shows in the feedback is what the judge made: the lines the visible
part printed, and the failure, if any. Nothing the kernel prints, displays
or hooks reaches a test cell, so nothing the kernel does can change a score.
When a test cell fails, the calls it made are compared with the known
mistakes of the function it tests (diagnosis.py), for the class's report;
that never changes a grade.
"""
import ast
import builtins
import contextlib
import inspect
import io
import types
import warnings
from functools import lru_cache

import nbformat
import numpy as np

from . import course, diagnosis, wire

HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
MAX_PRINTED = 20_000   # characters of a visible part's printout kept
MAX_MESSAGE = 3_000    # characters of a failure's message kept
PREAMBLE = ("import inspect, math, time, warnings\nimport numpy as np\nimport nnlib\n"
            "import nnlib.gradcheck\nimport nnlib.network\n")


class KernelFailed(Exception):
    """The kernel could not answer a call (it timed out, died or wrote no answer)."""


@lru_cache(maxsize=None)
def lesson_tests(lesson):
    """({grade id: (visible code, hidden code)} of the lesson's test cells, in
    order; the names the exercise cells define; the lesson's own imports),
    read from the instructor's notebook."""
    nb = nbformat.read(course.source_notebook(lesson), as_version=4)
    tests, names, imports = {}, [], []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("grade") and not meta.get("solution"):
            visible, _, hidden = cell.source.partition(HIDDEN)
            tests[meta["grade_id"]] = (visible, hidden.replace(END_HIDDEN, ""))
        elif meta.get("solution"):
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.FunctionDef) and node.name not in names:
                    names.append(node.name)
        else:
            try:
                imports += [ast.unparse(node) for node in ast.parse(cell.source).body
                            if isinstance(node, (ast.Import, ast.ImportFrom))]
            except SyntaxError:   # a cell of IPython magics
                pass
    return tests, tuple(names), "\n".join(dict.fromkeys(imports))


def namespace(imports, name):
    """A namespace with PREAMBLE's and the lesson's `imports` (lines) run in it."""
    found = {"__name__": name}
    exec(PREAMBLE, found)
    for line in imports.splitlines():
        try:
            exec(line, found)
        except Exception:  # an import the judge does not need (a plotting module)
            pass
    return found


class Student:
    """The stand-in of one of the student's functions: calling it calls the
    function of that name in the kernel, with the same arguments, and
    returns what it returned, raises what it raised (as the same kind of
    exception), and gives the warnings it gave. Its signature, for the
    tests that inspect it, is asked of the kernel when they do
    (`described()`: wire.describe's answer)."""

    def __init__(self, name, link, described=dict, calls=None):
        self.__name__ = self.__qualname__ = name
        self._link, self._described, self._calls = link, described, calls

    @property
    def __signature__(self):
        entry = self._described().get(self.__name__)
        try:
            kinds = inspect.Parameter
            return inspect.Signature([
                kinds(str(p), getattr(kinds, str(kind)), default=None if has_default else kinds.empty)
                for p, kind, has_default in entry["parameters"][:50]])
        except Exception:  # none reported, or not a signature
            return None

    def __call__(self, *args, **kwargs):
        counting, calls = self._link.counting, self._calls
        inputs = calls.start(self.__name__, args, kwargs) if calls else None
        tree, arrays, callbacks = request(self.__name__, args, kwargs, counting)
        try:
            answer, out = self._link.exchange(tree, arrays, callbacks)
            value = received(answer, out, args, kwargs, counting)
        except KernelFailed:
            if inputs is not None:
                calls.finish(self.__name__, inputs, args, kwargs, error="KernelFailed")
            raise
        if inputs is not None:  # as the kernel answered, whatever the test's warning filters
            calls.finish(self.__name__, inputs, args, kwargs, value=value,
                         error=answer["error"].get("type") if "error" in answer else None,
                         warned=[kind for kind, _text in answer.get("warnings", [])])
        return result_of(answer, value)

    def __repr__(self):
        return f"<your function {self.__name__}>"

    def __deepcopy__(self, memo):  # (the diagnosis copies a call's inputs)
        return self


def raise_in(function_name, error):
    """Raise `error` from a frame named `function_name`, as if that function
    had raised it (checks.call names where NotImplementedError came from)."""
    def _raise(error):
        raise error
    frame = types.FunctionType(_raise.__code__.replace(co_name=function_name), {})
    frame(error)


def builtin(name, base):
    """The builtin subclass of `base` named `name` (as the kernel wrote it), or None."""
    cls = getattr(builtins, str(name)[:60], None)
    return cls if isinstance(cls, type) and issubclass(cls, base) else None


def _exception(kind, text):
    """An exception of the builtin class named `kind`, else of a new class of that name."""
    cls = builtin(kind, Exception) or type(kind if kind.isidentifier() else "Error", (Exception,), {})
    return cls(text)


class Counting:
    """The judge's ``checks.counting_calls``: counts, in the kernel, the calls
    of the named functions while the student's functions run. It stands in
    for nnlib.checks' own while a test cell runs in the judge (a grading
    worker judges one notebook at a time)."""

    def __init__(self, link):
        self.link = link

    @contextlib.contextmanager
    def __call__(self, namespace, *names):
        counts = dict.fromkeys(names, 0)
        self.link.counting = (names, counts)
        try:
            yield counts
        finally:
            self.link.counting = None


class Judge:
    """The test cells of one notebook, run in order in one namespace of the
    judge's. `link` talks to the kernel (execute.SandboxedExecute). With
    `diagnose`, a failed test's calls are diagnosed (diagnosis.py)."""

    def __init__(self, lesson, link, diagnose=True):
        from nnlib import checks

        self.tests, self.names, imports = lesson_tests(lesson)
        self.lesson, self.link, self.diagnosing = lesson, link, diagnose
        self.namespace = namespace(imports, "__judge__")
        self.namespace["checks"] = checks
        self.counting = Counting(link)

    def run(self, grade_id):
        """The outputs of test cell `grade_id`: what its visible part printed,
        and an error output if it failed."""
        if grade_id not in self.tests:  # a test cell of another version of the lesson
            return [nbformat.v4.new_output("error", ename="NotATest", evalue=f"{grade_id} is not a test "
                                           "of this lesson", traceback=[f"{grade_id} is not a test"])], None
        visible, hidden = self.tests[grade_id]
        asked = []

        def described():  # once a test cell, and only if it inspects a function
            if not asked:
                answer = self.link.describe(self.names)
                asked.append(answer if isinstance(answer, dict) else {})
            return asked[0]
        calls = diagnosis.Calls() if self.diagnosing else None
        for name in self.names:
            self.namespace[name] = Student(name, self.link, described, calls)
        printed = _Bounded(MAX_PRINTED)
        outputs, failure = [], None
        checks = self.namespace["checks"]
        counting_calls, checks.counting_calls = checks.counting_calls, self.counting
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(printed):
                warnings.simplefilter("ignore")  # unless the test asks for them (as errors)
                exec(compile(visible, f"<{grade_id}>", "exec"), self.namespace)
            with warnings.catch_warnings(), contextlib.redirect_stdout(_Bounded(0)):
                warnings.simplefilter("ignore")
                exec(compile(hidden, f"<{grade_id}, hidden>", "exec"), self.namespace)
        except Exception as error:
            failure = error
        finally:
            checks.counting_calls = counting_calls  # (the checks' own calls use it too)
        if printed.getvalue():
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=printed.getvalue()))
        if failure is not None:
            text = str(failure) if str(failure) else "a check failed"
            outputs.append(nbformat.v4.new_output(
                "error", ename=type(failure).__name__, evalue=text[:MAX_MESSAGE],
                traceback=[f"{type(failure).__name__}: {text[:MAX_MESSAGE]}"]))
        return outputs, self.diagnose(grade_id, failure, calls)

    def diagnose(self, grade_id, failure, calls):
        """What the failed test's function got wrong (diagnosis.py), or None."""
        if failure is None or calls is None:
            return None
        try:
            return diagnosis.diagnose(self.lesson, grade_id, calls.calls, str(failure))
        except Exception as error:  # the report says so; the grade stands
            return {"function": "", "known": False, "label": f"not diagnosed ({type(error).__name__})"}


class _Bounded(io.StringIO):
    """A StringIO that keeps at most `limit` characters."""

    def __init__(self, limit):
        super().__init__()
        self.limit = limit

    def write(self, text):
        room = self.limit - self.tell()
        if room > 0:
            super().write(text[:room])
        return len(text)


def request(name, args, kwargs, counting=None):
    """The channel's request to call `name`: (tree, arrays, the judge's
    functions among the arguments)."""
    arrays, callbacks = {}, []
    tree = {"name": name, "args": wire.encode(list(args), arrays, callbacks),
            "kwargs": wire.encode(dict(kwargs), arrays, callbacks)}
    if counting:
        tree["count"] = list(counting[0])
    return tree, arrays, callbacks


def received(answer, out, args, kwargs, counting=None):
    """What the call whose answer is (`answer`, `out`) returned, and what it
    did: the arrays it changed in place are changed here too, the
    generators it drew from moved on, the counted calls added up."""
    if not isinstance(answer, dict):
        raise KernelFailed("the kernel gave no answer the grader can read")
    try:
        value = wire.decode(answer["value"], out) if "value" in answer else None
    except (ValueError, KeyError, TypeError) as error:
        raise KernelFailed(f"the kernel gave no answer the grader can read ({error})") from None
    inputs = wire.arrays_in([args, kwargs])
    for i, tree in answer.get("changed", []):
        try:
            np.copyto(inputs[i], np.asarray(wire.decode(tree, out)), casting="unsafe")
        except Exception:  # not an array of that shape: nothing to change
            pass
    for generator, state in zip(wire.generators_in([args, kwargs]), answer.get("generators", [])):
        try:
            generator.bit_generator.state = state
        except Exception:
            pass
    if counting:
        for counted, n in dict(answer.get("counts", {})).items():
            if counted in counting[1] and isinstance(n, int):
                counting[1][counted] += n
    if not isinstance(answer.get("warnings", []), list) or not all(
            isinstance(w, list) and len(w) == 2 for w in answer.get("warnings", [])):
        raise KernelFailed("the kernel gave no answer the grader can read (its warnings)")
    if "error" in answer and not isinstance(answer["error"], dict):
        raise KernelFailed("the kernel gave no answer the grader can read (its error)")
    return value


def result_of(answer, value):
    """What a call's answer means in the judge: `value`, or the exception the
    function raised. Its warnings are given again here, under the test's filters."""
    for kind, text in answer.get("warnings", []):
        warnings.warn(str(text), builtin(kind, Warning) or UserWarning, stacklevel=3)
    if "error" in answer:
        error = answer["error"]
        raise_in(str(error.get("raised_in") or "function")[:60],
                 _exception(str(error.get("type", "Exception"))[:60], str(error.get("text", ""))))
    return value
