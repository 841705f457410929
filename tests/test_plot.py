"""Plotting helpers: each picture is drawn on small inputs and its artists are checked."""
import matplotlib

matplotlib.use("Agg")  # no windows: must come before pyplot is imported

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from nnlib.plot import (activation_curves, confusion_matrix, cost_curve,
                        decision_regions, descent_path_1d, descent_path_2d,
                        digit_grid, train_validation_curve, weights_grid)


@pytest.fixture(autouse=True)
def close_figures(monkeypatch):
    """Fail if a function calls plt.show(), and close every figure after each test."""
    def no_show(*args, **kwargs):
        raise AssertionError("nnlib.plot must not call plt.show()")
    monkeypatch.setattr(plt, "show", no_show)
    yield
    plt.close("all")


@pytest.fixture
def digits():
    rng = np.random.default_rng(0)
    X = rng.random((30, 400))
    y = np.arange(30) % 10
    return X, y


# digit_grid

def test_digit_grid_shows_first_n_images_with_labels(digits):
    X, y = digits
    fig = digit_grid(X, y, n=12)
    assert isinstance(fig, plt.Figure)
    assert len(fig.axes) == 12
    for i, ax in enumerate(fig.axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), X[i].reshape(20, 20))
        assert ax.get_title() == str(y[i])
        assert ax.get_xticks().size == 0 and ax.get_yticks().size == 0
    assert fig.axes[0].images[0].get_cmap().name == "gray_r"


def test_digit_grid_default_is_25_images(digits):
    X, y = digits
    assert len(digit_grid(X, y).axes) == 25
    assert len(digit_grid(X[:7]).axes) == 7  # fewer rows than n: show them all


def test_digit_grid_wrong_prediction_is_red(digits):
    X, y = digits
    predicted = y.copy()
    predicted[2] = 7
    fig = digit_grid(X, y, n=4, predicted=predicted)
    wrong = fig.axes[2].title
    assert "pred 7" in wrong.get_text() and str(y[2]) in wrong.get_text()
    assert to_rgba(wrong.get_color()) == to_rgba("red")
    right = fig.axes[1].title
    assert right.get_text() == str(y[1])
    assert to_rgba(right.get_color()) != to_rgba("red")


def test_digit_grid_indices_and_random_sample(digits):
    X, y = digits
    fig = digit_grid(X, y, indices=[5, 17, 3])
    assert len(fig.axes) == 3
    for ax, i in zip(fig.axes, [5, 17, 3]):
        np.testing.assert_array_equal(ax.images[0].get_array(), X[i].reshape(20, 20))
        assert ax.get_title() == str(y[i])

    def shown_rows(fig):
        rows = []
        for ax in fig.axes:
            image = ax.images[0].get_array().ravel()
            rows.append(int(np.flatnonzero((X == image).all(axis=1))[0]))
        return rows

    first = shown_rows(digit_grid(X, n=10, rng=np.random.default_rng(1)))
    again = shown_rows(digit_grid(X, n=10, rng=np.random.default_rng(1)))
    assert first == again                  # same seed, same sample
    assert len(set(first)) == 10           # no image twice
    assert first != list(range(10))        # not just the first rows


def test_digit_grid_other_shape_and_given_figure():
    X = np.arange(24.0).reshape(2, 12)
    fig = plt.figure()
    assert digit_grid(X, shape=(3, 4), fig=fig) is fig
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), X[1].reshape(3, 4))
    with pytest.raises(ValueError, match="shape"):
        digit_grid(X, shape=(20, 20))


# weights_grid

def test_weights_grid_one_image_per_unit_symmetric_colours():
    W = np.random.default_rng(0).normal(size=(25, 400))
    W[3, 7] = -5.0                         # largest magnitude is negative
    fig = weights_grid(W)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 25
    for i, image in enumerate(images):
        np.testing.assert_array_equal(image.get_array(), W[i].reshape(20, 20))
        assert image.get_clim() == (-5.0, 5.0)
    assert fig.get_suptitle() != ""
    assert len(fig.axes) == 26             # 25 units and the colorbar


# cost_curve

def test_cost_curve_labels_and_values():
    costs = [3.0, 2.0, 1.5, 1.2]
    ax = cost_curve(costs)
    assert ax.get_xlabel() == "iteration"
    assert ax.get_ylabel() == "cost J"
    assert ax.get_title() != ""
    x, yv = ax.lines[0].get_data()
    np.testing.assert_array_equal(x, [0, 1, 2, 3])
    np.testing.assert_array_equal(yv, costs)


def test_cost_curve_diverging_plots_only_finite_values():
    costs = [1.0, 4.0, 40.0, 1e10, np.inf, np.nan, np.inf]
    ax = cost_curve(costs, logy=True)
    yv = np.asarray(ax.lines[0].get_ydata(), dtype=float)
    np.testing.assert_array_equal(yv[:4], costs[:4])
    assert np.isnan(yv[4:]).all()          # gaps, not infinities
    assert ax.get_yscale() == "log"
    ax.figure.canvas.draw()                # drawing with the gaps works
    low, high = ax.get_ylim()
    assert np.isfinite(low) and np.isfinite(high)


def test_cost_curve_overlays_with_legend():
    ax = cost_curve([3, 2, 1], label="alpha = 0.1")
    assert cost_curve([3, 2.5, 2], ax=ax, label="alpha = 0.01") is ax
    assert len(ax.lines) == 2
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["alpha = 0.1", "alpha = 0.01"]


# decision_regions

@pytest.fixture
def blobs():
    X = np.array([[0.0, 0.0], [1.0, 0.5], [3.0, 3.0], [4.0, 2.5], [0.5, 1.0]])
    y = np.array([0, 0, 1, 1, 0])
    return X, y


def region_labels(ax):
    return np.asarray(ax.collections[0].get_array())


def test_decision_regions_with_labels(blobs):
    X, y = blobs
    calls = []

    def predict(grid):
        calls.append(grid.shape)
        return (grid[:, 0] + grid[:, 1] > 3).astype(int)

    ax = decision_regions(predict, X, y, resolution=50)
    assert calls == [(50 * 50, 2)]
    labels = region_labels(ax)
    assert labels.size == 50 * 50
    assert set(np.unique(labels)) == {0, 1}
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["class 0", "class 1"]
    # the grid covers the data plus the padding
    assert ax.get_xlim()[0] <= X[:, 0].min() - 0.5 + 1e-9
    assert ax.get_xlim()[1] >= X[:, 0].max() + 0.5 - 1e-9
    # one scatter per class, with the right points
    np.testing.assert_array_equal(ax.collections[1].get_offsets(), X[y == 0])
    np.testing.assert_array_equal(ax.collections[2].get_offsets(), X[y == 1])


def test_decision_regions_probabilities_are_thresholded(blobs):
    X, y = blobs

    def probability(grid):               # shape (p, 1), like a one-output network
        return 1 / (1 + np.exp(-(grid[:, :1] - 2.0)))

    labels = region_labels(decision_regions(probability, X, y, resolution=40))
    assert labels.size == 40 * 40
    x1 = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 40)
    expected = np.tile(x1 >= 2.0, (40, 1)).astype(int)
    np.testing.assert_array_equal(labels.reshape(40, 40), expected)


def test_decision_regions_one_probability_per_class():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    y = np.array([0, 1, 2])

    def softmax_like(grid):              # shape (p, 3): class = nearest point
        return -((grid[:, None, :] - X) ** 2).sum(axis=2)

    labels = region_labels(decision_regions(softmax_like, X, y, resolution=30))
    assert set(np.unique(labels)) == {0, 1, 2}


def test_decision_regions_needs_two_features():
    with pytest.raises(ValueError, match="2"):
        decision_regions(lambda g: g[:, 0], np.zeros((4, 3)), np.zeros(4))


# confusion_matrix

def test_confusion_matrix_cells_show_counts():
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    ax = confusion_matrix(cm)
    texts = [text.get_text() for text in ax.texts]
    assert texts == [str(count) for count in cm.ravel()]
    assert ax.get_ylabel() == "true label"
    assert ax.get_xlabel() == "predicted label"
    np.testing.assert_array_equal(ax.images[0].get_array(), cm)
    assert len(ax.figure.axes) == 2        # the heatmap and its colorbar
    # readable text: white on the darkest cell, black on an empty one
    assert to_rgba(ax.texts[8].get_color()) == to_rgba("white")   # cm[2, 2] = 9
    assert to_rgba(ax.texts[2].get_color()) == to_rgba("black")   # cm[0, 2] = 0


def test_confusion_matrix_normalized_and_labels():
    cm = np.array([[1, 3], [0, 0]])
    ax = confusion_matrix(cm, labels=["cat", "dog"], normalize=True)
    assert [text.get_text() for text in ax.texts] == ["0.25", "0.75", "0.00", "0.00"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cat", "dog"]


# activation_curves

def test_activation_curves_plots_each_function():
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def relu_one_number(z):              # works only on one number
        return max(0.0, z)

    ax = activation_curves({"sigmoid": sigmoid, "tanh": np.tanh, "relu": relu_one_number})
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["sigmoid", "tanh", "relu"]
    curves = {line.get_label(): line for line in ax.lines}
    z, values = curves["sigmoid"].get_data()
    np.testing.assert_allclose(z, np.linspace(-6, 6, 601))
    np.testing.assert_allclose(values, sigmoid(z))
    np.testing.assert_allclose(curves["relu"].get_ydata(), np.maximum(0, z))
    zero_lines = [line for line in ax.lines
                  if np.all(np.asarray(line.get_ydata()) == 0) and len(line.get_ydata()) == 2]
    assert zero_lines, "expected a horizontal line at 0"
    assert ax.get_xlabel() == "z"


def test_activation_curves_custom_z_and_axes():
    fig, ax = plt.subplots()
    z = np.linspace(-1, 1, 5)
    assert activation_curves({"identity": lambda v: v}, z=z, ax=ax) is ax
    np.testing.assert_array_equal(ax.lines[-1].get_ydata(), z)


# descent_path_1d and descent_path_2d

def test_descent_path_1d_curve_and_iterates():
    def J(w):                             # not vectorised on purpose
        return float((w - 2.0) ** 2)

    history = np.array([-1.0, 3.8, 0.9, 2.6, 1.6, 2.2])
    ax = descent_path_1d(J, history)
    curve = ax.lines[0]
    w, costs = curve.get_data()
    np.testing.assert_allclose(costs, (w - 2.0) ** 2)
    assert w.min() < history.min() and w.max() > history.max()
    lines = {line.get_label(): line for line in ax.lines}
    np.testing.assert_array_equal(lines["start"].get_data(), ([-1.0], [9.0]))
    np.testing.assert_allclose(np.ravel(lines["end"].get_data()), [2.2, 0.04])
    numbers = [text.get_text() for text in ax.texts]
    assert "0" in numbers and "1" in numbers
    assert ax.get_xlabel() == "w" and ax.get_ylabel() == "J(w)"


def test_descent_path_1d_given_range():
    ax = descent_path_1d(np.square, [1.0, 0.5, 0.25], w_range=(-2, 2))
    assert ax.get_xlim() == (-2, 2)
    np.testing.assert_allclose(ax.lines[0].get_xdata()[[0, -1]], [-2, 2])


def test_descent_path_2d_contours_and_path():
    def J(w):
        assert w.shape == (2,)
        return w[0] ** 2 + 10 * w[1] ** 2

    history = np.array([[-4.0, 1.5], [-3.2, -1.2], [-2.6, 0.9], [-2.1, -0.7], [-1.7, 0.5]])
    ax = descent_path_2d(J, history, levels=12)
    assert len(ax.collections) >= 1       # contour lines and the arrows
    lines = {line.get_label(): line for line in ax.lines}
    np.testing.assert_array_equal(np.ravel(lines["start"].get_data()), history[0])
    np.testing.assert_array_equal(np.ravel(lines["end"].get_data()), history[-1])
    x_low, x_high = ax.get_xlim()
    y_low, y_high = ax.get_ylim()
    assert x_low < -4 and x_high > -1.7 and y_low < -1.2 and y_high > 1.5
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def test_descent_path_2d_given_ranges_on_given_axes():
    fig, ax = plt.subplots()
    history = np.array([[1.0, 1.0], [0.5, 0.2], [0.1, 0.0]])
    out = descent_path_2d(lambda w: w @ w, history, ax=ax, w1_range=(-2, 2), w2_range=(-1, 3))
    assert out is ax
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1, 3)


def test_descent_path_2d_calls_an_array_cost_once_on_the_whole_grid():
    calls = []

    def J(w):                             # w[0], w[1]: works on one point or a whole grid
        calls.append(np.shape(w))
        return w[0] ** 2 + 10 * w[1] ** 2

    history = np.array([[-4.0, 1.5], [-3.2, -1.2], [-1.7, 0.5]])
    ax = descent_path_2d(J, history, levels=12)
    assert calls[0] == (2, 100, 100) and len(calls) <= 4   # the grid, then 3 spot checks
    # the same contours as a cost that takes one point at a time
    one_point = descent_path_2d(lambda w: float(w @ np.array([w[0], 10 * w[1]])), history,
                                levels=12)
    np.testing.assert_allclose(ax.collections[0].get_array(),
                               one_point.collections[0].get_array())


def test_descent_path_2d_weights_on_the_last_axis_or_one_point_only():
    def J_last(w):                        # the convention of nnlib.widgets' costs
        return w[..., 0] ** 2 + 3 * w[..., 1] ** 2

    def J_point(w):
        assert w.shape == (2,)
        return w[0] ** 2 + 3 * w[1] ** 2

    history = np.array([[2.0, 1.0], [1.0, -0.5]])
    levels = [costs.get_array() for costs in
              (descent_path_2d(J, history).collections[0] for J in (J_last, J_point))]
    np.testing.assert_allclose(levels[0], levels[1])


def test_descent_path_2d_a_grid_answer_that_disagrees_with_single_points_is_not_used():
    def J(w):                             # sums everything it is given: right for one point only
        return float(np.sum(np.square(w)))

    ax = descent_path_2d(J, np.array([[1.0, 1.0], [0.0, 0.5]]), levels=[0.5, 1.0])
    circles = ax.collections[0].get_paths()           # J = 0.5 and J = 1, point by point
    assert len(circles) == 2 and all(len(circle.vertices) > 20 for circle in circles)


def test_descent_path_2d_has_equal_scales_on_both_axes():
    history = np.array([[-4.0, 0.3], [-2.0, 0.1], [0.0, 0.0]])   # a path along w1
    ax = descent_path_2d(lambda w: w[0] ** 2 + w[1] ** 2, history)
    (x_low, x_high), (y_low, y_high) = ax.get_xlim(), ax.get_ylim()
    assert x_high - x_low == pytest.approx(y_high - y_low)
    assert y_low < 0.0 and y_high > 0.3
    assert ax.get_aspect() == 1.0
    ax.figure.canvas.draw()
    box = ax.get_window_extent()
    assert box.width == pytest.approx(box.height, rel=0.01)   # a round bowl looks round
    # a range that is given is kept, the other one widened to its span
    ax = descent_path_2d(lambda w: w @ w, history, w1_range=(-6, 2))
    assert ax.get_xlim() == (-6, 2) and np.diff(ax.get_ylim())[0] == pytest.approx(8)


@pytest.mark.parametrize("draw", [
    lambda: cost_curve([3, 2, 1], label="a"),
    lambda: decision_regions(lambda g: g[:, 0] > 0, np.array([[0.0, 1], [1, 0]]), [0, 1]),
    lambda: activation_curves({"sigmoid": np.tanh}),
    lambda: descent_path_1d(np.square, [1.0, 0.5]),
    lambda: descent_path_2d(lambda w: w @ w, [[1.0, 1.0], [0.5, 0.5]]),
])
def test_legends_have_a_fixed_place(draw):
    # loc="best" searches for room and, when that is slow, prints a warning to
    # stderr, which a notebook would show
    legend = draw().get_legend()
    assert legend is not None and legend._loc != 0          # 0 is "best"


def test_train_validation_curve_draws_both_errors_on_a_log_axis():
    ax = train_validation_curve([50, 100, 200], [0.0, 0.01, 0.02], [0.3, 0.2, 0.15],
                                "training examples", logx=True)
    train, validation = ax.get_lines()
    assert list(train.get_xdata()) == [50, 100, 200] and list(validation.get_ydata()) == [0.3, 0.2, 0.15]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "training examples"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["50", "100", "200"]
    assert ax.get_ylim()[0] == 0
