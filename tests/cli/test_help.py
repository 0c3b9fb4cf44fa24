"""issue 16 part 7: every command's --help shows examples and the targets' names."""

import re

import pytest

from snncompile.cli.main import COMMANDS, main
from snncompile.targets import list_targets


def help_text(command: str, capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_examples_and_the_registry_targets(command, capsys):
    text = help_text(command, capsys)
    examples = text.split("\nexamples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert 2 <= len(examples) <= 3, examples
    assert all(line.startswith(f"  snncompile {command}") for line in examples), examples
    (listed,) = re.findall(r"^targets: (.*) \(or a target \.toml file\)$", text, re.M)
    assert listed.split(", ") == list_targets()


def test_examples_keep_their_line_breaks_and_name_only_real_options(capsys):
    """The examples are runnable as written: each option they use is one the command has."""
    for command in COMMANDS:
        text = help_text(command, capsys)
        usage, examples = text.split("\nexamples:\n", 1)
        for line in examples.split("\n\n", 1)[0].splitlines():
            for option in re.findall(r"\s(--?[a-z][a-z-]*)", line):
                assert option in usage, (command, option)
