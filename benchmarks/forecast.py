"""Ours against the seed's Keras model, in one process, on the same windows of a bundled series.

    pip install -r requirements-bench.txt
    PYTHONPATH=. python benchmarks/forecast.py [--epochs 20] [--seeds 0,1,2] [--series co2_weekly.csv]
    PYTHONPATH=. python benchmarks/forecast.py --seeds 0-23 --threads 1 --log a.jsonl  # log per seed
    PYTHONPATH=. python benchmarks/forecast.py --summary a.jsonl b.jsonl               # compare logs

The Keras side is the seed's snippet with Keras 3 import paths, on Keras' torch backend:
LSTM(50, return_sequences=True) -> Dropout(0.2) -> LSTM(100) -> Dropout(0.2) -> Dense(1) ->
Activation("linear"), loss "mse", optimizer "rmsprop", batch 50, validation_split 0.05. Ours is
`explainer.torch_backend.forecast` with its defaults (the same recipe). Both get the same training
windows in time order, so Keras' validation_split holds out the same last 5% as ours; both shuffle
every epoch. (The seed's code shuffled the windows before `fit`, which makes its validation windows
a random 5%.) Printed: seconds per epoch (median and mean over epochs), their ratio, and the test
RMSE of the point-by-point predictions in normalised and original units.

One seed's test RMSE says little: with RMSprop at a fixed learning rate and no checkpoint, the
validation loss of either model swings by a factor of 5 between the last epochs, so the final RMSE
is largely where the last epoch lands. `--summary` therefore compares the two distributions over
seeds: means, medians, wins, a bootstrap 95% interval for the ratio of the means, and a one-sided
permutation test of "ours is worse" (the difference of the means).

Run it from the repository root with `PYTHONPATH=. python benchmarks/forecast.py`, or after
`pip install -e .`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported, anywhere

import numpy as np
import torch

from explainer.data import DEFAULT_SERIES, ForecastData, load_bundled, prepare
from explainer.torch_backend import forecast as fc


def keras_run(data: ForecastData, epochs: int, seed: int) -> tuple[list[float], np.ndarray]:
    """Train the seed's model; return seconds per epoch and the test predictions (normalised)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(None, 1)),
            layers.LSTM(50, return_sequences=True),
            layers.Dropout(0.2),
            layers.LSTM(100, return_sequences=False),
            layers.Dropout(0.2),
            layers.Dense(1),
            layers.Activation("linear"),
        ]
    )
    model.compile(loss="mse", optimizer="rmsprop")

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.t0)

    seconds: list[float] = []
    x = np.concatenate([data.train.x, data.val.x])[..., None].astype("float32")  # (N, W, 1)
    y = np.concatenate([data.train.y, data.val.y]).astype("float32")  # (N, 1)
    model.fit(
        x, y, batch_size=50, epochs=epochs, validation_split=0.05, verbose=0, callbacks=[Clock()]
    )
    pred = model.predict(data.test.x[..., None].astype("float32"), batch_size=1024, verbose=0)
    return seconds, np.asarray(pred, dtype=np.float64)


def rmse(pred: np.ndarray, data: ForecastData) -> tuple[float, float]:
    """Point-by-point test RMSE in normalised and original units."""
    t = data.test
    err = pred.reshape(t.y.shape) - t.y
    orig = data.to_original(pred.reshape(t.y.shape), t.base) - data.to_original(t.y, t.base)
    return float(np.sqrt(np.mean(err**2))), float(np.sqrt(np.mean(orig**2)))


def parse_seeds(text: str) -> list[int]:
    """'0,1,2' or '0-23' or '0-3,8' -> the seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        seeds += list(range(int(a), int(b) + 1)) if b else [int(a)]
    return seeds


def summarise(records: list[dict], *, draws: int = 100_000, rng_seed: int = 0) -> str:
    """Compare ours and Keras over the logged seeds (normalised test RMSE)."""
    seeds = [r["seed"] for r in records]
    if len(set(seeds)) != len(seeds):
        raise SystemExit(f"a seed is logged twice: {sorted(seeds)}")
    o = np.array([r["ours_rmse"] for r in records])
    k = np.array([r["keras_rmse"] for r in records])
    n = len(o)
    rng = np.random.default_rng(rng_seed)
    # bootstrap: resample the seeds of each side independently (the same seed is not a pairing:
    # the two libraries draw different weights and dropout masks from it)
    bo = o[rng.integers(0, n, (draws, n))].mean(axis=1)
    bk = k[rng.integers(0, n, (draws, n))].mean(axis=1)
    lo, hi = np.percentile(bo / bk, [2.5, 97.5])
    # permutation test of H1 "ours has the larger mean": shuffle the labels of the 2n runs
    both = np.concatenate([o, k])
    perm = np.argsort(rng.random((draws, 2 * n)), axis=1)
    diffs = both[perm[:, :n]].mean(axis=1) - both[perm[:, n:]].mean(axis=1)
    p = float((np.sum(diffs >= o.mean() - k.mean()) + 1) / (draws + 1))
    lines = [
        f"{n} seeds ({min(seeds)}-{max(seeds)}), test RMSE normalised, ours / keras:",
        f"  mean    {o.mean():.6f} / {k.mean():.6f}   (ratio {o.mean() / k.mean():.3f}, "
        f"bootstrap 95% interval {lo:.3f}-{hi:.3f})",
        f"  median  {np.median(o):.6f} / {np.median(k):.6f}",
        f"  worst   {o.max():.6f} / {k.max():.6f}",
        f"  best    {o.min():.6f} / {k.min():.6f}",
        f"  seeds where ours is lower: {int(np.sum(o < k))} of {n}",
        f"  one-sided permutation test, 'ours has the larger mean': p = {p:.3f} "
        f"({'ours is worse at the 5% level' if p < 0.05 else 'no evidence that ours is worse'})",
    ]
    se = [r["ours_s_per_epoch"] for r in records]
    sk = [r["keras_s_per_epoch"] for r in records]
    lines.append(
        f"  s/epoch (median of the seeds' medians): ours {statistics.median(se):.3f}, "
        f"keras {statistics.median(sk):.3f}, speed-up "
        f"{statistics.median(sk) / statistics.median(se):.1f}x"
    )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--series", default=DEFAULT_SERIES, help="a bundled series")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--seeds", default="0", help="seeds, as 0,1,2 or 0-23; each trains both models")
    p.add_argument("--log", help="append one JSON line per seed to this file")
    p.add_argument(
        "--summary",
        nargs="+",
        metavar="LOG",
        help="train nothing: compare ours and Keras over the seeds in these logs",
    )
    args = p.parse_args()
    if args.summary:
        records = [
            json.loads(line)
            for path in args.summary
            for line in Path(path).read_text().splitlines()
            if line.strip()
        ]
        print(summarise(records))
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    seeds = parse_seeds(args.seeds)

    series = load_bundled(args.series)
    base = fc.ForecastConfig(epochs=args.epochs, device="cpu")
    data = prepare(
        series.values,
        window=base.window,
        horizon=base.horizon,
        normalise=base.normalise,
        split=base.split,
        val=base.val,
    )
    print(
        f"series {args.series}: {len(series)} values; windows train {len(data.train)}, "
        f"val {len(data.val)}, test {len(data.test)}; {args.epochs} epochs; seeds {seeds}; "
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)",
        flush=True,
    )

    import keras

    seconds: dict[str, list[float]] = {"ours": [], "keras": []}
    scores: dict[str, list[tuple[float, float]]] = {"ours": [], "keras": []}
    records: list[dict] = []
    for seed in seeds:  # alternate the two so that a busy machine slows both alike
        result = fc.train(fc.ForecastConfig(epochs=args.epochs, seed=seed, device="cpu"), data)
        seconds["ours"] += [h["seconds"] for h in result.history]
        scores["ours"].append(rmse(fc.predictor(result.model)(data.test.x), data))
        k_seconds, k_pred = keras_run(data, args.epochs, seed)
        seconds["keras"] += k_seconds
        scores["keras"].append(rmse(k_pred, data))
        records.append(
            {
                "seed": seed,
                "series": args.series,
                "epochs": args.epochs,
                "threads": torch.get_num_threads(),
                "keras": keras.__version__,
                "ours_rmse": scores["ours"][-1][0],
                "keras_rmse": scores["keras"][-1][0],
                "ours_rmse_original": scores["ours"][-1][1],
                "keras_rmse_original": scores["keras"][-1][1],
                "ours_s_per_epoch": statistics.median(h["seconds"] for h in result.history),
                "keras_s_per_epoch": statistics.median(k_seconds),
                "ours_history": result.history,
            }
        )
        if args.log:
            with open(args.log, "a") as f:
                f.write(json.dumps(records[-1]) + "\n")
        print(
            f"seed {seed}: test RMSE ours {scores['ours'][-1][0]:.6f}, "
            f"keras {scores['keras'][-1][0]:.6f}",
            flush=True,
        )

    med = {k: statistics.median(v) for k, v in seconds.items()}
    pers = rmse(data.test.x[:, -1:], data)
    print(
        f"keras {keras.__version__} (backend {keras.backend.backend()}) s/epoch: "
        f"median {med['keras']:.3f}, mean {statistics.fmean(seconds['keras']):.3f}"
    )
    print(f"ours s/epoch: median {med['ours']:.3f}, mean {statistics.fmean(seconds['ours']):.3f}")
    print(f"speed-up per epoch (keras / ours, medians): {med['keras'] / med['ours']:.1f}x")
    for unit, i in (("normalised", 0), ("original units", 1)):
        o = [r[i] for r in scores["ours"]]
        k = [r[i] for r in scores["keras"]]
        print(
            f"test RMSE {unit} (mean over {len(seeds)} seed(s)): ours {statistics.fmean(o):.6g}, "
            f"keras {statistics.fmean(k):.6g}, persistence {pers[i]:.6g}"
        )
    if len(records) > 1:
        print(summarise(records))


if __name__ == "__main__":
    main()
