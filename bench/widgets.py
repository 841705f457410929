"""Redraw time of the lesson 05 explorers per slider move, against a full redraw.

A slider move in ``nnlib.widgets`` updates only the path and cost lines of a
figure drawn once, then renders it to PNG (as JupyterLab shows it). The
naive alternative builds a new figure on every move. Target: < 100 ms.

Run from the repository root:  python bench/widgets.py
"""
import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import nnlib.plot as nnplot  # noqa: E402
import nnlib.widgets as nw  # noqa: E402
from nnlib.optimize import gradient_descent  # noqa: E402

MOVES = 30


def per_move(explorer, values):
    """Median milliseconds per alpha slider move."""
    times = []
    for alpha in values:
        start = time.perf_counter()
        explorer.controls["alpha"].value = alpha
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def naive(explorer, values, two_d):
    """Median milliseconds to run descent and draw a new figure each time."""
    times = []
    for alpha in values:
        start = time.perf_counter()
        cost = explorer.cost
        w0 = ([explorer.controls["w1"].value, explorer.controls["w2"].value] if two_d
              else explorer.controls["w0"].value)
        history = gradient_descent(cost.grad, w0, alpha, explorer.controls["n_steps"].value)
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
        if two_d:
            nnplot.descent_path_2d(cost.J, history, ax=ax1)
            costs = [cost.J(w) for w in history]
        else:
            nnplot.descent_path_1d(cost.J, history, ax=ax1)
            costs = cost.J(history)
        nnplot.cost_curve(costs, ax=ax2)
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main():
    values = np.geomspace(0.01, 0.4, MOVES)
    print(f"median time per slider move over {MOVES} moves (target < 100 ms)")
    print(f"{'explorer':26}{'nnlib.widgets':>16}{'new figure':>14}")
    for name, make, two_d in [("J(w) explorer", nw.descent_explorer, False),
                              ("2-D explorer", nw.descent_explorer_2d, True)]:
        explorer = make()
        fast = per_move(explorer, values)
        slow = naive(explorer, values, two_d)
        print(f"{name:26}{fast:13.1f} ms{slow:11.1f} ms")


if __name__ == "__main__":
    main()
