"""Write data/houses.csv: 100 synthetic houses (rooms, size, price).

The data are made up, not real sales. They exist to give the cost-function
and gradient-descent lessons a small regression problem with a known answer.
Exact generator, with rng = np.random.default_rng(2026), in this order:

    area_m2 = round(uniform(40, 220))                        100 draws
    rooms   = clip(round(area_m2 / 30 + normal(0, 0.7)), 1, 7)
    price_k = round(40 + 2.5 * area_m2 + 15 * rooms + normal(0, 25), 1)

price_k is the price in thousands (of some currency). The true relationship
is linear (intercept 40, 2.5 per square metre, 15 per room) plus Gaussian
noise with standard deviation 25, so a fitted linear model should land near
those numbers. The columns have very different scales (rooms 1..7,
area 40..220), which makes feature scaling worth doing before gradient descent.

Columns: rooms,area_m2,price_k (with that header line).
Run from the repository root:  python data/make_houses.py
"""
from pathlib import Path

import numpy as np

N_HOUSES = 100
OUT_PATH = Path(__file__).resolve().parent / "houses.csv"


def make_houses(n=N_HOUSES, seed=2026):
    """Return rooms (n,), area_m2 (n,), price_k (n,) as described above."""
    rng = np.random.default_rng(seed)
    area = np.round(rng.uniform(40, 220, size=n))
    rooms = np.clip(np.round(area / 30 + rng.normal(0, 0.7, size=n)), 1, 7)
    price = np.round(40 + 2.5 * area + 15 * rooms + rng.normal(0, 25, size=n), 1)
    assert price.min() > 0
    return rooms.astype(int), area.astype(int), price


def main():
    rooms, area, price = make_houses()
    with open(OUT_PATH, "w", newline="\n") as f:
        f.write("rooms,area_m2,price_k\n")
        for r, a, p in zip(rooms, area, price):
            f.write(f"{r},{a},{p:.1f}\n")
    print(f"wrote {OUT_PATH}: {len(rooms)} houses")
    print(f"  rooms {rooms.min()}..{rooms.max()}, area_m2 {area.min()}..{area.max()}, "
          f"price_k {price.min():.1f}..{price.max():.1f}")


if __name__ == "__main__":
    main()
