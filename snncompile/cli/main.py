"""Entry point: ``snncompile COMMAND ...``.

Each command is a module ``snncompile.cli.cmd_<name>`` with ``NAME``, ``HELP``,
``add_arguments(parser)``, ``run(args) -> dict`` and ``render(result) -> str``. Every
command gets ``--json``. User errors (``SnnCompileError``) print one line on stderr and
exit with code 2; tracebacks are for bugs only.

Start-up is kept short: a command module imports only ``argparse`` and light helpers at
module level (its heavy imports sit inside ``run``), and only the command being run
builds its arguments, so ``--version``/``--help`` import neither numpy nor torch and a
command pays only for what it uses.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from types import ModuleType

from snncompile import __version__
from snncompile.cli.flags import cli_message
from snncompile.cli.output import dumps
from snncompile.errors import SnnCompileError, one_line

#: command modules, in the order ``--help`` lists them
COMMANDS = [
    "inspect",
    "export",
    "simulate",
    "compile",
    "convert",
    "compare",
    "estimate",
    "evaluate",
    "sweep",
    "map",
    "report",
    "targets",
    "zoo",
]


def load_commands() -> dict[str, ModuleType]:
    """Command name -> its module, in :data:`COMMANDS` order."""
    modules = [importlib.import_module(f"snncompile.cli.cmd_{name}") for name in COMMANDS]
    return {module.NAME: module for module in modules}


def build_parser(commands: dict[str, ModuleType], only: str | None | bool = True) -> argparse.ArgumentParser:
    """The parser; ``only`` names the one command whose arguments are built (the others
    keep their one-line help), None builds none, True builds all."""
    parser = argparse.ArgumentParser(
        prog="snncompile",
        description="Compile trained spiking neural networks to neuromorphic chips and MCUs.",
        allow_abbrev=False,  # '--input' must never silently mean '--input-shape'
    )
    parser.add_argument("--version", action="version", version=f"snncompile {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in commands.items():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP, allow_abbrev=False)
        if only is True or only == name:
            p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
            module.add_arguments(p)
    return parser


#: the arguments that name files (or a target) a command reads or writes, the model first
FILE_ARGUMENTS = ("model", "artifact", "name", "input", "calibrate", "data", "labels", "weights", "target",
                  "output")


def named(message: str, args: argparse.Namespace) -> str:
    """``message``, prefixed with a file when it names none of the files the command was
    given: the input data for a problem with an input (``input 'x': ...``), else the
    MODEL (an error found while running a model names the model). A message about an
    option (``--workers ...``) or a setting (``SNNCOMPILE_...``) stays as it is."""
    files = [v for k in FILE_ARGUMENTS if isinstance(v := getattr(args, k, None), str) and v]
    if not files or message.startswith(("--", "SNNCOMPILE_")) or any(
            f in message or f.split(":")[0] in message for f in files):
        return message
    data = getattr(args, "input", None) or getattr(args, "calibrate", None) or getattr(args, "data", None)
    if data and message.startswith("input "):
        return f"{data}: {message}"
    return f"{files[0]}: {message}"


def with_model(message: str, args: argparse.Namespace) -> str:
    """``message`` with the MODEL named when it names one of the model's nodes but not
    the model (an input file of the wrong shape: which network's node?)."""
    model = getattr(args, "model", None) or getattr(args, "artifact", None)
    if isinstance(model, str) and model and "node '" in message and model not in message:
        return f"{message} (model {model})"
    return message


def main(argv: list[str] | None = None) -> int:
    """Run one command; a reader that closes the pipe early (``snncompile ... | head``)
    ends it quietly, as it does any Unix tool."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # Python flushes stdout again at exit: point it at devnull so that flush cannot
        # fail a second time and print a traceback (the Python docs' recipe)
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # stdout is no file (captured): nothing will flush it
            pass
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by the pipe


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    commands = load_commands()
    # the first word that is not an option is the command (the top level has no valued options)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(commands, only=chosen if chosen in commands else None)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    module = commands[args.command]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = module.run(args)
        for w in caught:
            if issubclass(w.category, UserWarning):
                print(f"warning: {one_line(str(w.message))}", file=sys.stderr)
    except SnnCompileError as exc:
        print(f"snncompile {args.command}: error: {one_line(with_model(named(cli_message(exc), args), args))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    print(dumps(result) if args.json else module.render(result), flush=True)
    return int(result.get("exit_code", 0)) if isinstance(result, dict) else 0


if __name__ == "__main__":
    sys.exit(main())
