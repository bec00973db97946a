"""The `diffhpe` command line: one sub-command per module in app/commands/, each with
`add_parser(subparsers)` and `run(args) -> int`."""

from __future__ import annotations

import argparse
import importlib
import sys

from lifting.errors import UserError

# sub-command name -> module under app.commands (imported only when used, so `--help` stays fast).
COMMANDS = {
    "lift": "lift",
    "app": "gui_app",
    "train": "train",
    "eval": "evaluate",
    "bench": "bench",
    "data": "data",
    "export": "export",
    "score": "score",
}


def build_parser(names: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="diffhpe", description="DiffHPE: 3D human pose lifting with diffusion, from video to 3D skeletons."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in names or list(COMMANDS):
        try:
            module = importlib.import_module(f"app.commands.{COMMANDS[name]}")
        except ModuleNotFoundError as exc:
            if exc.name == f"app.commands.{COMMANDS[name]}":
                continue  # not built yet
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Only import the sub-command that is asked for (each pulls in torch, Qt, ... as it needs).
    chosen = [argv[0]] if argv and argv[0] in COMMANDS else None
    parser = build_parser(chosen)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"diffhpe {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"diffhpe {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
