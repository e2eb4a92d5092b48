"""Command line: `python -m explainer forecast ...`, `... memory ...` and `... text ...`.

Each subcommand lives in `explainer.torch_backend` and is imported only when asked for, so
that `--help` stays fast. Each module provides `add_cli_arguments(parser)` and `cli(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = {
    "forecast": ("explainer.torch_backend.forecast", "train a forecaster on a CSV series"),
    "memory": ("explainer.torch_backend.memory", "train RNN/LSTM/GRU on long-lag memory tasks"),
    "text": ("explainer.torch_backend.text", "train a character-level RNN/LSTM/GRU on a text"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="python -m explainer", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    wanted = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if name == wanted:  # only the chosen subcommand's module (and torch) is imported
            importlib.import_module(module).add_cli_arguments(p)
    args = parser.parse_args(argv)
    return int(importlib.import_module(SUBCOMMANDS[args.command][0]).cli(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
