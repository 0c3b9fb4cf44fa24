"""Entry point: ``snncompile COMMAND ...``.

Each command is a module ``snncompile.cli.cmd_<name>`` with ``NAME``, ``HELP``,
``EXAMPLES`` (shown by ``--help`` with the target names), ``add_arguments(parser)``,
``run(args) -> dict`` and ``render(result) -> str``. Every command gets ``--json``: one
object of the versioned schema (:mod:`snncompile.cli.schema`, docs/json.md). User
errors (``SnnCompileError``, and bad command lines) print one line on stderr and exit
with code 2, with ``--json`` also an error object on stdout; tracebacks are for bugs
only.

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
from snncompile.cli.schema import envelope, error_envelope, error_kind, hint_of
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


def target_names() -> list[str]:
    """The built-in targets, from the targets registry (a glob: no heavy imports)."""
    from snncompile.targets.loader import list_targets

    return list_targets()


def epilog(module: ModuleType) -> str:
    """A command's ``--help`` tail: its examples, then the targets it can name."""
    examples = "\n".join(f"  {line}" if line else "" for line in module.EXAMPLES.strip("\n").splitlines())
    return f"examples:\n{examples}\n\ntargets: {', '.join(target_names())} (or a target .toml file)"


class Parser(argparse.ArgumentParser):
    """No abbreviations; ``--help`` keeps the examples' line breaks and builds the
    epilog only when printed; with ``--json`` a bad command line also prints the error
    object on stdout."""

    json_errors = False
    command_module: ModuleType | None = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)  # '--input' must never silently mean '--input-shape'
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def format_help(self) -> str:
        if self.command_module is not None and self.epilog is None:
            self.epilog = epilog(self.command_module)
        return super().format_help()

    def error(self, message: str):  # type: ignore[override]
        if Parser.json_errors:
            command = self.prog.split()[1] if len(self.prog.split()) > 1 else None
            hint = f"see 'snncompile {command} --help'" if command else "see 'snncompile --help'"
            print(dumps(error_envelope(command, one_line(message), "usage", hint, 2)), flush=True)
        super().error(message)


def build_parser(commands: dict[str, ModuleType], only: str | None | bool = True) -> argparse.ArgumentParser:
    """The parser; ``only`` names the one command whose arguments are built (the others
    keep their one-line help), None builds none, True builds all."""
    parser = Parser(
        prog="snncompile",
        description="Compile trained spiking neural networks to neuromorphic chips and MCUs.",
    )
    parser.add_argument("--version", action="version", version=f"snncompile {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, module in commands.items():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        p.command_module = module
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
    Parser.json_errors = "--json" in argv
    try:
        args = parser.parse_args(argv)
    finally:
        Parser.json_errors = False
    if not args.command:
        parser.print_help()
        return 2
    module = commands[args.command]
    shown: list[str] = []  # the warning lines, also in the JSON object
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = module.run(args)
            finally:  # an error's JSON object keeps the warnings raised before it, stderr its one line
                shown = [one_line(str(w.message)) for w in caught if issubclass(w.category, UserWarning)]
        for line in shown:
            print(f"warning: {line}", file=sys.stderr)
    except SnnCompileError as exc:
        message = one_line(with_model(named(cli_message(exc), args), args))
        print(f"snncompile {args.command}: error: {message}", file=sys.stderr)
        if args.json:
            print(dumps(error_envelope(args.command, message, error_kind(exc), hint_of(message), exc.exit_code,
                                       shown)), flush=True)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    print(dumps(envelope(args.command, result, shown)) if args.json else module.render(result), flush=True)
    return int(result.get("exit_code", 0))


if __name__ == "__main__":
    sys.exit(main())
