"""Sliders to explore gradient descent on a cost J(w) of one weight (lesson 05).

- ``descent_explorer()``: J(w) with the path of gradient descent on it, and
  the cost after each step beside it. A menu picks the cost: a convex bowl,
  a curve with two minima, or the house-price MSE as a function of the slope.
- ``Explorer``: what it shares with the explorer of two weights
  (``explore_descent_2d``): the controls, the cost per step, the status line.

Sliders set the learning rate alpha (on a log scale), the starting point and
the number of steps. The function returns the widget to display; it is also
the handle for code and tests: set ``explorer.controls["alpha"].value`` and the
path is recomputed with ``nnlib.gradient_descent`` and redrawn. A slider move
changes only the data of the path and cost lines (``set_data``) and draws
them and the cost axes on the kept picture of the cost
(``explore_drawing``); redrawing the cost axes is most of its time.

This module imports ipywidgets and matplotlib; ``import nnlib`` does not.

Introduced in lesson 05_gradient_descent.
"""
import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from .data import load_houses
from .explore_drawing import frame_png
from .optimize import gradient_descent

# Points farther than this many plot widths from the plotted range are not
# drawn (Agg cannot draw a line to 1e300), and the text says where w went.
FAR = 1e3


class Cost:
    """A cost to explore: J, its gradient, and good settings to start from.

    Parameters
    ----------
    name : str, the name shown in the menu.
    J : function of w returning the cost. For one weight it must accept an
        array of w values (shape (p,)) and return shape (p,); for two weights
        it takes w of shape (..., 2) and returns shape (...).
    grad : function of one w (a float, or an array of shape (2,)) returning dJ/dw.
    w_range : (low, high) of the w axis (of w1 for two weights).
    alpha : float, the learning rate the explorer starts with.
    w0 : float, or (w1, w2): the starting point the explorer starts with.
    n_steps : int, the number of steps the explorer starts with.
    formula : str, J written in matplotlib mathtext, for the title.
    w2_range : (low, high) of the w2 axis (two weights only).
    minima : list of the minimizers, marked on the plot.
    """

    def __init__(self, name, J, grad, w_range, alpha, w0, n_steps=20, formula="",
                 w2_range=None, minima=()):
        self.name, self.J, self.grad = name, J, grad
        self.w_range, self.w2_range = tuple(w_range), w2_range and tuple(w2_range)
        self.alpha, self.w0, self.n_steps = alpha, w0, n_steps
        self.formula, self.minima = formula, list(minima)

    def __repr__(self):
        return f"Cost({self.name!r})"


def costs_1d():
    """The costs of one weight that ``descent_explorer`` offers, by name.

    - "convex bowl": J(w) = (w - 3)^2 + 1, one minimum at w = 3.
    - "two minima": J(w) = w^4 - 3 w^2 + w, a global minimum near w = -1.30
      and a higher, local one near w = 1.13.
    - "house prices: MSE vs slope": J(w) = (1/m) sum_i (w x_i + b* - y_i)^2
      on ``load_houses`` (x = area in m^2, y = price in thousands), with the
      intercept b fixed at its least-squares value b*, so the minimum is at
      the least-squares slope.

    Returns
    -------
    costs : dict of name -> Cost.
    """
    X, y = load_houses()
    x = X[:, 1]
    slope, intercept = np.polyfit(x, y, 1)

    def house_J(w):
        w = np.asarray(w, dtype=float)
        residuals = w[..., None] * x + intercept - y
        return np.mean(residuals ** 2, axis=-1)

    def house_grad(w):
        return 2.0 * np.mean((w * x + intercept - y) * x)

    quartic_minima = [float(r) for r in np.sort(np.roots([4.0, 0.0, -6.0, 1.0]))[[0, 2]]]
    return {
        "convex bowl": Cost("convex bowl", lambda w: (w - 3.0) ** 2 + 1.0,
                            lambda w: 2.0 * (w - 3.0), (-3.0, 9.0), alpha=0.1, w0=-2.0,
                            formula=r"$J(w) = (w-3)^2 + 1$", minima=[3.0]),
        "two minima": Cost("two minima", lambda w: w ** 4 - 3.0 * w ** 2 + w,
                           lambda w: 4.0 * w ** 3 - 6.0 * w + 1.0, (-2.0, 2.0), alpha=0.05,
                           w0=0.5, formula=r"$J(w) = w^4 - 3w^2 + w$", minima=quartic_minima),
        "house prices: MSE vs slope": Cost(
            "house prices: MSE vs slope", house_J, house_grad, (-1.0, 7.0), alpha=2e-5,
            w0=0.0, formula=rf"house prices, $b = {intercept:.1f}$: $J(w) = $ MSE",
            minima=[float(slope)]),
    }


def set_range(slider, low, high, value):
    """Give a slider a new range and value without passing through an invalid state."""
    if low > slider.max:
        slider.max, slider.min = high, low
    else:
        slider.min, slider.max = low, high
    slider.value = value


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value, position=None):
    """Tick label of a power of ten on a log axis: 10⁻⁸ for 1e-8."""
    return "10" + str(round(np.log10(value))).translate(_SUPERSCRIPTS)


def _first_not_finite(values):
    """Index of the first row of values holding inf or nan, or None."""
    bad = ~np.isfinite(np.asarray(values, dtype=float).reshape(len(values), -1)).all(axis=1)
    return int(np.argmax(bad)) if bad.any() else None


class Explorer(widgets.VBox):
    """Controls above a picture of gradient descent; the base of both explorers.

    Attributes
    ----------
    controls : dict of name -> widget: "cost" (a Dropdown), "alpha"
        (a FloatLogSlider), "n_steps" (an IntSlider) and the start: "w0"
        for one weight, "w1" and "w2" for two (FloatSliders).
    cost : the Cost being shown; ``costs`` all the Costs of the menu.
    figure : the matplotlib Figure; ``ax_path`` and ``ax_cost`` its two Axes.
    path_line, cost_line : the Line2D of the path and of the cost per step.
    history, costs_per_step : the last run: w after 0, 1, ... steps, and J there.
    image : the ipywidgets.Image that shows the figure as PNG.
    status : an ipywidgets.HTML line that says where the run ended.
    renders : how many times the PNG was drawn (for tests and benchmarks).
    """

    def __init__(self, costs, cost, start_controls, alpha_decades, alpha=None, w0=None,
                 n_steps=None):
        super().__init__()
        if cost not in costs:
            raise ValueError(f"cost must be one of {list(costs)}, not {cost!r}")
        self.costs, self.cost = costs, costs[cost]
        self.renders = 0
        self._hold = True                # no redraw until everything is set
        style = {"description_width": "initial"}
        self.controls = {
            "cost": widgets.Dropdown(options=list(costs), value=cost, description="cost J:",
                                     style=style, layout=widgets.Layout(width="380px")),
            "alpha": widgets.FloatLogSlider(value=self.cost.alpha, base=10, min=alpha_decades[0],
                                            max=alpha_decades[1], step=0.02,
                                            description="learning rate α", readout_format=".2e",
                                            style=style, layout=widgets.Layout(width="440px")),
            **start_controls,
            "n_steps": widgets.IntSlider(value=self.cost.n_steps, min=0, max=100,
                                         description="steps", style=style,
                                         layout=widgets.Layout(width="380px")),
        }
        self._set_start(self.cost)
        if alpha is not None:
            self.controls["alpha"].value = alpha
        if w0 is not None:
            self._set_start_value(w0)
        if n_steps is not None:
            self.controls["n_steps"].value = n_steps
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.children = [widgets.HBox([self.controls["cost"], self.controls["alpha"]]),
                         widgets.HBox(list(start_controls.values()) + [self.controls["n_steps"]]),
                         self.status, self.image]

        self.figure = Figure(figsize=(10, 3.8), dpi=100)
        FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.22)
        self.ax_path, self.ax_cost = self.figure.subplots(1, 2)
        self.cost_line, = self.ax_cost.plot([], [], "o-", color="C1", markersize=3,
                                            linewidth=1.2)
        self.ax_cost.set_xlabel("step k")
        self.ax_cost.set_ylabel("cost J after k steps")
        self.ax_cost.grid(True, alpha=0.3)
        # The cost axes is drawn again at every move. Its labels (and, in
        # _draw_costs, its title) get fixed places, which spares matplotlib
        # measuring every tick label to place them, and a few ticks suffice.
        self.ax_cost.xaxis.set_label_coords(0.5, -0.1)
        self.ax_cost.yaxis.set_label_coords(-0.13, 0.5)
        self.ax_cost.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        self._y_locators()
        self._background = None          # bitmap of the cost picture, made by render()
        self._palette = None             # the PNGs' colours, made with it
        self._draw_cost()

        self.controls["cost"].observe(self._on_cost, names="value")
        for name, control in self.controls.items():
            if name != "cost":
                control.observe(self.update, names="value")
        self._hold = False
        self.update()

    # what the two explorers do differently
    def _set_start(self, cost):
        """Set the start sliders' ranges and values for this cost."""
        raise NotImplementedError

    def _set_start_value(self, w0):
        raise NotImplementedError

    def _start(self):
        """The starting point the sliders show."""
        raise NotImplementedError

    def _draw_cost(self):
        """Draw the cost (curve or contours) and make the empty path artists."""
        raise NotImplementedError

    def _draw_path(self, history, costs):
        raise NotImplementedError

    def _on_cost(self, change):
        """The menu picked another cost: its settings, its curve, then one redraw."""
        self.cost = self.costs[change["new"]]
        self._hold = True
        try:
            self.controls["alpha"].value = self.cost.alpha
            self.controls["n_steps"].value = self.cost.n_steps
            self._set_start(self.cost)
            self._draw_cost()
            self._background = None
        finally:
            self._hold = False
        self.update()

    def update(self, change=None):
        """Run gradient descent with the controls' values, redraw, return the history."""
        if self._hold:
            return None
        alpha = self.controls["alpha"].value
        n_steps = self.controls["n_steps"].value
        with np.errstate(all="ignore"):
            history = gradient_descent(self.cost.grad, self._start(), alpha, n_steps)
            costs = np.asarray(self.cost.J(history), dtype=float).reshape(len(history))
        self.history, self.costs_per_step = history, costs

        with np.errstate(all="ignore"):
            self._draw_path(history, costs)
            self._draw_costs(costs)
            self._write_status(history, costs, alpha)
            self.render()
        return history

    def _draw_costs(self, costs):
        """The cost after each step, on a log axis when it spans many decades."""
        ax = self.ax_cost
        finite = costs[np.isfinite(costs)]
        low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        log = low > 0 and high / low > 100
        if log != (ax.get_yscale() == "log"):
            ax.set_yscale("log" if log else "linear")
            self._y_locators()
        self.cost_line.set_data(np.arange(len(costs)), np.where(np.isfinite(costs), costs, np.nan))
        if log:   # the log locator puts ticks beyond the limits: keep those finite
            ax.set_ylim(low / 2, min(high * 2, 1e250))
        else:
            low, high = max(low, -1e306), min(high, 1e306)
            span = (high - low) or max(abs(high), 1.0)
            ax.set_ylim(low - 0.08 * span, high + 0.08 * span)
        ax.set_xlim(-0.5, max(len(costs) - 1, 1) + 0.5)
        ax.set_title(f"cost per step (last: J = {costs[-1]:.4g})", fontsize=11, y=1.0)

    def _y_locators(self):
        """A few major ticks on the cost axis (which set_yscale resets), no minor ones."""
        axis = self.ax_cost.yaxis
        log = self.ax_cost.get_yscale() == "log"
        axis.set_major_locator(LogLocator(numticks=6) if log else MaxNLocator(nbins=6))
        axis.set_minor_locator(NullLocator())
        if log:   # 10⁻⁸ in plain text: new exponents at every move, and mathtext is slow
            axis.set_major_formatter(FuncFormatter(_power_of_ten))

    def _write_status(self, history, costs, alpha):
        n_steps = len(history) - 1
        bad = _first_not_finite(costs)
        if bad is None:
            bad = _first_not_finite(history)
        where = ", ".join(f"{v:.4g}" for v in np.ravel(history[-1]))
        text = (f"α = {alpha:.3g}: after {n_steps} steps w = ({where}), J = {costs[-1]:.4g} "
                "&nbsp; (path: green dot = start, red star = end)")
        if bad is not None:
            text = (f"α = {alpha:.3g}: <b>diverged</b>: w or J is too large to compute "
                    f"from step {bad} on (α is too large for this cost)")
        elif n_steps > 0 and costs[-1] > costs[0]:
            text += " (<b>higher than at the start</b>: α is too large)"
        self.status.value = text

    def render(self):
        """Draw the figure to PNG and show it in ``image``.

        The picture of the cost (curve or contours, axes, labels) is the kept
        background; each render draws the path and the cost axes on it
        (``explore_drawing.frame_png``).
        """
        moving = [self.path_line, self.start_marker, self.end_marker, self.note, self.ax_cost]
        colors = [line.get_color() for line in moving[:3] + [self.cost_line]]
        self.image.value, self._background, self._palette = frame_png(
            self.figure, moving, self._background, self._palette,
            colors + [self.note.get_color(), "black"])
        self.renders += 1

    def _path_artists(self, ax, color):
        """Empty path line, start and end markers, and a note, drawn on ax."""
        self.path_line, = ax.plot([], [], "o-", color=color, markersize=4, linewidth=1,
                                  label="path of w")
        self.start_marker, = ax.plot([], [], "o", color="green", markersize=9, label="start")
        self.end_marker, = ax.plot([], [], "*", color="red", markersize=14, label="end")
        self.note = ax.text(0.02, 0.03, "", transform=ax.transAxes, ha="left", va="bottom",
                            color="C3", fontsize=10, zorder=5,
                            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})


class DescentExplorer(Explorer):
    """Gradient descent on a cost J(w) of one weight. Made by ``descent_explorer``."""

    def __init__(self, costs, cost, alpha=None, w0=None, n_steps=None):
        start = widgets.FloatSlider(value=0.0, min=-1.0, max=1.0, step=0.01,
                                    description="start w₀", style={"description_width": "initial"},
                                    layout=widgets.Layout(width="380px"))
        super().__init__(costs, cost, {"w0": start}, (-6, 0.5), alpha, w0, n_steps)

    def _set_start(self, cost):
        set_range(self.controls["w0"], *cost.w_range, cost.w0)
        self.controls["w0"].step = (cost.w_range[1] - cost.w_range[0]) / 1000

    def _set_start_value(self, w0):
        self.controls["w0"].value = w0

    def _start(self):
        return self.controls["w0"].value

    def _draw_cost(self):
        ax, cost = self.ax_path, self.cost
        ax.clear()
        w = np.linspace(*cost.w_range, 400)
        with np.errstate(all="ignore"):
            J = np.asarray(cost.J(w), dtype=float)
        ax.plot(w, J, color="C0", linewidth=2, label="J(w)")
        for minimum in cost.minima:
            ax.axvline(minimum, color="gray", linestyle=":", linewidth=1)
        self._path_artists(ax, "C1")
        span = np.nanmax(J) - np.nanmin(J)
        ax.set_xlim(cost.w_range)
        ax.set_ylim(np.nanmin(J) - 0.05 * span, np.nanmax(J) + 0.1 * span)
        ax.set_xlabel("w")
        ax.set_ylabel("J(w)")
        ax.set_title(cost.formula, fontsize=11)
        ax.grid(True, alpha=0.3)

    def _draw_path(self, history, costs):
        low, high = self.cost.w_range
        far = ~np.isfinite(costs) | (np.abs(history - (low + high) / 2) > FAR * (high - low))
        x = np.where(far, np.nan, history)
        y = np.where(far, np.nan, costs)
        self.path_line.set_data(x, y)
        self.start_marker.set_data(x[:1], y[:1])
        self.end_marker.set_data(x[-1:], y[-1:])
        outside = np.flatnonzero((history < low) | (history > high) | far)
        self.note.set_text(f"w leaves the plot at step {outside[0]}" if outside.size else "")


def descent_explorer(cost="convex bowl", alpha=None, w0=None, n_steps=None, costs=None):
    """Sliders for gradient descent on a cost J(w) of one weight.

    Left: J(w) with the path of w (start green, end red); right: the cost
    after each step. Controls: the cost (menu), the learning rate alpha
    (log scale, 1e-6 to about 3), the start w0 and the number of steps (0 to 100).
    Choosing a cost resets the sliders to settings that suit it.

    Parameters
    ----------
    cost : str, a name from ``costs``: "convex bowl", "two minima" or
        "house prices: MSE vs slope" by default (see ``costs_1d``).
    alpha, w0, n_steps : optional values for the sliders to start at
        (default: the cost's own).
    costs : dict of name -> Cost, optional: other costs to offer.

    Returns
    -------
    explorer : DescentExplorer, an ipywidgets.VBox: display it, or drive it
        through ``explorer.controls`` (see ``Explorer`` for its attributes).

    Introduced in lesson 05_gradient_descent.
    """
    return DescentExplorer(costs or costs_1d(), cost, alpha, w0, n_steps)
