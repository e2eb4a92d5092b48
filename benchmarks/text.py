"""Text lab benchmark: training throughput of `explainer.torch_backend.text.train` against a minimal
plain-PyTorch char-LSTM loop of the same size on the same data, measured in the same run, and
bits per character after a wall-clock budget for the three cells on the bundled texts.

    PYTHONPATH=. python benchmarks/text.py                      # throughput, then 60 s per cell and text
    PYTHONPATH=. python benchmarks/text.py --throughput-only    # a minute or two
    PYTHONPATH=. python benchmarks/text.py --seconds 30 --json  # one JSON object at the end
    PYTHONPATH=. python benchmarks/text.py --cells-table        # best |r| per feature of each shipped model

Throughput: both sides train an LSTM (hidden 128, embedding 32, batch 32, sequences of 100) for
`--steps` steps from the same initial weights, taking turns `--rounds` times so that the machine's
load hits both alike; the ratio is ours / plain, best round of each (timeit's estimate). Ours
includes everything the page and the command line pay for: progress reports, validation every
`eval_every` steps, the stop poll. The plain loop does none of that. One torch thread each.

Run it from the repository root with `PYTHONPATH=. python benchmarks/text.py`, or after
`pip install -e .`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import replace

import torch
from torch import nn

from explainer import text as T
from explainer.cells import CELLS
from explainer.torch_backend import text as TT


def plain_loop(corpus: T.Corpus, config: TT.TextConfig, steps: int) -> float:
    """The minimal char-LSTM loop (Karpathy's, in plain PyTorch): seconds for `steps` steps."""
    V, S = corpus.vocab.size, config.seq_len
    model = TT.build_model(config, V)  # the same initial weights as ours
    emb, rnn, head = model.embedding, model.rnn, model.head
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    B = config.batch
    L = len(corpus.train) // B
    data = torch.from_numpy(corpus.train[: B * L].reshape(B, L))
    state, pos = None, 0
    t0 = time.perf_counter()
    for _ in range(steps):
        if pos + S + 1 > L:
            pos, state = 0, None
        x, y = data[:, pos : pos + S], data[:, pos + 1 : pos + S + 1]
        pos += S
        out, state = rnn(emb(x), state)
        state = tuple(s.detach() for s in state)
        loss = nn.functional.cross_entropy(head(out).reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        opt.step()
    return time.perf_counter() - t0


def throughput(text: str, steps: int, rounds: int) -> dict:
    config = TT.TextConfig(
        cell="lstm", hidden=128, embedding=32, batch=32, seq_len=100, max_steps=steps,
        budget_seconds=None, threads=1,
    )  # fmt: skip
    corpus = T.make_corpus(text, max_chars=config.vocab_size, seq_len=config.seq_len)
    chars = steps * config.batch * config.seq_len
    ours, plain = [], []
    plain_loop(corpus, config, 3)  # warm up both code paths
    TT.train(replace(config, max_steps=3), corpus)
    for _ in range(rounds):
        t0 = time.perf_counter()
        run = TT.train(config, corpus, on_progress=lambda p: None, should_stop=lambda: False)
        ours.append(time.perf_counter() - t0)
        assert run.chars == chars
        plain.append(plain_loop(corpus, config, steps))
    best_ours, best_plain = min(ours), min(plain)
    return {
        "steps": steps,
        "chars": chars,
        "eval_every": config.eval_every,
        "ours_seconds": ours,
        "plain_seconds": plain,
        "ours_chars_per_second": chars / best_ours,
        "plain_chars_per_second": chars / best_plain,
        "ratio": best_plain / best_ours,  # ours' throughput / plain's: >= 0.9 is the target
    }


def after_budget(name: str, cell: str, seconds: float, seed: int) -> dict:
    config = TT.TextConfig(cell=cell, budget_seconds=seconds, seed=seed, threads=1)
    run = TT.train(config, T.bundled(name))
    return {
        "text": name,
        "cell": cell,
        "bits_per_char": run.bits_per_char,
        "unigram": run.baselines.unigram,
        "bigram": run.baselines.bigram,
        "below_unigram": run.baselines.unigram - run.bits_per_char,
        "steps": run.steps,
        "seconds": round(run.seconds, 1),
        "vocab_size": run.corpus.vocab.size,
    }


def readable_table(chars: int = 5000) -> list[dict]:
    """The best |r| per named feature for each shipped model, over the first `chars` characters of
    its text's validation part (never trained on), h and c of every layer."""
    rows = []
    for (name, cell), path in T.shipped().items():
        model = T.load(path)
        corpus = T.make_corpus(T.bundled(name), max_chars=model.manifest["config"]["vocab_size"])
        passage = corpus.vocab.decode(corpus.val[:chars])
        found = T.find_cells(model.trace(corpus.val[:chars]), passage, top=1)
        best = {f: (round(ms[0].r, 3), ms[0].unit.label) if ms else None for f, ms in found.items()}
        rows.append({"text": name, "cell": cell, "chars": len(passage), "best": best})
    return rows


def print_table(rows: list[dict]) -> None:
    names = list(T.FEATURES)
    print("| text | cell | " + " | ".join(names) + " |", file=sys.stderr)
    print("|---|---|" + "---|" * len(names), file=sys.stderr)
    for r in rows:
        cells = [
            "–" if r["best"][n] is None else f"{abs(r['best'][n][0]):.2f} {r['best'][n][1]}"
            for n in names
        ]
        print(f"| {r['text']} | {r['cell']} | " + " | ".join(cells) + " |", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=60, help="steps per throughput round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=60.0, help="budget per cell and text")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--texts", default=",".join(T.CORPORA))
    p.add_argument("--cells", default=",".join(CELLS))
    p.add_argument("--throughput-only", action="store_true")
    p.add_argument("--cells-table", action="store_true", help="only the find-cells table")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    report: dict = {
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "torch": torch.__version__,
            "threads": 1,
            "load_average_1_5_15_min": [round(v, 2) for v in os.getloadavg()],
        }
    }
    if args.cells_table:
        report["readable"] = readable_table()
        print_table(report["readable"])
        if args.json:
            print(json.dumps(report))
        return 0
    tp = throughput(T.bundled("python"), args.steps, args.rounds)
    report["throughput"] = tp
    print(
        f"throughput, LSTM 128 on Python source: ours {tp['ours_chars_per_second']:,.0f} chars/s, "
        f"plain loop {tp['plain_chars_per_second']:,.0f} chars/s: ratio {tp['ratio']:.3f} "
        f"(target >= 0.9; best of {args.rounds} rounds of {args.steps} steps)",
        file=sys.stderr,
        flush=True,
    )
    if not args.throughput_only:
        rows = []
        for name in args.texts.split(","):
            for cell in args.cells.split(","):
                r = after_budget(name, cell, args.seconds, args.seed)
                rows.append(r)
                print(
                    f"{name:6s} {cell:4s} {r['bits_per_char']:.3f} bits/char after "
                    f"{r['seconds']} s ({r['steps']} steps); unigram {r['unigram']:.3f}, "
                    f"bigram {r['bigram']:.3f}; {r['below_unigram']:.2f} below the unigram",
                    file=sys.stderr,
                    flush=True,
                )
        report["after_budget"] = {"seconds": args.seconds, "rows": rows}
    report["machine"]["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
