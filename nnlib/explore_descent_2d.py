"""Sliders to explore gradient descent on a cost J(w1, w2) of two weights (lesson 05).

- ``descent_explorer_2d()``: contours of J(w1, w2), a round or an elongated
  bowl, with the path of gradient descent and the cost after each step.

Its controls, its cost per step and its drawing are those of the explorer of
one weight (``explore_descent.Explorer``).

This module imports ipywidgets and matplotlib; ``import nnlib`` does not.

Introduced in lesson 05_gradient_descent.
"""
import ipywidgets as widgets
import numpy as np

from .explore_descent import FAR, Cost, Explorer, set_range

def costs_2d():
    """The costs of two weights that ``descent_explorer_2d`` offers, by name.

    - "round bowl": J(w) = w1^2 + w2^2: the gradient points at the minimum.
    - "elongated bowl": J(w) = w1^2 + 10 w2^2: steep across the valley and
      flat along it, so a learning rate large enough to move along w1
      zigzags across w2 (stable only for alpha < 2/20 = 0.1).

    Returns
    -------
    costs : dict of name -> Cost.
    """
    def bowl(scale):
        def J(w):
            w = np.asarray(w, dtype=float)
            return w[..., 0] ** 2 + scale * w[..., 1] ** 2

        def grad(w):
            w = np.asarray(w, dtype=float)
            return np.array([2.0 * w[0], 2.0 * scale * w[1]])
        return J, grad

    return {
        "round bowl": Cost("round bowl", *bowl(1.0), (-5.0, 5.0), alpha=0.1, w0=(-4.0, 2.5),
                           n_steps=20, formula=r"$J(w) = w_1^2 + w_2^2$", w2_range=(-3.0, 3.0),
                           minima=[(0.0, 0.0)]),
        "elongated bowl": Cost("elongated bowl", *bowl(10.0), (-5.0, 5.0), alpha=0.09,
                               w0=(-4.0, 2.5), n_steps=20,
                               formula=r"$J(w) = w_1^2 + 10\,w_2^2$", w2_range=(-3.0, 3.0),
                               minima=[(0.0, 0.0)]),
    }


class DescentExplorer2D(Explorer):
    """Gradient descent on a cost J(w1, w2) of two weights. Made by ``descent_explorer_2d``."""

    def __init__(self, costs, cost, alpha=None, w0=None, n_steps=None):
        starts = {name: widgets.FloatSlider(value=0.0, min=-1.0, max=1.0, step=0.01,
                                            description=f"start {label}",
                                            style={"description_width": "initial"},
                                            layout=widgets.Layout(width="290px"))
                  for name, label in (("w1", "w₁"), ("w2", "w₂"))}
        super().__init__(costs, cost, starts, (-3, 0.5), alpha, w0, n_steps)

    def _set_start(self, cost):
        set_range(self.controls["w1"], *cost.w_range, cost.w0[0])
        set_range(self.controls["w2"], *cost.w2_range, cost.w0[1])

    def _set_start_value(self, w0):
        self.controls["w1"].value, self.controls["w2"].value = w0

    def _start(self):
        return np.array([self.controls["w1"].value, self.controls["w2"].value])

    def _draw_cost(self):
        ax, cost = self.ax_path, self.cost
        ax.clear()
        W1, W2 = np.meshgrid(np.linspace(*cost.w_range, 200), np.linspace(*cost.w2_range, 200))
        J = cost.J(np.stack([W1, W2], axis=-1))
        # levels evenly spaced in sqrt(J - min): rings of a bowl evenly spaced in distance
        levels = J.min() + np.linspace(0, np.sqrt(J.max() - J.min()), 16)[1:] ** 2
        ax.contour(W1, W2, J, levels=levels, cmap="viridis", linewidths=1)
        for minimum in cost.minima:
            ax.plot(*minimum, "+", color="gray", markersize=10)
        self._path_artists(ax, "C3")
        ax.set_xlim(cost.w_range)
        ax.set_ylim(cost.w2_range)
        ax.set_aspect("equal", adjustable="box")   # a round bowl looks round
        ax.set_xlabel("$w_1$")
        ax.set_ylabel("$w_2$")
        ax.set_title(cost.formula, fontsize=11)

    def _draw_path(self, history, costs):
        (low1, high1), (low2, high2) = self.cost.w_range, self.cost.w2_range
        center = np.array([(low1 + high1) / 2, (low2 + high2) / 2])
        size = np.array([high1 - low1, high2 - low2])
        far = ~np.isfinite(costs) | (np.abs(history - center) > FAR * size).any(axis=1)
        xy = np.where(far[:, None], np.nan, history)
        self.path_line.set_data(xy[:, 0], xy[:, 1])
        self.start_marker.set_data(xy[:1, 0], xy[:1, 1])
        self.end_marker.set_data(xy[-1:, 0], xy[-1:, 1])
        outside = np.flatnonzero((np.abs(history - center) > size / 2).any(axis=1) | far)
        self.note.set_text(f"w leaves the plot at step {outside[0]}" if outside.size else "")


def descent_explorer_2d(cost="elongated bowl", alpha=None, w0=None, n_steps=None, costs=None):
    """Sliders for gradient descent on a cost J(w1, w2) of two weights.

    Left: contours of J with the path of w; right: the cost after each
    step. Controls: the cost (menu: "round bowl", "elongated bowl"), the
    learning rate alpha (log scale, 1e-3 to about 3), the start (w1, w2) and
    the number of steps.

    Parameters
    ----------
    cost : str, a name from ``costs`` (default: ``costs_2d()``).
    alpha : float, optional.
    w0 : (w1, w2), optional.
    n_steps : int, optional.
    costs : dict of name -> Cost, optional; each needs ``w2_range``.

    Returns
    -------
    explorer : DescentExplorer2D, an ipywidgets.VBox (see ``Explorer``).

    Introduced in lesson 05_gradient_descent.
    """
    return DescentExplorer2D(costs or costs_2d(), cost, alpha, w0, n_steps)
