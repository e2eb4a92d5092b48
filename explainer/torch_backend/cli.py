"""The command line's subcommands: `python -m explainer forecast ...`, `... memory ...`, `... text ...`.

`COMMANDS` maps each name to (add its arguments to a parser, run it on the parsed arguments and
return the exit status); `explainer.__main__` imports this module only when a subcommand is asked
for, so that `python -m explainer --help` does not wait for torch. Bad input exits with status 2
and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch

from explainer.cells import CELLS
from explainer.data import (
    DEFAULT_SERIES,
    GAP_POLICIES,
    NORMALISATIONS,
    bundled,
    load_series,
    read_table,
)
from explainer.text import CORPORA, Sample, read_text
from explainer.text import bundled as bundled_text
from explainer.text import save as save_text
from explainer.torch_backend import pick_device, set_threads
from explainer.torch_backend.forecast import (
    INITS,
    OPTIMISERS,
    ForecastConfig,
    Progress,
    run_forecast,
    save_weights,
)
from explainer.torch_backend.forecast.training import rank_and_world
from explainer.torch_backend.memory import (
    ABLATIONS,
    PRESETS,
    SWEEP_PATH,
    TASKS,
    MemoryConfig,
    run_sweep,
)
from explainer.torch_backend.memory import train as train_memory
from explainer.torch_backend.memory.sweep import LAGS as SWEEP_LAGS
from explainer.torch_backend.memory.sweep import LRS as SWEEP_LRS
from explainer.torch_backend.memory.sweep import MAX_STEPS as SWEEP_MAX_STEPS
from explainer.torch_backend.memory.sweep import SEEDS as SWEEP_SEEDS
from explainer.torch_backend.memory.sweep import format_table
from explainer.torch_backend.text import MAX_HIDDEN, MAX_LAYERS, TextConfig, TextRun
from explainer.torch_backend.text import train as train_text

_UNSET = object()  # an option left out (where None is a value: --forget-bias none)


# -------------------------------------------------------------------------------- forecast


def forecast_arguments(parser: argparse.ArgumentParser) -> None:
    """`python -m explainer forecast ...`; unset options take `ForecastConfig`'s defaults."""
    c = ForecastConfig()
    a = parser.add_argument
    a("--csv", help=f"CSV file (default: assets/{DEFAULT_SERIES})")
    a("--column", help="value column (default: guessed, or the bundled series' own)")
    a("--date-column", help="date column (default: guessed; 'none' for the file's order)")
    a("--reverse", action="store_true", help="reverse the rows (files listed newest first)")
    a("--gaps", choices=GAP_POLICIES, default="interpolate", help="fill or drop missing values")
    a("--epochs", type=int, default=c.epochs)
    a("--cell", choices=CELLS, default=c.cell)
    a("--hidden", default=",".join(map(str, c.hidden)), help="layer sizes, e.g. 50,100")
    a("--dropout", type=float, default=c.dropout)
    a("--window", type=int, default=c.window)
    a("--horizon", type=int, default=c.horizon)
    a("--normalise", choices=NORMALISATIONS, default=c.normalise)
    a("--split", type=float, default=c.split, help="train fraction of the windows")
    a("--val", type=float, default=c.val, help="validation fraction of the training windows")
    a("--init", choices=INITS, default=c.init)
    a("--optimiser", choices=OPTIMISERS, default=c.optimiser)
    a("--lr", type=float, default=c.lr)
    a("--batch-size", type=int, default=c.batch_size)
    a("--seed", type=int, default=c.seed)
    a("--device", default=c.device, help="cpu, cuda or auto")
    a("--threads", type=int, default=0, help="CPU threads per process (0: torch's default)")
    a("--save-weights", metavar="PATH", help="write the trained weights as safetensors")
    a("--json", action="store_true", help="print one JSON object instead of a report")


def forecast_config(args: argparse.Namespace) -> ForecastConfig:
    try:
        hidden = tuple(int(h) for h in str(args.hidden).split(",") if h.strip())
    except ValueError:
        raise ValueError(
            f"--hidden takes comma-separated integers such as 50,100, not {args.hidden!r}"
        ) from None
    return ForecastConfig(
        window=args.window,
        horizon=args.horizon,
        normalise=args.normalise,
        split=args.split,
        val=args.val,
        hidden=hidden,
        dropout=args.dropout,
        cell=args.cell,
        init=args.init,
        optimiser=args.optimiser,
        lr=args.lr,
        batch_size=args.batch_size,
        epochs=args.epochs,
        seed=args.seed,
        device=args.device,
    ).validate()


def _init_distributed(device: str) -> bool:
    """Join the process group torchrun describes (WORLD_SIZE > 1); False when not distributed."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    cuda = pick_device(device).type == "cuda"
    if cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    torch.distributed.init_process_group("nccl" if cuda else "gloo")
    return True


def forecast_command(args: argparse.Namespace) -> int:
    """`python -m explainer forecast ...`: train headless; exit 2 with one line on bad input."""
    try:
        config = forecast_config(args)
        if args.threads:
            set_threads(args.threads)
        # the column guess and the date column as on the page, unless the options name others
        b = bundled()
        table = read_table(args.csv or b.path)
        column = args.column or (table.value if args.csv else b.column)
        date = args.date_column or (table.date if args.csv else b.date_column)
        if date == "none" or (date == column and not args.date_column):
            date = None  # "--date-column none", or a guessed date column chosen as the value
        series = load_series(table, column, date_column=date, reverse=args.reverse, gaps=args.gaps)
        used = f"column {series.name!r} of {args.csv or f'assets/{b.file}'}"
        distributed = _init_distributed(config.device)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        rank = rank_and_world()[0]
        report = None
        if not args.json and rank == 0:
            sort = ", rows sorted by date" if series.sorted_by_date else ""
            dated = f", dates from {date!r}{sort}" if date else ""
            print(
                f"series: {used}, {len(series)} values ({series.gaps} missing, gaps: "
                f"{series.gap_policy}){dated}; {table.how}",
                flush=True,
            )

            def report(p: Progress) -> None:
                val = "" if p.val_loss is None else f"  val_loss {p.val_loss:.6f}"
                print(f"epoch {p.epoch}/{p.epochs}  loss {p.loss:.6f}{val}", flush=True)

        try:
            run = run_forecast(config, series.values, callback=report)
        except ValueError as e:
            print(f"error: {used}: {e}", file=sys.stderr)
            return 2
        if rank == 0:
            if args.save_weights:
                save_weights(args.save_weights, run.result.model, config, run.data)
            summary = run.summary()
            summary["series"] = {
                "source": args.csv or f"assets/{DEFAULT_SERIES}",
                "column": series.name,
                "date_column": date,
                "sorted_by_date": series.sorted_by_date,
                "delimiter": table.delimiter,
                "decimal": table.decimal,
                "header": table.header,
                "rows": len(series),
                "gaps": series.gaps,
                "gap_policy": series.gap_policy,
            }
            if args.json:
                print(json.dumps(summary))
            else:
                for mode, m in summary["modes"].items():
                    print(
                        f"{mode:>5}: RMSE {m['rmse']:.5f} (original {m['rmse_original']:.5g}),"
                        f" persistence {m['persistence_rmse']:.5f} "
                        f"(original {m['persistence_rmse_original']:.5g})"
                    )
                print(
                    f"trained {summary['epochs']} epochs in {summary['train_seconds']:.2f} s "
                    f"on {summary['device']} x{summary['world_size']}"
                )
        return 0
    finally:
        if distributed:
            torch.distributed.destroy_process_group()


# ---------------------------------------------------------------------------------- memory


def memory_arguments(parser: argparse.ArgumentParser) -> None:
    """`python -m explainer memory ...`; unset options take the task's preset (`PRESETS`)."""
    parser.description = "Train RNN/LSTM/GRU on a long-lag memory task (unset options: the preset)."
    a = parser.add_argument
    a("--task", choices=TASKS, default="adding")
    a("--cell", choices=CELLS, default="lstm")
    a("--lag", type=int, help="adding: sequence length T; recall: distractor steps L")
    a("--budget-seconds", type=float, help="wall-clock budget per cell")
    a("--max-steps", type=int, help="step budget per cell")
    a("--hidden", type=int)
    a("--batch", type=int)
    a("--lr", type=float)
    a("--clip", type=float, help="max gradient norm (0: off)")
    a(
        "--forget-bias",
        type=_float_or_none,
        default=_UNSET,
        help="LSTM forget-gate bias, or 'none' (uniform init)",
    )
    a("--ablation", choices=ABLATIONS)
    a("--symbols", type=int, help="recall: alphabet size K")
    a("--seed", type=int)
    a("--threads", type=int, help="torch threads (default 1)")
    a("--json", action="store_true", help="print one JSON object")
    a(
        "--sweep",
        action="store_true",
        help="train every (cell, lag, lr, seed) for at most --max-steps steps (default "
        f"{SWEEP_MAX_STEPS}), no time limit, and write the sweep's JSON",
    )
    a("--lags", type=_int_list, default=list(SWEEP_LAGS), help="sweep lags, e.g. 10,25,50")
    a("--lrs", type=_float_list, default=list(SWEEP_LRS), help="sweep learning rates")
    a("--seeds", type=_int_list, default=list(SWEEP_SEEDS), help="sweep seeds at every point")
    a("--cells", type=_cell_list, default=list(CELLS), help="sweep cells, e.g. rnn,lstm,gru")
    a("--jobs", type=int, default=1, help="sweep worker processes (one torch thread each)")
    a("--out", type=Path, help=f"sweep output (default {SWEEP_PATH})")
    a("--table", action="store_true", help="print the table of the sweep in --out and exit")
    _one_line_errors(parser, "memory")


def memory_config(args: argparse.Namespace) -> MemoryConfig:
    preset = PRESETS[args.task]
    fields = {
        "lag": args.lag,
        "budget_seconds": args.budget_seconds,
        "max_steps": args.max_steps,
        "hidden": args.hidden,
        "batch": args.batch,
        "lr": args.lr,
        "clip": args.clip,
        "ablation": args.ablation,
        "symbols": args.symbols,
        "seed": args.seed,
        "threads": args.threads,
    }
    c = replace(preset, cell=args.cell, **{k: v for k, v in fields.items() if v is not None})
    if args.forget_bias is not _UNSET:
        c = replace(c, forget_bias=args.forget_bias)
    if args.lr is not None:
        c = replace(c, lrs=None)  # one learning rate for every cell, not the preset's per cell
    if args.max_steps is not None and args.budget_seconds is None:
        c = replace(c, budget_seconds=None)  # a step budget alone
    return c.validate()


def memory_command(args: argparse.Namespace) -> int:
    try:
        config = memory_config(args)
        if args.sweep:
            return _memory_sweep(args, config)
        result = train_memory(config)
    except ValueError as e:
        print(f"python -m explainer memory: error: {e}", file=sys.stderr)
        return 2
    s = result.summary()
    if args.json:
        print(json.dumps(s))
    else:
        b = result.baseline
        print(
            f"{config.task} lag {config.lag} {config.cell}: {b.metric} {result.final_metric:.4f} "
            f"(baseline {b.value:.4f}, solved {'yes' if result.solved else 'no'}) "
            f"in {result.steps} steps, {result.seconds:.1f} s"
        )
    return 0


def _memory_sweep(args: argparse.Namespace, config: MemoryConfig) -> int:
    """`--sweep`: the preset (and the options given) at every point, counted in steps; points
    already in `<out>.partial.jsonl` are kept, so an interrupted sweep resumes."""
    out = args.out or SWEEP_PATH
    if args.table:
        print(format_table(json.loads(out.read_text())))
        return 0
    if args.jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {args.jobs}")
    config = replace(config, max_steps=args.max_steps or SWEEP_MAX_STEPS)
    for lag in args.lags:
        replace(config, lag=lag).validate()
    for lr in args.lrs:
        replace(config, lr=lr, lrs=None).validate()
    result = run_sweep(
        config,
        args.lags,
        args.lrs,
        args.seeds,
        args.cells,
        jobs=args.jobs,
        partial=out.with_name(out.name + ".partial.jsonl"),
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    result["command"] = "python -m explainer " + " ".join(sys.argv[1:])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    if args.json:
        print(json.dumps({"out": str(out), "longest_lag_solved": result["longest_lag_solved"]}))
    else:
        print(format_table(result))
        print(f"wrote {out}")
    return 0


# ------------------------------------------------------------------------------------ text

SAMPLE_LENGTH = 300


def text_arguments(parser: argparse.ArgumentParser) -> None:
    """`python -m explainer text ...`; unset options take `TextConfig`'s defaults."""
    d = TextConfig()
    parser.description = "Train a character-level RNN/LSTM/GRU on a UTF-8 text file."
    a = parser.add_argument
    a(
        "--corpus",
        required=True,
        help=f"a UTF-8 text file, or a bundled text: {', '.join(CORPORA)}",
    )
    a("--cell", choices=CELLS, default=d.cell)
    a("--hidden", type=int, default=d.hidden, help=f"hidden units (1-{MAX_HIDDEN})")
    a("--layers", type=int, default=d.layers, help=f"recurrent layers (1-{MAX_LAYERS})")
    a("--embedding", type=int, default=d.embedding, help="embedding size (0: one-hot)")
    a("--vocab-size", type=int, default=d.vocab_size, help="most frequent characters kept")
    a("--seq-len", type=int, default=d.seq_len, help="truncated BPTT length")
    a("--batch", type=int, default=d.batch, help="parallel streams")
    a("--lr", type=float, default=d.lr, help="Adam learning rate")
    a("--clip", type=float, default=d.clip, help="max gradient norm (0: off)")
    a("--budget-seconds", type=float, help=f"wall-clock budget (default {d.budget_seconds})")
    a("--max-steps", type=int, help="step budget")
    a("--eval-every", type=int, default=d.eval_every)
    a("--seed", type=int, default=d.seed)
    a("--threads", type=int, default=d.threads, help="torch threads")
    a("--prime", default="", help="text the sample starts from")
    a("--temperature", type=float, default=0.8, help="sampling temperature (0: greedy)")
    a("--sample-length", type=int, default=SAMPLE_LENGTH)
    a("--save", metavar="FILE", help="write the trained model as safetensors")
    a("--json", action="store_true", help="print one JSON object")
    _one_line_errors(parser, "text")


def text_config(args: argparse.Namespace) -> TextConfig:
    c = TextConfig(
        cell=args.cell,
        hidden=args.hidden,
        layers=args.layers,
        embedding=args.embedding,
        vocab_size=args.vocab_size,
        seq_len=args.seq_len,
        batch=args.batch,
        lr=args.lr,
        clip=args.clip,
        max_steps=args.max_steps,
        eval_every=args.eval_every,
        seed=args.seed,
        threads=args.threads,
    )
    if args.budget_seconds is not None:
        c = replace(c, budget_seconds=args.budget_seconds)
    elif args.max_steps is not None:
        c = replace(c, budget_seconds=None)  # a step budget alone
    return c.validate()


def read_corpus(name: str) -> str:
    """A bundled text by name, else a UTF-8 file (checked as the page checks an upload)."""
    if name in CORPORA:
        return bundled_text(name)
    try:
        raw = Path(name).read_bytes()
    except OSError as e:
        raise ValueError(f"cannot read {name}: {e.strerror or e}") from None
    return read_text(raw)


def text_summary(run: TextRun, sample: Sample) -> dict[str, Any]:
    """The CLI's JSON object."""
    corpus = run.corpus
    return {
        "cell": run.config.cell,
        "bits_per_char": run.bits_per_char,
        "unigram_bits_per_char": run.baselines.unigram,
        "bigram_bits_per_char": run.baselines.bigram,
        "steps": run.steps,
        "seconds": round(run.seconds, 3),
        "chars": run.chars,
        "chars_per_second": run.chars / run.seconds if run.seconds > 0 else None,
        "stopped": run.stopped,
        "sample": sample.text,
        "vocab_size": corpus.vocab.size,
        "distinct": corpus.distinct,
        "coverage": corpus.coverage,
        "train_chars": len(corpus.train),
        "val_chars": len(corpus.val),
        "batch": run.batch,
        "history": [asdict(p) for p in run.history],
        "config": asdict(run.config),
    }


def text_command(args: argparse.Namespace) -> int:
    prog = "python -m explainer text"
    try:
        config = text_config(args)
        text = read_corpus(args.corpus)
        run = train_text(config, text)
        command = " ".join(["python -m explainer", *sys.argv[1:]])
        model = run.char_model(corpus=Path(args.corpus).name, command=command)
        sample = model.sample(args.prime, args.sample_length, args.temperature, args.seed)
        if args.save:
            save_text(model, args.save)
    except ValueError as e:  # TextError is one
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    s = text_summary(run, sample)
    if args.json:
        print(json.dumps(s, ensure_ascii=False))
    else:
        print(
            f"{config.cell} on {args.corpus}: {run.bits_per_char:.3f} bits per character "
            f"(unigram {run.baselines.unigram:.3f}, bigram {run.baselines.bigram:.3f}) after "
            f"{run.steps} steps, {run.seconds:.1f} s\n--- sample ---\n{sample.text}"
        )
    return 0


# --------------------------------------------------------------------------------- helpers


def _one_line_errors(parser: argparse.ArgumentParser, command: str) -> None:
    """Bad options exit with status 2 and one line, no usage block."""

    def error(message: str) -> None:
        print(f"python -m explainer {command}: error: {message}", file=sys.stderr)
        sys.exit(2)

    parser.error = error  # type: ignore[method-assign]


def _float_or_none(text: str) -> float | None:
    if text.lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'none', got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 25,50, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one integer")
    return values


def _float_list(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 1e-3,1e-2, got {text!r}") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"expected finite numbers, got {text!r}")
    return values


def _cell_list(text: str) -> list[str]:
    cells = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in cells if c not in CELLS]
    if bad or not cells:
        raise argparse.ArgumentTypeError(f"expected cells from {','.join(CELLS)}, got {text!r}")
    return cells


COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[..., int]]] = {
    "forecast": (forecast_arguments, forecast_command),
    "memory": (memory_arguments, memory_command),
    "text": (text_arguments, text_command),
}
