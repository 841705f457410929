"""The grader's outside checks (autograder/probes.py) keep their two promises:
every correct implementation passes its probe, and every catalogued mistake
(tests/mistakes/) fails it. Each variant runs in a real kernel, through the
same probe cell and judge as in grading."""
import importlib
import io
import pickle
import pickletools
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import probes
from mistakes import Variant
from mistakes.runner import exercise_tests, outcome
from notebook_tools import is_exercise, is_graded, is_solution, lesson_names, nbgrader_meta, read, source_path

CATALOGUES = {module.LESSON: module for module in
              (importlib.import_module(f"mistakes.{p.stem}")
               for p in sorted((Path(__file__).parent / "mistakes").glob("lesson_*.py")))}
LESSONS = lesson_names()

# Correct answers, beyond the catalogue, that stress the probes' own judges.
PROBE_CORRECT = {
    "05_gradient_descent": [Variant("numerical_gradient", "nudges the caller's w and restores it", """
def numerical_gradient(J, w, eps=1e-4):
    w = np.asarray(w, dtype=float)
    grad = np.zeros(len(w))
    for i in range(len(w)):
        old = w[i]
        w[i] = old + eps
        plus = J(w)
        w[i] = old - eps
        grad[i] = (plus - J(w)) / (2 * eps)
        w[i] = old
    return grad
""")],
    "07_digits": [Variant("random_init", "drawn transposed, then transposed", """
def random_init(sizes, epsilon=0.12, rng=None):
    rng = np.random.default_rng(rng)
    return [(rng.uniform(-epsilon, epsilon, (n_prev, n)).T, np.zeros(n))
            for n_prev, n in zip(sizes[:-1], sizes[1:])]
"""), Variant("train", "own start with random biases", """
def train(X, y, sizes, lambda_, maxiter, rng):
    rng = np.random.default_rng(rng)
    params = [(rng.uniform(-0.12, 0.12, (n, n_prev)), rng.uniform(-0.12, 0.12, n))
              for n_prev, n in zip(sizes[:-1], sizes[1:])]
    Y = nnlib.one_hot(y, sizes[-1])
    def fun(theta):
        params = nnlib.network.unpack(theta, sizes)
        return nn_cost(params, X, Y, lambda_), nnlib.network.pack(backprop(params, X, Y, lambda_))
    theta, _ = nnlib.minimize(fun, nnlib.network.pack(params), maxiter=maxiter)
    return nnlib.network.unpack(theta, sizes)
""")],
}


class ExerciseKernel:
    """A kernel that ran a source notebook up to its last exercise, test cells
    skipped (they are self-contained), ready to run probes on variants."""

    def __init__(self, lesson, timeout=120):
        self.nb = read(source_path(lesson))
        self.exercises = exercise_tests(self.nb)
        self.client = NotebookClient(self.nb, timeout=timeout, kernel_name="python3",
                                     allow_errors=True,
                                     resources={"metadata": {"path": str(source_path(lesson).parent)}})

    def __enter__(self):
        self._kernel = self.client.setup_kernel()
        self._kernel.__enter__()
        last = max(index for index, _tests in self.exercises.values())
        for index, cell in enumerate(self.nb.cells[:last + 1]):
            if cell.cell_type == "code" and (is_solution(cell) or not is_graded(cell)):
                self.client.execute_cell(cell, index)
                assert outcome(cell) is None, f"the source notebook fails at cell {index}: {outcome(cell)}"
        return self

    def __exit__(self, *exc):
        return self._kernel.__exit__(*exc)

    def run(self, source):
        """Run source in the kernel; None if it ran cleanly, else what went wrong."""
        cell = nbformat.v4.new_code_cell(source)
        self.client.execute_cell(cell, 0)
        return outcome(cell)

    def solution(self, function):
        return self.nb.cells[self.exercises[function][0]].source


def probe_verdict(kernel, lesson, name, folder):
    """Run the probe cell of `name` in the kernel and judge it here."""
    probes.prepare(folder, lesson)
    problem = kernel.run(probes.cell_source(lesson, name, folder))
    assert problem is None, f"the probe cell of {name} itself failed: {problem}"
    return probes.judge(lesson, name, folder)


@pytest.mark.parametrize("lesson", LESSONS)
def test_correct_code_passes_its_probe_and_every_mistake_fails_it(lesson, tmp_path):
    catalogue = CATALOGUES[lesson]
    runs = iter(range(10**6))

    def verdict(name):
        return probe_verdict(kernel, lesson, name, tmp_path / f"run-{next(runs)}")

    variants = ([(v, False) for v in catalogue.MISTAKES]
                + [(v, True) for v in catalogue.CORRECT + PROBE_CORRECT.get(lesson, [])])
    problems = []
    with ExerciseKernel(lesson) as kernel:
        for name in probes.probes(lesson):
            message = verdict(name)
            if message:
                problems.append(f"{name}: the reference solution fails its probe: {message}")
        for variant, should_pass in variants:
            defined = kernel.run(variant.code)
            assert defined is None, f"{variant.name}: the variant does not run: {defined}"
            message = verdict(variant.function)
            if should_pass and message:
                problems.append(f"{variant.function}: correct variant '{variant.name}' fails its "
                                f"probe: {message}")
            if not should_pass and not message:
                problems.append(f"{variant.function}: mistake '{variant.name}' passes its probe")
            assert kernel.run(kernel.solution(variant.function)) is None
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_graded_function_has_a_probe_that_protects_its_tests(lesson):
    cells = [c for c in read(source_path(lesson)).cells if c.cell_type == "code"]
    graded_functions = {nbgrader_meta(c)["grade_id"] for c in cells if is_exercise(c)}
    probed = set(probes.probes(lesson))
    assert graded_functions - probed == set(), "graded functions without a probe"
    assert probed - graded_functions == set(), "probes of functions the lesson does not grade"
    tests = [nbgrader_meta(c)["grade_id"] for c in cells if is_graded(c) and not is_solution(c)]
    guarded = probes.functions_tested(lesson)
    # JudgeProbes (autograder/probes/steps.py) zeroes a test cell whose guarding functions fail their probes:
    # a test cell without one could keep points earned by forging the checks in the kernel
    assert sorted(guarded) == sorted(tests)
    assert not [t for t in tests if not guarded[t]], "test cells guarded by no probe"
    for function, (_index, test_indices) in exercise_tests(read(source_path(lesson))).items():
        for index in test_indices:
            test = nbgrader_meta(read(source_path(lesson)).cells[index])["grade_id"]
            assert function in guarded[test], f"{test} follows {function} but is not guarded by it"
    for name, probe in probes.probes(lesson).items():
        assert probe.calls and len(probe.references) == len(probe.calls), name


def pickled_globals(data):
    """(module, name) of every global a pickle loads, read from its opcodes."""
    found, memo, pushed = [], {}, []
    for opcode, arg, _pos in pickletools.genops(data):
        if opcode.name == "GLOBAL":
            found.append(tuple(arg.split(" ", 1)))
        elif opcode.name == "STACK_GLOBAL":
            found.append((pushed[-2], pushed[-1]))
        if opcode.name == "MEMOIZE":
            memo[len(memo)] = pushed[-1] if pushed else None
        elif opcode.name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = pushed[-1] if pushed else None
        elif opcode.name in ("GET", "BINGET", "LONG_BINGET"):
            pushed.append(memo.get(arg))
        else:
            pushed.append(arg if isinstance(arg, str) and "UNICODE" in opcode.name else None)
    return found


class RecordingUnpickler(pickle.Unpickler):
    def __init__(self, data):
        super().__init__(io.BytesIO(data))
        self.loaded = []

    def find_class(self, module, name):
        self.loaded.append((module, name))
        return super().find_class(module, name)


@pytest.mark.parametrize("lesson", LESSONS)
@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_probe_inputs_pickle_only_numpy_and_builtins(lesson, protocol):
    data = pickle.dumps(probes.inputs(lesson), protocol=protocol)
    unpickler = RecordingUnpickler(data)
    unpickler.load()
    found = pickled_globals(data)
    assert set(found) == set(unpickler.loaded)
    allowed = ("numpy", "builtins", "copyreg", "_codecs")
    foreign = {module for module, _name in found
               if not any(module == a or module.startswith(a + ".") for a in allowed)}
    assert not foreign, f"the kernel could not unpickle these inputs without {sorted(foreign)}"
