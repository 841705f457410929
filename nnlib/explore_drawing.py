"""Drawing the explorers' pictures fast: a matplotlib Figure as PNG frames.

Each explorer owns one ``Figure`` that pyplot does not manage (so the inline
backend never shows it by itself), drawn with Agg and shown as a PNG in an
``ipywidgets.Image``: that works in JupyterLab, Notebook 7 and VS Code without
ipympl. What does not move (a curve, contours, axes, labels) is drawn once and
kept as a bitmap, the background; a frame pastes it back, draws the moving
artists on it and encodes a PNG of 256 colours (a palette made from the first
frame), which encodes several times faster than full colour and looks the
same. ``python bench/widgets.py`` measures a frame against a new figure each time.

This module imports PIL and matplotlib; ``import nnlib`` does not.

Introduced in lesson 05_gradient_descent.
"""
import io

import numpy as np
import PIL.Image
from matplotlib.colors import to_rgb


def make_palette(picture, colors):
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


def frame_png(figure, moving, background=None, palette=None, colors=()):
    """One frame of ``figure`` as PNG bytes: (png, background, palette).

    The ``moving`` artists are drawn on ``background``; when it is None, the
    figure without them is drawn and kept as the new background, and a new
    palette is made from this frame and ``colors`` (those of the moving
    artists, which may be missing from it). Pass the returned background and
    palette to the next frame.
    """
    canvas = figure.canvas
    if background is None:
        for artist in moving:
            artist.set_animated(True)     # left out of canvas.draw()
        canvas.draw()
        background, palette = canvas.copy_from_bbox(figure.bbox), None
    canvas.restore_region(background)
    for artist in moving:
        figure.draw_artist(artist)
    width, height = canvas.get_width_height()
    picture = PIL.Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw",
                                   "RGBA", 0, 1).convert("RGB")
    if palette is None:
        palette = make_palette(picture, colors)
    picture = picture.quantize(palette=palette, dither=PIL.Image.Dither.NONE)
    buffer = io.BytesIO()
    picture.save(buffer, format="png", compress_level=1)
    return buffer.getvalue(), background, palette
