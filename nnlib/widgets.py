"""Sliders to explore gradient descent (lesson 05) and to watch a network learn (lesson 06).

- ``descent_explorer()``: J(w) of one weight with the path of gradient
  descent on it, and the cost after each step beside it. A menu picks the
  cost: a convex bowl, a curve with two minima, or the house-price MSE as a
  function of the slope.
- ``descent_explorer_2d()``: contours of J(w1, w2), a round or an elongated
  bowl, with the path of gradient descent and the cost after each step.
- ``training_explorer(backprop)``: a 2-h-1 network trained by gradient
  descent with the student's backprop on XOR, two moons or circles; the
  decision boundary and the cost per step are redrawn as it learns.

In the first two, sliders set the learning rate alpha (on a log scale), the
starting point and the number of steps. Each function returns the widget to
display; it is also the handle for code and tests: set ``explorer.controls["alpha"].value``
and the path is recomputed with ``nnlib.gradient_descent`` and redrawn.

How the picture is drawn: each explorer owns one matplotlib ``Figure``
that pyplot does not manage (so the inline backend never shows it by
itself), drawn with Agg and shown as a PNG in an ``ipywidgets.Image``. That
works in JupyterLab, Notebook 7 and VS Code without ipympl. The curve or the
contours, with their axes, are drawn once per cost and kept as a bitmap; a
slider move changes only the data of the path and cost lines (``set_data``),
pastes the bitmap back, draws those lines and the cost axes on it, and encodes
a 256-colour PNG: 41 to 48 ms for the J(w) explorer and 43 to 50 ms for the 2-D
one, against 340 to 620 ms for a new figure each time, on a 2-core machine
with a load average of about 2 (``python bench/widgets.py``). Redrawing the
cost axes is most of it. The training explorer draws its cost on fixed axes
(log scale, the Play control's whole range of steps), so a frame redraws only
the boundary picture (``set_data`` of one image), the points, the cost line
and a text: 17 ms per slider move and 19 ms per frame of 25 training steps,
against 290 ms for a new figure, on the same machine with a load average of
about 2.

This module imports ipywidgets and matplotlib; ``import nnlib`` does not.

Introduced in lesson 05_gradient_descent (``training_explorer``: lesson 06_backprop).
"""
import inspect
import io

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from .activations import sigmoid
from .data import circles, load_houses, load_xor, two_moons
from .gradcheck import THRESHOLD, check_gradients
from .network import (HIDDEN, backprop as nnlib_backprop, forward, hidden_activation, nn_cost,
                      pack, random_init, unpack)
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


def _set_range(slider, low, high, value):
    """Give a slider a new range and value without passing through an invalid state."""
    if low > slider.max:
        slider.max, slider.min = high, low
    else:
        slider.min, slider.max = low, high
    slider.value = value


def _palette(picture, colors):
    """A palette of 256 colours (a "P" PIL image) for pictures like this RGB one.

    White, black and the given colours are in it exactly; the others are made
    by median cut from the picture and from the given colours blended with
    white, so that an artist missing from this picture (a note that appears
    later) still finds its colours in the palette.
    """
    exact = [(255, 255, 255), (0, 0, 0)] + [tuple(round(255 * c) for c in to_rgb(color))
                                            for color in colors]
    blends = np.array([[(1 - t) * np.array(rgb) + t * 255 for t in (0.3, 0.6)]
                       for rgb in exact[2:]], dtype=np.uint8)
    strip = np.repeat(np.repeat(blends.reshape(1, -1, 3), 16, axis=1), 16, axis=0)
    sample = PIL.Image.new("RGB", (max(picture.width, strip.shape[1]),
                                   picture.height + strip.shape[0]), "white")
    sample.paste(picture, (0, 0))
    sample.paste(PIL.Image.fromarray(strip), (0, picture.height))
    palette = sample.quantize(colors=256 - len(exact), method=PIL.Image.Quantize.MEDIANCUT)
    made = np.array(palette.getpalette()[:3 * (256 - len(exact))]).reshape(-1, 3)
    # Pillow maps a pixel to the colour nearest to the centre of a small box of
    # colours around it: a made colour close to an exact one would win over it
    # (white would come out as 252, 252, 252), so those are left out.
    far = np.abs(made[:, None, :] - np.array(exact)[None]).max(axis=-1).min(axis=1) > 8
    palette.putpalette(made[far].ravel().tolist() + [value for rgb in exact for value in rgb])
    return palette


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

        The picture of the cost (curve or contours, axes, labels) is drawn once
        and kept as a bitmap; each render pastes it back, draws the path and the
        cost axes on top, and encodes the result as a PNG of 256 colours: a
        palette made from the first picture of this cost (``_palette``), which
        encodes several times faster than full colour and looks the same.
        """
        canvas = self.figure.canvas
        moving = [self.path_line, self.start_marker, self.end_marker, self.note]
        new_cost = self._background is None
        if new_cost:
            for artist in moving + [self.ax_cost]:
                artist.set_animated(True)     # left out of canvas.draw()
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        canvas.restore_region(self._background)
        for artist in moving:
            self.ax_path.draw_artist(artist)
        self.figure.draw_artist(self.ax_cost)
        width, height = canvas.get_width_height()
        picture = PIL.Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw",
                                       "RGBA", 0, 1).convert("RGB")
        if new_cost:
            colors = [line.get_color() for line in moving[:3] + [self.cost_line]]
            self._palette = _palette(picture, colors + [self.note.get_color(), "black"])
        picture = picture.quantize(palette=self._palette, dither=PIL.Image.Dither.NONE)
        buffer = io.BytesIO()
        picture.save(buffer, format="png", compress_level=1)
        self.image.value = buffer.getvalue()
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
        _set_range(self.controls["w0"], *cost.w_range, cost.w0)
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
        _set_range(self.controls["w1"], *cost.w_range, cost.w0[0])
        _set_range(self.controls["w2"], *cost.w2_range, cost.w0[1])

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


# --- Lesson 06: watch a network learn ---------------------------------------

def toy_data():
    """The data sets of ``training_explorer``, by name: (X, y), X of shape (m, 2).

    - "XOR": the four points of ``load_xor``;
    - "two moons": 200 points of ``two_moons`` (noise 0.1, seed 0);
    - "circles": 200 points of ``circles`` (noise 0.08, inner radius 0.5, seed 0).
    """
    return {"XOR": load_xor(), "two moons": two_moons(200, noise=0.1, rng=0),
            "circles": circles(200, noise=0.08, factor=0.5, rng=0)}


# Settings the explorer's menu offers. "XOR, 2 sigmoid units, stuck" and "...
# learns" differ only in the seed: lesson 06 measures where each ends.
PRESETS = {
    "XOR, 2 sigmoid units: learns": dict(data="XOR", hidden_units=2, hidden="sigmoid",
                                         alpha=2.0, seed=1),
    "XOR, 2 sigmoid units: stuck": dict(data="XOR", hidden_units=2, hidden="sigmoid",
                                        alpha=2.0, seed=0),
    "two moons, 8 tanh units": dict(data="two moons", hidden_units=8, hidden="tanh",
                                    alpha=0.5, seed=0),
    "circles, 8 relu units": dict(data="circles", hidden_units=8, hidden="relu",
                                  alpha=0.5, seed=0),
}
EPSILON = 1.0     # the explorer's weights start uniform in [-EPSILON, EPSILON]
FRAMES = 200      # the Play control's last frame
# The learning rates of its slider: 1, 2 and 5 times each power of ten, a log
# scale of round numbers that the browser sends back unchanged.
ALPHAS = tuple(round(k * 10.0 ** e, 12) for e in range(-3, 2) for k in (1, 2, 5))


def train_toy(backprop, X, y, hidden_units, hidden, alpha, seed, n_steps, params=None):
    """Full-batch gradient descent on a 2-h-1 network: (params, costs).

    The network has ``hidden_units`` units of activation ``hidden`` and one
    sigmoid output, the probability of class 1; it starts from
    ``random_init([2, h, 1], EPSILON, seed)`` (or from ``params``) and takes
    ``n_steps`` steps of ``gradient_descent`` (lesson 05) with the gradient
    ``backprop(params, X, Y, 0.0, hidden=hidden)``, Y = y as a column.

    Returns
    -------
    params : the parameters after the last step.
    costs : array of shape (n_steps + 1,), ``nn_cost`` before the first step
        and after each one (inf where the run diverged).

    Introduced in lesson 06_backprop.
    """
    sizes = [2, hidden_units, 1]
    Y = np.asarray(y, dtype=float).reshape(-1, 1)
    if params is None:
        params = random_init(sizes, EPSILON, seed)

    def grad(theta):
        return pack(backprop(unpack(theta, sizes), X, Y, 0.0, hidden=hidden))

    with np.errstate(all="ignore"):
        history = gradient_descent(grad, pack(params), alpha, n_steps)
        costs = np.array([nn_cost(unpack(theta, sizes), X, Y, 0.0, hidden=hidden)
                          for theta in history])
    return unpack(history[-1], sizes), np.where(np.isfinite(costs), costs, np.inf)


def _backprop_for(backprop, hidden):
    """(the backprop to train with, why): the student's if it passes a gradient
    check with this activation, else nnlib's, with the reason."""
    if backprop is None:
        return None, "Training with nnlib.backprop"
    try:
        inspect.signature(backprop).bind(None, None, None, None, hidden=hidden)
        takes_hidden = True
    except TypeError:
        takes_hidden = False
    except ValueError:       # no signature to read (a builtin): try it
        takes_hidden = True
    if not takes_hidden and hidden != "sigmoid":
        return None, (f"Your backprop does not take hidden=... yet, so for hidden='{hidden}' "
                      "this trains with nnlib.backprop")

    def yours(params, X, Y, lambda_):
        if takes_hidden:
            return backprop(params, X, Y, lambda_, hidden=hidden)
        return backprop(params, X, Y, lambda_)

    rng = np.random.default_rng(0)
    params = [(rng.normal(0, 1, (3, 2)), rng.normal(0, 1, 3)),
              (rng.normal(0, 1, (1, 3)), rng.normal(0, 1, 1))]
    X, Y = rng.normal(0, 1, (5, 2)), rng.integers(0, 2, (5, 1)).astype(float)
    try:
        with np.errstate(all="ignore"):
            difference = check_gradients(
                params, X, Y, 0.5, grad=yours, verbose=False,
                cost=lambda p, X, Y, lambda_: nn_cost(p, X, Y, lambda_, hidden=hidden))
    except NotImplementedError:
        return None, "Your backprop is not written yet, so this trains with nnlib.backprop"
    except Exception as error:
        return None, (f"Your backprop raised {type(error).__name__} with hidden='{hidden}', "
                      "so this trains with nnlib.backprop")
    if not difference < THRESHOLD:
        return None, (f"Your backprop fails its gradient check with hidden='{hidden}' (relative "
                      f"difference {difference:.1e}), so this trains with nnlib.backprop")

    def trained(params, X, Y, lambda_, hidden):
        return yours(params, X, Y, lambda_)
    return trained, "Training with your backprop (it passes the gradient check)"


class TrainingExplorer(widgets.VBox):
    """A 2-h-1 network learning a data set of the plane. Made by ``training_explorer``.

    Attributes
    ----------
    controls : dict of name -> widget: "preset", "data", "hidden" (Dropdowns),
        "hidden_units", "seed" (IntSliders), "alpha" (a SelectionSlider of ``ALPHAS``),
        "play" (a Play counting frames), "step" (a Button: one frame).
    steps_per_frame : gradient-descent steps between two pictures.
    params, costs : the network now and nn_cost after each step so far.
    frame : the frames trained since the start (steps = frame * steps_per_frame).
    using : which backprop trains ("Training with your backprop ..." or why nnlib's).
    figure, ax_data, ax_cost : the Figure and its two Axes; ``boundary`` the
        AxesImage of the predicted probability of class 1 on a grid,
        ``points`` the data, ``cost_line`` the cost per step.
    image, status, renders : as in ``Explorer``.
    """

    GRID = 100  # grid points per side of the decision-boundary picture

    def __init__(self, backprop, preset, steps_per_frame):
        super().__init__()
        if preset not in PRESETS:
            raise ValueError(f"preset must be one of {list(PRESETS)}, not {preset!r}")
        self.backprop, self.steps_per_frame = backprop, int(steps_per_frame)
        self.data = toy_data()
        self._checked = {}       # hidden -> (backprop to use, why)
        self.renders, self._hold = 0, True
        style, wide = {"description_width": "initial"}, widgets.Layout(width="330px")
        settings = PRESETS[preset]
        self.controls = {
            "preset": widgets.Dropdown(options=list(PRESETS), value=preset, description="preset:",
                                       style=style, layout=widgets.Layout(width="380px")),
            "data": widgets.Dropdown(options=list(self.data), value=settings["data"],
                                     description="data:", style=style,
                                     layout=widgets.Layout(width="200px")),
            "hidden": widgets.Dropdown(options=list(HIDDEN), value=settings["hidden"],
                                       description="activation:", style=style,
                                       layout=widgets.Layout(width="200px")),
            "hidden_units": widgets.IntSlider(value=settings["hidden_units"], min=1, max=12,
                                              description="hidden units", style=style,
                                              layout=wide),
            "alpha": widgets.SelectionSlider(options=[(f"{a:g}", a) for a in ALPHAS],
                                             value=settings["alpha"], description="learning rate α",
                                             style=style, layout=wide),
            "seed": widgets.IntSlider(value=settings["seed"], min=0, max=30, description="seed",
                                      style=style, layout=wide),
            "play": widgets.Play(value=0, min=0, max=FRAMES, interval=150, description="train"),
            "step": widgets.Button(description=f"{self.steps_per_frame} steps",
                                   tooltip="train one frame"),
        }
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        c = self.controls
        self.children = [widgets.HBox([c["preset"], c["data"], c["hidden"]]),
                         widgets.HBox([c["hidden_units"], c["alpha"], c["seed"]]),
                         widgets.HBox([c["play"], c["step"]]), self.status, self.image]

        self.figure = Figure(figsize=(10, 3.8), dpi=100)
        FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.075, right=0.98, bottom=0.14, top=0.9, wspace=0.32)
        self.ax_data, self.ax_cost = self.figure.subplots(1, 2)
        self.ax_cost.set_yscale("log")
        self.ax_cost.set_ylim(1e-3, 10)
        self.ax_cost.set_xlim(0, FRAMES * self.steps_per_frame)
        self.ax_cost.set_xlabel("gradient-descent step")
        self.ax_cost.set_ylabel("cost J (cross-entropy)")
        self.ax_cost.grid(True, alpha=0.3, which="major")
        self.cost_line, = self.ax_cost.plot([], [], color="C3", linewidth=1.5)
        self.cost_text = self.ax_cost.text(0.98, 0.96, "", transform=self.ax_cost.transAxes,
                                           ha="right", va="top", fontsize=10)
        # probability of class 1 in 10 bands, from light C0 through white to light C1
        bands = [np.array(to_rgb("C0")), np.ones(3), np.array(to_rgb("C1"))]
        colors = [0.55 * (1 - t) * bands[0] + (1 - 0.55 * (1 - t)) * bands[1] for t in
                  np.linspace(0, 1, 5, endpoint=False)]
        colors += [(1 - 0.55 * t) * bands[1] + 0.55 * t * bands[2] for t in np.linspace(0.2, 1, 5)]
        self._cmap = ListedColormap(colors)
        self.boundary = self.ax_data.imshow(np.zeros((2, 2)), cmap=self._cmap, vmin=0, vmax=1,
                                            origin="lower", interpolation="nearest",
                                            aspect="auto")
        # which colour is which class: the colour bar's ends are the points' colours
        bar = self.figure.colorbar(self.boundary, ax=self.ax_data, fraction=0.06, pad=0.02,
                                   ticks=[0, 0.5, 1])
        bar.ax.set_yticklabels(["0: class 0", "0.5", "1: class 1"], fontsize=9)
        self.points = self.ax_data.scatter([], [], s=22, edgecolors="black", linewidths=0.6)
        self.ax_data.set_xlabel("$x_1$")
        self.ax_data.set_ylabel("$x_2$")
        self._background = self._palette = None

        for name in ("data", "hidden", "hidden_units", "alpha", "seed"):
            c[name].observe(self._on_setting, names="value")
        c["preset"].observe(self._on_preset, names="value")
        c["play"].observe(self._on_play, names="value")
        c["step"].on_click(lambda button: self._one_frame())
        self._new_data()
        self._hold = False
        self.reset()

    # ---- settings
    def settings(self):
        """The controls' values: data, hidden_units, hidden, alpha, seed."""
        return {name: self.controls[name].value
                for name in ("data", "hidden_units", "hidden", "alpha", "seed")}

    def _on_preset(self, change):
        if self._hold or change["new"] is None:
            return
        self._hold = True
        try:
            for name, value in PRESETS[change["new"]].items():
                self.controls[name].value = value
        finally:
            self._hold = False
        self._new_data()
        self.reset()

    def _on_setting(self, change):
        if self._hold:
            return
        self._hold = True
        try:
            self.controls["preset"].value = None     # no preset matches any more
        finally:
            self._hold = False
        if change["owner"] is self.controls["data"]:
            self._new_data()
        self.reset()

    def _new_data(self):
        """Draw the data set's points and set the grid of the boundary picture."""
        X, y = self.data[self.controls["data"].value]
        (x1_low, x2_low), (x1_high, x2_high) = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
        x1, x2 = np.linspace(x1_low, x1_high, self.GRID), np.linspace(x2_low, x2_high, self.GRID)
        X1, X2 = np.meshgrid(x1, x2)
        self._grid = np.column_stack([X1.ravel(), X2.ravel()])
        self.boundary.set_extent((x1_low, x1_high, x2_low, x2_high))
        self.ax_data.set_xlim(x1_low, x1_high)
        self.ax_data.set_ylim(x2_low, x2_high)
        self.points.set_offsets(X)
        self.points.set_facecolors(np.where(y[:, None] == 1, to_rgb("C1"), to_rgb("C0")))
        self.points.set_sizes([60 if len(X) < 10 else 18])
        self.ax_data.set_title(f"{self.controls['data'].value}: points by class, colour by P(class 1)",
                               fontsize=11)
        self._background = None        # new axes limits: a new background

    # ---- training
    def reset(self):
        """Start again from the seed's random weights, at frame 0, and redraw."""
        self._restart()
        if self.controls["play"].value != 0:
            self._hold = True
            try:
                self.controls["play"].value = 0
            finally:
                self._hold = False
        self.render()

    def _restart(self):
        """The seed's random weights and their cost, frame 0 (no redraw)."""
        s = self.settings()
        if s["hidden"] not in self._checked:
            self._checked[s["hidden"]] = _backprop_for(self.backprop, s["hidden"])
        self._train_with, self.using = self._checked[s["hidden"]]
        self.params = random_init([2, s["hidden_units"], 1], EPSILON, s["seed"])
        X, y = self.data[s["data"]]
        self.costs = [nn_cost(self.params, X, y[:, None].astype(float), 0.0, hidden=s["hidden"])]
        self.frame = 0

    def advance(self, frames=1):
        """Train ``frames`` more frames of ``steps_per_frame`` steps, then redraw once."""
        self._train(frames)
        self.render()

    def _train(self, frames):
        s = self.settings()
        X, y = self.data[s["data"]]
        n_steps = frames * self.steps_per_frame
        if np.isfinite(self.costs[-1]):
            self.params, costs = train_toy(self._train_with or nnlib_backprop, X, y,
                                           s["hidden_units"], s["hidden"], s["alpha"], s["seed"],
                                           n_steps, self.params)
            self.costs.extend(costs[1:])
        else:            # diverged: nothing more to train
            self.costs.extend([np.inf] * n_steps)
        self.frame += frames

    def _on_play(self, change):
        if self._hold:
            return
        frame = change["new"]
        if frame < self.frame:           # stopped, or moved back: start again
            self._restart()
        if frame > self.frame:
            self._train(frame - self.frame)
        self.render()

    def _one_frame(self):
        play = self.controls["play"]
        if play.value < play.max:        # the cost axes end at the last frame
            play.value += 1              # trains one frame through _on_play

    # ---- drawing
    def probabilities(self, X):
        """The network's P(class 1) for each row of X, shape (m,)."""
        g, _ = hidden_activation(self.controls["hidden"].value)
        with np.errstate(all="ignore"):
            return forward(X, self.params, g, g_out=sigmoid)[:, 0]

    def accuracy(self):
        """The fraction of the data set's points on their class's side of the boundary."""
        X, y = self.data[self.controls["data"].value]
        return float(np.mean((self.probabilities(X) >= 0.5) == y))

    def render(self):
        """Update the picture, the points and the cost line, draw them on the
        kept background, show the PNG (as ``Explorer.render`` does)."""
        costs = np.asarray(self.costs, dtype=float)
        steps = len(costs) - 1
        self.boundary.set_data(self.probabilities(self._grid).reshape(self.GRID, self.GRID))
        self.cost_line.set_data(np.arange(len(costs)), np.clip(costs, 1e-3, 10))
        self.cost_text.set_text(f"step {steps}: J = {costs[-1]:.4g}")
        if not costs[-1] < 10:
            result = "<b>diverged</b> (α is too large)"
        else:
            result = (f"J = {costs[-1]:.4f}, {self.accuracy():.0%} of the points on their "
                      "class's side")
            if costs[-1] > costs[0]:
                result += " (<b>higher than at the start</b>: α is too large)"
        self.status.value = f"{self.using}. &nbsp; After {steps} steps: {result}"
        canvas = self.figure.canvas
        moving = [self.boundary, self.points, self.cost_line, self.cost_text]
        new = self._background is None
        if new:
            for artist in moving:
                artist.set_animated(True)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        canvas.restore_region(self._background)
        for artist in moving:
            artist.axes.draw_artist(artist)
        width, height = canvas.get_width_height()
        picture = PIL.Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw",
                                       "RGBA", 0, 1).convert("RGB")
        if new:          # the palette of this data set's pictures, made from its first one
            self._palette = _palette(picture, list(self._cmap.colors) + ["C0", "C1", "C3"])
        picture = picture.quantize(palette=self._palette, dither=PIL.Image.Dither.NONE)
        buffer = io.BytesIO()
        picture.save(buffer, format="png", compress_level=1)
        self.image.value = buffer.getvalue()
        self.renders += 1


def training_explorer(backprop=None, preset="XOR, 2 sigmoid units: learns", steps_per_frame=25):
    """Watch a small network learn a data set of the plane, with your backprop.

    A 2-h-1 network (h hidden units of a chosen activation, one sigmoid
    output) is trained by full-batch gradient descent on "XOR", "two moons"
    or "circles". Left: the plane coloured by the network's probability of
    class 1 (the decision boundary is where it crosses 0.5), with the data;
    right: the cost after every step. The Play control trains
    ``steps_per_frame`` steps per picture; the button trains one frame.
    Changing the data, the activation, the hidden units, the learning rate
    (log scale) or the seed starts again from new random weights
    (``random_init([2, h, 1], EPSILON, seed)``); the preset menu sets them all.

    Parameters
    ----------
    backprop : your backprop(params, X, Y, lambda_, hidden=...), or None for
        nnlib's. It trains only if it passes a gradient check with the chosen
        activation; otherwise nnlib's trains and the status line says why.
    preset : a name from ``PRESETS``.
    steps_per_frame : int.

    Returns
    -------
    explorer : TrainingExplorer, an ipywidgets.VBox.

    Introduced in lesson 06_backprop.
    """
    return TrainingExplorer(backprop, preset, steps_per_frame)
