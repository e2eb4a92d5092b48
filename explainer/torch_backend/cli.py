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
from dataclasses import replace
from pathlib import Path

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
from explainer.torch_backend import pick_device, set_threads, text
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
    train,
)
from explainer.torch_backend.memory.sweep import LAGS as SWEEP_LAGS
from explainer.torch_backend.memory.sweep import LRS as SWEEP_LRS
from explainer.torch_backend.memory.sweep import MAX_STEPS as SWEEP_MAX_STEPS
from explainer.torch_backend.memory.sweep import SEEDS as SWEEP_SEEDS
from explainer.torch_backend.memory.sweep import format_table

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

    def error(message: str) -> None:  # one line, exit 2, no usage block
        print(f"python -m explainer memory: error: {message}", file=sys.stderr)
        sys.exit(2)

    parser.error = error  # type: ignore[method-assign]


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
        result = train(config)
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


# --------------------------------------------------------------------------------- helpers


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
    "text": (text.add_cli_arguments, text.cli),
}
