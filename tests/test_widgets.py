"""The gradient-descent explorers of lesson 05, driven headlessly through their sliders."""
import warnings

import matplotlib

matplotlib.use("Agg")  # no windows: must come before pyplot is imported

import numpy as np
import pytest

import nnlib
from nnlib import widgets as nnwidgets

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def explorer():
    return nnwidgets.descent_explorer()


@pytest.fixture
def explorer_2d():
    return nnwidgets.descent_explorer_2d()


def expected_path(cost, w0, alpha, n_steps):
    return nnlib.gradient_descent(cost.grad, w0, alpha, n_steps)


def test_explorer_is_a_widget_showing_a_png_of_the_first_run(explorer):
    import ipywidgets
    assert isinstance(explorer, ipywidgets.VBox)
    assert bytes(explorer.image.value).startswith(PNG) and explorer.renders == 1
    cost = explorer.cost
    assert cost.name == "convex bowl"
    np.testing.assert_allclose(explorer.history,
                               expected_path(cost, cost.w0, cost.alpha, cost.n_steps))
    np.testing.assert_allclose(explorer.path_line.get_xdata(), explorer.history)
    np.testing.assert_allclose(explorer.path_line.get_ydata(), cost.J(explorer.history))
    assert "after 20 steps" in explorer.status.value


@pytest.mark.parametrize("name, value", [("alpha", 0.3), ("w0", 7.5), ("n_steps", 35)])
def test_each_slider_reruns_gradient_descent_and_redraws_once(explorer, name, value):
    before, renders = explorer.image.value, explorer.renders
    explorer.controls[name].value = value
    settings = {"alpha": explorer.cost.alpha, "w0": explorer.cost.w0,
                "n_steps": explorer.cost.n_steps, name: value}
    expected = expected_path(explorer.cost, settings["w0"], settings["alpha"],
                             settings["n_steps"])
    np.testing.assert_allclose(explorer.path_line.get_xdata(), expected)
    np.testing.assert_allclose(explorer.cost_line.get_xdata(), np.arange(len(expected)))
    np.testing.assert_allclose(explorer.cost_line.get_ydata(), explorer.cost.J(expected))
    assert explorer.renders == renders + 1
    assert explorer.image.value != before


def test_a_slider_move_reuses_the_figure_and_its_curve(explorer):
    figure, curve = explorer.figure, explorer.ax_path.lines[0]
    path_line, background = explorer.path_line, explorer._background
    explorer.controls["alpha"].value = 0.02
    assert explorer.figure is figure and explorer.ax_path.lines[0] is curve
    assert explorer.path_line is path_line
    assert explorer._background is background      # the curve was not drawn again
    explorer.controls["cost"].value = "two minima"
    assert explorer._background is not background  # a new cost: a new curve


def test_the_png_is_the_whole_figure_with_path_and_cost_axes(explorer):
    from io import BytesIO

    from PIL import Image
    picture = np.asarray(Image.open(BytesIO(bytes(explorer.image.value))).convert("RGB"))
    width, height = explorer.figure.canvas.get_width_height()
    assert picture.shape == (height, width, 3)
    # the cost axes (right half) and the path (left half) hold coloured pixels
    orange = np.all(np.abs(picture.astype(int) - [255, 127, 14]) < 40, axis=-1)
    assert orange[:, width // 2:].sum() > 100 and orange[:, :width // 2].sum() > 20


def test_the_menu_switches_the_cost_its_settings_and_its_curve(explorer):
    explorer.controls["cost"].value = "two minima"
    cost = explorer.cost
    assert cost.name == "two minima"
    assert explorer.controls["alpha"].value == pytest.approx(cost.alpha)
    assert explorer.controls["w0"].value == pytest.approx(cost.w0)
    assert (explorer.controls["w0"].min, explorer.controls["w0"].max) == cost.w_range
    curve = explorer.ax_path.lines[0]
    np.testing.assert_allclose(curve.get_ydata(), cost.J(curve.get_xdata()))
    np.testing.assert_allclose(explorer.history,
                               expected_path(cost, cost.w0, cost.alpha, cost.n_steps))


def test_two_minima_starts_on_either_side_end_in_different_minima(explorer):
    explorer.controls["cost"].value = "two minima"
    explorer.controls["n_steps"].value = 100
    left, right = explorer.cost.minima
    explorer.controls["w0"].value = -0.5
    assert explorer.history[-1] == pytest.approx(left, abs=1e-6)
    explorer.controls["w0"].value = 1.0
    assert explorer.history[-1] == pytest.approx(right, abs=1e-6)


def test_house_price_cost_is_the_mse_of_the_slope_with_the_best_intercept(explorer):
    explorer.controls["cost"].value = "house prices: MSE vs slope"
    X, y = nnlib.load_houses()
    slope, intercept = np.polyfit(X[:, 1], y, 1)
    cost = explorer.cost
    assert cost.minima == [pytest.approx(slope)]
    for w in (0.0, 2.0, slope):
        assert cost.J(np.array([w]))[0] == pytest.approx(nnlib.mse(w * X[:, 1] + intercept, y))
        assert cost.grad(w) == pytest.approx(
            nnlib.numerical_derivative(lambda v: nnlib.mse(v * X[:, 1] + intercept, y), w),
            rel=1e-6, abs=1e-6)
    explorer.controls["n_steps"].value = 100
    assert explorer.history[-1] == pytest.approx(slope, rel=1e-6)


def test_divergence_gives_inf_without_crashing_or_warning(explorer):
    explorer.controls["cost"].value = "house prices: MSE vs slope"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.controls["n_steps"].value = 100
        explorer.controls["alpha"].value = 1.0          # 20,000 times too large
    assert not np.isfinite(explorer.history[-1])
    assert "diverged" in explorer.status.value
    assert bytes(explorer.image.value).startswith(PNG)
    drawn = explorer.path_line.get_xdata()
    assert np.isnan(drawn[-1]) and drawn[0] == explorer.controls["w0"].value
    assert explorer.ax_cost.get_yscale() == "log"
    assert all(np.isfinite(explorer.ax_cost.get_ylim()))
    # and back to a sane learning rate: a finite path again
    explorer.controls["alpha"].value = 2e-5
    assert np.all(np.isfinite(explorer.history)) and "diverged" not in explorer.status.value


def test_every_cost_of_the_menu_draws_a_finite_run(explorer):
    for name in explorer.controls["cost"].options:
        explorer.controls["cost"].value = name
        assert explorer.cost is explorer.costs[name]
        assert np.all(np.isfinite(explorer.costs_per_step))
        assert explorer.costs_per_step[-1] < explorer.costs_per_step[0]


def test_too_large_alpha_on_the_bowl_is_reported(explorer):
    explorer.controls["alpha"].value = 1.2      # J = (w - 3)^2 + 1 diverges for alpha > 1
    assert explorer.costs_per_step[-1] > explorer.costs_per_step[0]
    assert "higher than at the start" in explorer.status.value
    explorer.controls["cost"].value = "two minima"  # a quartic: w^3 in the gradient overflows
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.controls["n_steps"].value = 100
        explorer.controls["alpha"].value = 3.0
    assert not np.all(np.isfinite(explorer.costs_per_step))
    assert "diverged" in explorer.status.value


def test_zero_steps_shows_the_start_only(explorer):
    explorer.controls["n_steps"].value = 0
    assert explorer.history.shape == (1,)
    assert explorer.path_line.get_xdata()[0] == explorer.controls["w0"].value


def test_keyword_settings_and_unknown_cost():
    explorer = nnwidgets.descent_explorer("two minima", alpha=0.2, w0=-1.0, n_steps=7)
    assert explorer.renders == 1
    np.testing.assert_allclose(explorer.history, expected_path(explorer.cost, -1.0, 0.2, 7))
    with pytest.raises(ValueError, match="convex bowl"):
        nnwidgets.descent_explorer("no such cost")


def test_own_costs_can_be_explored():
    cost = nnwidgets.Cost("cosine", np.cos, lambda w: -np.sin(w), (0.0, 6.0), alpha=0.5, w0=1.0,
                         n_steps=60)
    explorer = nnwidgets.descent_explorer("cosine", costs={"cosine": cost})
    assert explorer.history[-1] == pytest.approx(np.pi, abs=1e-6)


# the 2-D explorer

def test_2d_explorer_path_follows_gradient_descent(explorer_2d):
    cost = explorer_2d.cost
    assert cost.name == "elongated bowl"
    explorer_2d.controls["w1"].value = 3.0
    explorer_2d.controls["w2"].value = -2.0
    explorer_2d.controls["alpha"].value = 0.05
    explorer_2d.controls["n_steps"].value = 30
    expected = expected_path(cost, np.array([3.0, -2.0]), 0.05, 30)
    assert explorer_2d.history.shape == (31, 2)
    np.testing.assert_allclose(explorer_2d.path_line.get_xdata(), expected[:, 0])
    np.testing.assert_allclose(explorer_2d.path_line.get_ydata(), expected[:, 1])
    np.testing.assert_allclose(explorer_2d.cost_line.get_ydata(), cost.J(expected))


def test_2d_elongated_bowl_zigzags_across_the_valley(explorer_2d):
    explorer_2d.controls["alpha"].value = 0.09      # w2 is multiplied by 1 - 20 * 0.09 = -0.8
    signs = np.sign(explorer_2d.history[:6, 1])
    assert np.all(signs[1:] == -signs[:-1])
    assert explorer_2d.costs_per_step[-1] < explorer_2d.costs_per_step[0]


def test_2d_menu_redraws_contours_once(explorer_2d):
    ax = explorer_2d.ax_path
    explorer_2d.controls["cost"].value = "round bowl"
    assert explorer_2d.cost.name == "round bowl"
    assert len(ax.collections) == 1        # the old contours are gone
    renders = explorer_2d.renders
    explorer_2d.controls["cost"].value = "elongated bowl"
    assert explorer_2d.renders == renders + 1


def test_2d_divergence_is_handled(explorer_2d):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer_2d.controls["n_steps"].value = 100
        explorer_2d.controls["alpha"].value = 3.0    # w2 is multiplied by 1 - 60 at each step
    assert np.abs(explorer_2d.history[-1, 1]) > 1e100
    assert not np.isfinite(explorer_2d.costs_per_step[-1])
    assert "diverged" in explorer_2d.status.value
    assert bytes(explorer_2d.image.value).startswith(PNG)


def test_importing_nnlib_does_not_import_ipywidgets():
    import subprocess
    import sys
    code = "import sys, nnlib; print('ipywidgets' in sys.modules, 'matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def decoded(explorer):
    from io import BytesIO

    from PIL import Image
    return Image.open(BytesIO(bytes(explorer.image.value)))


def test_the_256_colour_png_looks_like_the_full_colour_figure(explorer_2d):
    explorer_2d.controls["alpha"].value = 0.02
    picture = decoded(explorer_2d)
    assert picture.mode == "P"
    shown = np.asarray(picture.convert("RGB")).astype(int)
    drawn = np.asarray(explorer_2d.figure.canvas.buffer_rgba())[..., :3].astype(int)
    difference = np.abs(shown - drawn).max(axis=-1)
    assert difference.mean() < 3 and np.percentile(difference, 99.9) < 40


def test_a_note_that_appears_later_keeps_its_red(explorer):
    explorer.controls["alpha"].value = 1.2           # the bowl diverges: w leaves the plot
    assert "leaves the plot" in explorer.note.get_text()
    picture = np.asarray(decoded(explorer).convert("RGB")).astype(int)
    box = explorer.note.get_window_extent()
    height = picture.shape[0]
    note = picture[int(height - box.y1):int(height - box.y0) + 1, int(box.x0):int(box.x1) + 1]
    red = np.all(np.abs(note - [214, 39, 40]) < 30, axis=-1)    # matplotlib's C3
    assert red.sum() > 30


def test_2d_explorer_has_equal_scales_on_both_axes(explorer_2d):
    ax = explorer_2d.ax_path
    assert ax.get_aspect() == 1.0
    box = ax.get_window_extent()
    (x_low, x_high), (y_low, y_high) = ax.get_xlim(), ax.get_ylim()
    assert box.width / box.height == pytest.approx((x_high - x_low) / (y_high - y_low), rel=0.02)


# the training explorer of lesson 06

class CountingBackprop:
    """nnlib's backprop, counting its calls: stands for a student's correct backprop."""

    def __init__(self):
        self.calls = 0

    def __call__(self, params, X, Y, lambda_, hidden="sigmoid"):
        self.calls += 1
        return nnlib.backprop(params, X, Y, lambda_, hidden=hidden)


@pytest.fixture
def trainer():
    return nnwidgets.training_explorer()


def play(explorer, frames):
    """Move the Play control on by frames at once (as dragging it does): one redraw."""
    explorer.controls["play"].value = explorer.frame + frames


def test_training_explorer_shows_the_untrained_network(trainer):
    import ipywidgets
    assert isinstance(trainer, ipywidgets.VBox)
    assert bytes(trainer.image.value).startswith(PNG) and trainer.renders == 1
    s = nnwidgets.PRESETS["XOR, 2 sigmoid units: learns"]
    assert trainer.settings() == s
    params = nnlib.random_init([2, 2, 1], nnwidgets.EPSILON, s["seed"])
    for (W, b), (W0, b0) in zip(trainer.params, params):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    X, y = nnlib.load_xor()
    assert trainer.costs == [pytest.approx(nnlib.nn_cost(params, X, y[:, None], 0.0))]
    assert "nnlib.backprop" in trainer.status.value and "After 0 steps" in trainer.status.value


def test_each_frame_trains_with_the_backprop_passed_in_and_redraws_once():
    counting = CountingBackprop()
    explorer = nnwidgets.training_explorer(counting)
    assert explorer.using.startswith("Training with your backprop")
    assert "your backprop" in explorer.status.value
    calls, renders, image = counting.calls, explorer.renders, explorer.boundary
    explorer.controls["play"].value = 1
    n = explorer.steps_per_frame
    assert counting.calls == calls + n and explorer.renders == renders + 1
    explorer.controls["step"].click()               # the button: one more frame
    assert counting.calls == calls + 2 * n and explorer.controls["play"].value == 2
    assert len(explorer.costs) == 2 * n + 1 and explorer.frame == 2
    np.testing.assert_allclose(explorer.cost_line.get_ydata(), explorer.costs)
    s = explorer.settings()
    X, y = explorer.data[s["data"]]
    params, costs = nnwidgets.train_toy(nnlib.backprop, X, y, s["hidden_units"], s["hidden"],
                                        s["alpha"], s["seed"], 2 * n)
    np.testing.assert_allclose(explorer.costs, costs)
    # the picture is the same image artist, its data the network's output on the grid
    assert explorer.boundary is image and explorer._background is not None
    grid = explorer._grid
    expected = nnlib.forward(grid, params)[:, 0].reshape(explorer.GRID, explorer.GRID)
    np.testing.assert_allclose(explorer.boundary.get_array(), expected)


def test_the_good_xor_preset_learns_and_the_stuck_one_stalls(trainer):
    play(trainer, 40)                               # 1000 steps
    assert trainer.costs[-1] < 0.02 < trainer.costs[0]
    assert trainer.accuracy() == 1.0 and "100%" in trainer.status.value
    trainer.controls["preset"].value = "XOR, 2 sigmoid units: stuck"
    assert trainer.frame == 0 and trainer.controls["play"].value == 0
    play(trainer, 40)
    assert trainer.costs[-1] > 0.3
    assert trainer.accuracy() < 1.0


@pytest.mark.parametrize("preset", list(nnwidgets.PRESETS)[2:])
def test_the_moons_and_circles_presets_learn(trainer, preset):
    trainer.controls["preset"].value = preset
    assert trainer.controls["data"].value == nnwidgets.PRESETS[preset]["data"]
    X, _y = trainer.data[trainer.controls["data"].value]
    np.testing.assert_array_equal(trainer.points.get_offsets(), X)
    play(trainer, 40)
    assert trainer.costs[-1] < 0.1 and trainer.accuracy() > 0.95


def test_a_slider_starts_again_from_new_weights(trainer):
    play(trainer, 3)
    background = trainer._background
    trainer.controls["seed"].value = 5
    assert trainer.frame == 0 and trainer.controls["play"].value == 0 and len(trainer.costs) == 1
    assert trainer.controls["preset"].value is None       # no preset matches any more
    np.testing.assert_array_equal(trainer.params[0][0],
                                  nnlib.random_init([2, 2, 1], nnwidgets.EPSILON, 5)[0][0])
    assert trainer._background is background              # same axes: the background is kept
    trainer.controls["hidden_units"].value = 6
    assert trainer.params[0][0].shape == (6, 2)
    trainer.controls["data"].value = "circles"
    assert trainer._background is not background          # new limits: a new background
    assert trainer.points.get_offsets().shape == (200, 2)


def test_play_going_back_trains_again_to_that_frame(trainer):
    play(trainer, 5)
    trainer.controls["play"].value = 3                    # back: trained again from the start
    after_3 = list(trainer.costs)
    assert trainer.frame == 3 and len(after_3) == 3 * trainer.steps_per_frame + 1
    fresh = nnwidgets.training_explorer()
    play(fresh, 3)
    np.testing.assert_allclose(after_3, fresh.costs)
    trainer.controls["play"].value = 0                    # stop
    assert len(trainer.costs) == 1


def test_too_large_a_learning_rate_is_reported_without_warnings(trainer):
    trainer.controls["preset"].value = "circles, 8 relu units"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.controls["alpha"].value = nnwidgets.ALPHAS[-1]
        play(trainer, 4)
    assert "α is too large" in trainer.status.value
    assert bytes(trainer.image.value).startswith(PNG)


def not_written(params, X, Y, lambda_, hidden="sigmoid"):
    raise NotImplementedError()


def twice_too_large(params, X, Y, lambda_, hidden="sigmoid"):
    return [(2 * dW, 2 * db) for dW, db in nnlib.backprop(params, X, Y, lambda_, hidden=hidden)]


def without_hidden(params, X, Y, lambda_):
    return nnlib.backprop(params, X, Y, lambda_)


@pytest.mark.parametrize("backprop, hidden, reason", [
    (not_written, "sigmoid", "Your backprop is not written yet"),
    (twice_too_large, "relu", "Your backprop fails its gradient check with hidden='relu'"),
    (without_hidden, "tanh", "Your backprop does not take hidden=... yet"),
    (lambda *args, **kwargs: 1 / 0, "sigmoid", "Your backprop raised ZeroDivisionError"),
])
def test_a_backprop_that_is_not_ready_gives_way_to_nnlibs(backprop, hidden, reason):
    explorer = nnwidgets.training_explorer(backprop)
    explorer.controls["hidden"].value = hidden
    assert reason in explorer.status.value and "nnlib.backprop" in explorer.status.value
    play(explorer, 20)
    assert explorer.costs[-1] < explorer.costs[0]          # nnlib's backprop trained it


def test_a_backprop_without_hidden_still_trains_sigmoid_networks():
    counting = CountingBackprop()

    def old_signature(params, X, Y, lambda_):
        return counting(params, X, Y, lambda_)

    explorer = nnwidgets.training_explorer(old_signature)
    assert explorer.using.startswith("Training with your backprop")
    calls = counting.calls
    play(explorer, 1)
    assert counting.calls == calls + explorer.steps_per_frame


@pytest.mark.parametrize("preset", list(nnwidgets.PRESETS)[1:])
def test_the_training_explorers_png_looks_like_its_figure(trainer, preset):
    trainer.controls["preset"].value = preset
    play(trainer, 8)
    picture = decoded(trainer)
    assert picture.mode == "P"
    shown = np.asarray(picture.convert("RGB")).astype(int)
    drawn = np.asarray(trainer.figure.canvas.buffer_rgba())[..., :3].astype(int)
    difference = np.abs(shown - drawn).max(axis=-1)
    assert difference.mean() < 3 and np.percentile(difference, 99.9) < 40


def test_unknown_preset():
    with pytest.raises(ValueError, match="XOR, 2 sigmoid units: learns"):
        nnwidgets.training_explorer(preset="no such preset")


def test_the_training_explorer_says_which_colour_is_class_1_and_shows_its_labels(trainer):
    """A colour bar beside the data names the colours of class 0 and class 1, and the axis
    labels, x_2's included, lie inside the picture."""
    trainer.render()
    canvas = trainer.figure.canvas
    canvas.draw()
    bars = [ax for ax in trainer.figure.axes if ax not in (trainer.ax_data, trainer.ax_cost)]
    assert len(bars) == 1, "one colour bar"
    labels = [t.get_text() for t in bars[0].get_yticklabels()]
    assert labels[0].endswith("class 0") and labels[-1].endswith("class 1"), labels
    renderer = canvas.get_renderer()
    width, height = canvas.get_width_height()
    for label in (trainer.ax_data.yaxis.label, trainer.ax_data.xaxis.label, trainer.ax_cost.yaxis.label):
        box = label.get_window_extent(renderer)
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width, (label.get_text(), box)
