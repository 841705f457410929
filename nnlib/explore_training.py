"""Watch a small network learn (lesson 06): ``training_explorer(backprop)``.

A 2-h-1 network is trained by gradient descent with the student's backprop
(nnlib's while the student's is not ready: ``fallback``) on XOR, two moons or
circles; the decision boundary and the cost per step are redrawn as it
learns. ``train_toy``, ``toy_data`` and ``PRESETS`` serve lesson 06's own
cells too.

The cost is drawn on fixed axes (log scale, the Play control's whole range of
steps), so a frame redraws only the boundary picture (``set_data`` of one
image), the points, the cost line and a text on the kept background
(``explore_drawing``).

This module imports ipywidgets and matplotlib; ``import nnlib`` does not.

Introduced in lesson 06_backprop.
"""
import html
import inspect

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure

from .activations import sigmoid
from .data import circles, load_xor, two_moons
from .explore_drawing import frame_png
from .fallback import NOT_WRITTEN, attempt
from .gradcheck import THRESHOLD, check_gradients
from .network import (HIDDEN, backprop as nnlib_backprop, forward, hidden_activation, nn_cost,
                      pack, random_init, unpack)
from .optimize import gradient_descent

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
    check with this activation, else None (nnlib's), with the reason in the
    words of ``fallback.attempt``."""
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
    with np.errstate(all="ignore"):
        difference, why = attempt(
            check_gradients, params, X, Y, 0.5, grad=yours, verbose=False,
            cost=lambda p, X, Y, lambda_: nn_cost(p, X, Y, lambda_, hidden=hidden))
    if why == NOT_WRITTEN:
        return None, f"Your backprop {why}, so this trains with nnlib.backprop"
    if why is not None:
        return None, (f"Your backprop {html.escape(why)} (hidden='{hidden}'), so this trains "
                      "with nnlib.backprop")
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
        # a new background (this data set's axes) makes this data set's palette
        self.image.value, self._background, self._palette = frame_png(
            self.figure, [self.boundary, self.points, self.cost_line, self.cost_text],
            self._background, self._palette, list(self._cmap.colors) + ["C0", "C1", "C3"])
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
