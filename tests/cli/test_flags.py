"""The CLI reports API errors with its flags (one table: snncompile.cli.flags)."""

import numpy as np

from snncompile.cli.flags import FLAGS, cli_message, flag
from snncompile.errors import InputError
from snncompile.ir import Graph, Input, Linear, Output, save_graph


def test_parameters_become_flags_only_where_the_error_lists_them():
    exc = InputError("m.py: pass weights=FILE or input_shape=SHAPE; its dt and weights.pt stay; "
                     "comparator=, dialect= only apply", options=("weights", "input_shape", "comparator", "dialect"))
    assert cli_message(exc) == ("m.py: pass --weights FILE or --input-shape SHAPE; its dt and weights.pt stay; "
                                "--comparator, --from only apply")
    assert cli_message(InputError("weights=x")) == "weights=x"  # options not listed: left alone
    assert cli_message(InputError("all_on_chip=True: 2 node(s)", options=("all_on_chip",))) == "--all-on-chip: 2 node(s)"
    assert cli_message(InputError("borrow=: expected T=D", options=("borrow",))) == "--borrow: expected T=D"
    assert cli_message(InputError("x.npz: time_unit=, binning= do(es) not apply", options=("time_unit", "binning"))) \
        == "x.npz: --time-unit, --bin do(es) not apply"
    assert flag("weight_split") == "--weight-split" == FLAGS["weight_split"] and flag("new_thing") == "--new-thing"


def test_cli_errors_name_flags(run_cli, tmp_path):
    code, _, err = run_cli("inspect", "examples/models.py:braille_lif")
    assert code == 2 and "pass --input-shape SHAPE" in err and "input_shape=" not in err
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=np.ones((2, 2))))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "y")
    save_graph(g, tmp_path / "m.snnir")
    code, _, err = run_cli("inspect", tmp_path / "m.snnir", "--dt", "1e-4")
    assert code == 2 and "fixes its dt (0.001 s); --dt 0.0001 cannot change it" in err
    code, _, err = run_cli("estimate", tmp_path / "m.snnir", "--rate", "2", "--target", "loihi")
    assert code == 2 and "--rate 2.0: a spike probability per step must be in [0, 1]" in err
