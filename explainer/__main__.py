"""Command line: `python -m explainer forecast ...`, `... memory ...` and `... text ...`.

The subcommands live in `explainer.torch_backend.cli` (its `COMMANDS`), imported only when one is
asked for, so that `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = {
    "forecast": "train a forecaster on a CSV series",
    "memory": "train RNN/LSTM/GRU on long-lag memory tasks",
    "text": "train a character-level RNN/LSTM/GRU on a text",
}
CLI = "explainer.torch_backend.cli"  # by name: the core never imports the backend


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="python -m explainer", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    wanted = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    for name, help_text in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if name == wanted:  # only with a subcommand is the backend (and torch) imported
            importlib.import_module(CLI).COMMANDS[name][0](p)
    args = parser.parse_args(argv)
    return int(importlib.import_module(CLI).COMMANDS[args.command][1](args) or 0)


if __name__ == "__main__":
    sys.exit(main())
