"""Sliders to explore gradient descent (lesson 05) and to watch a network learn (lesson 06).

One module per explorer; this one offers them all, as the lessons use them
(``import nnlib.widgets``):

- ``descent_explorer()`` (``explore_descent``): J(w) of one weight with the
  path of gradient descent on it, and the cost after each step beside it;
- ``descent_explorer_2d()`` (``explore_descent_2d``): contours of J(w1, w2)
  with the path of gradient descent and the cost after each step;
- ``training_explorer(backprop)`` (``explore_training``): a 2-h-1 network
  trained by gradient descent with the student's backprop on XOR, two moons
  or circles, with ``train_toy``, ``toy_data`` and ``PRESETS``.

Each explorer is drawn as PNG frames (``explore_drawing``); ``python
bench/widgets.py`` measures how long a slider move takes (target: under 50 ms).

This module imports ipywidgets and matplotlib; ``import nnlib`` does not.

Introduced in lesson 05_gradient_descent (``training_explorer``: lesson 06_backprop).
"""
from .explore_descent import Cost, DescentExplorer, Explorer, costs_1d, descent_explorer
from .explore_descent_2d import DescentExplorer2D, costs_2d, descent_explorer_2d
from .explore_training import (ALPHAS, EPSILON, FRAMES, PRESETS, TrainingExplorer, toy_data,
                               train_toy, training_explorer)

__all__ = ["ALPHAS", "EPSILON", "FRAMES", "PRESETS", "Cost", "DescentExplorer",
           "DescentExplorer2D", "Explorer", "TrainingExplorer", "costs_1d", "costs_2d",
           "descent_explorer", "descent_explorer_2d", "toy_data", "train_toy",
           "training_explorer"]
