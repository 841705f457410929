"""Redraw time of the explorers of lessons 05 and 06 per slider move, against a full redraw.

A slider move in ``nnlib.widgets`` reruns gradient descent, updates only the
path and cost lines of a figure drawn once, and renders it to PNG bytes (what
the browser shows). The naive alternative builds a new figure on every move
with ``nnlib.plot`` and renders it as the inline backend does
(``bbox_inches="tight"``). Target: < 50 ms per move.

Each lesson 05 explorer gets the same 30 moves: the learning-rate, start and
steps sliders in turn. The training explorer of lesson 06 gets 30 slider moves
(seed, hidden units, learning rate in turn: each starts again from new
weights) and 30 training redraws (one frame of the Play control: 25 steps of
gradient descent with backprop, then the picture), on the two-moons preset;
its naive alternative trains the same and draws ``nnlib.plot.decision_regions``
and ``cost_curve`` in a new figure. The table gives the median wall time and
the median CPU time of this process (the CPU time does not grow when other
programs share the machine). Run from the repository root:  python bench/widgets.py
"""
import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import nnlib  # noqa: E402
import nnlib.plot as nnplot  # noqa: E402
import nnlib.widgets as nw  # noqa: E402
from nnlib.optimize import gradient_descent  # noqa: E402

MOVES = 30
TARGET_MS = 50.0


def moves(explorer):
    """MOVES (slider name, value) pairs: alpha, the start and the steps in turn."""
    cost = explorer.cost
    alphas = np.geomspace(cost.alpha / 4, cost.alpha * 4, MOVES)
    starts = np.linspace(cost.w_range[0] * 0.8, cost.w_range[1] * 0.8, MOVES)
    steps = np.linspace(10, 60, MOVES).astype(int)
    start_name = "w1" if "w1" in explorer.controls else "w0"
    pairs = []
    for k in range(MOVES):
        pairs.append([("alpha", alphas[k]), (start_name, starts[k]), ("n_steps", steps[k])][k % 3])
    return pairs


def timed(f):
    """(wall seconds, CPU seconds) of one call of f."""
    wall, cpu = time.perf_counter(), time.process_time()
    f()
    return time.perf_counter() - wall, time.process_time() - cpu


def fast(explorer, pairs):
    """Median (wall, CPU) milliseconds per slider move of the explorer."""
    times = [timed(lambda: setattr(explorer.controls[name], "value", value))
             for name, value in pairs]
    return tuple(1e3 * statistics.median(t[i] for t in times) for i in (0, 1))


def naive(explorer, pairs):
    """Median (wall, CPU) milliseconds to run descent and draw a new figure each time."""
    two_d = "w1" in explorer.controls
    settings = {name: explorer.controls[name].value for name in explorer.controls}
    cost = explorer.cost

    def redraw():
        w0 = [settings["w1"], settings["w2"]] if two_d else settings["w0"]
        history = gradient_descent(cost.grad, w0, settings["alpha"], settings["n_steps"])
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
        if two_d:
            nnplot.descent_path_2d(cost.J, history, ax=ax1, w1_range=cost.w_range,
                                   w2_range=cost.w2_range)
        else:
            nnplot.descent_path_1d(cost.J, history, ax=ax1, w_range=cost.w_range)
        nnplot.cost_curve(cost.J(history), ax=ax2)
        fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
        plt.close(fig)

    times = []
    for name, value in pairs:
        settings[name] = value
        times.append(timed(redraw))
    return tuple(1e3 * statistics.median(t[i] for t in times) for i in (0, 1))


def training_moves():
    """MOVES slider moves of the training explorer: seed, hidden units, alpha in turn."""
    seeds, units = range(1, MOVES + 1), np.arange(MOVES) % 8 + 3
    alphas = [a for a in nw.ALPHAS if 0.05 <= a <= 2.0] * MOVES
    return [[("seed", int(seeds[k])), ("hidden_units", int(units[k])), ("alpha", alphas[k])][k % 3]
            for k in range(MOVES)]


def fast_training(explorer, pairs):
    """Median (wall, CPU) ms per slider move, then per training redraw (one frame)."""
    moved = fast(explorer, pairs)
    play = explorer.controls["play"]
    times = [timed(lambda: setattr(play, "value", play.value + 1)) for _ in range(MOVES)]
    return moved, tuple(1e3 * statistics.median(t[i] for t in times) for i in (0, 1))


def naive_training(explorer, pairs):
    """The same two medians, drawing a new figure with nnlib.plot each time."""
    settings = explorer.settings()
    X, y = explorer.data[settings["data"]]
    state = {}

    def redraw(n_steps):
        s = settings
        params, costs = nw.train_toy(nnlib.backprop, X, y, s["hidden_units"], s["hidden"],
                                     s["alpha"], s["seed"], n_steps, state.get("params"))
        state["params"], state["costs"] = params, np.concatenate([state.get("costs", []), costs])
        g = nnlib.ACTIVATIONS[s["hidden"]][0]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
        nnplot.decision_regions(lambda P: nnlib.forward(P, params, g, g_out=nnlib.sigmoid), X, y,
                                ax=ax1, resolution=explorer.GRID)
        nnplot.cost_curve(state["costs"], ax=ax2, logy=True)
        fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
        plt.close(fig)

    moved = []
    for name, value in pairs:
        settings[name] = value
        state.clear()
        moved.append(timed(lambda: redraw(0)))
    frames = [timed(lambda: redraw(explorer.steps_per_frame)) for _ in range(MOVES)]
    return tuple(tuple(1e3 * statistics.median(t[i] for t in times) for i in (0, 1))
                 for times in (moved, frames))


def row(name, fast_times, slow_times):
    verdict = "met" if fast_times[1] < TARGET_MS else "MISSED"
    print(f"{name:24}{fast_times[0]:9.1f} ms{fast_times[1]:9.1f} ms{slow_times[0]:10.1f} ms"
          f"{slow_times[1]:10.1f} ms   {verdict}")


def main():
    print(f"median time per slider move over {MOVES} moves (target < {TARGET_MS:.0f} ms)")
    print(f"{'explorer':24}{'nnlib.widgets':>24}{'new figure each move':>26}   target")
    print(f"{'':24}{'wall':>12}{'CPU':>12}{'wall':>13}{'CPU':>13}")
    for name, make in [("J(w) explorer", nw.descent_explorer),
                       ("2-D explorer", nw.descent_explorer_2d)]:
        explorer = make()
        pairs = moves(explorer)
        fast(explorer, pairs[:3])                       # warm up: fonts, caches
        row(name, fast(explorer, pairs), naive(explorer, pairs))
    explorer = nw.training_explorer(preset="two moons, 8 tanh units")
    pairs = training_moves()
    fast(explorer, pairs[:3])
    moved, frame = fast_training(explorer, pairs)
    slow_moved, slow_frame = naive_training(explorer, pairs)
    row("training: slider move", moved, slow_moved)
    row(f"training: {explorer.steps_per_frame} steps", frame, slow_frame)


if __name__ == "__main__":
    main()
