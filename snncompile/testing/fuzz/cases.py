"""Draw fuzz cases: a hostile file (or argument) and a command line that reads it.

Case ``i`` of campaign ``seed`` is a pure function of ``(seed, i)``: the same numbers
give the same files and command lines on any machine, so a failure is reproduced by its
pair (``python -m benchmarks.fuzz --seed S --only I``).

A case picks a file kind (:data:`KIND_WEIGHTS`), a seed network (``dense`` or ``conv``),
a generator of that kind (:mod:`.registry`) and a command that reads that kind of file
(:data:`COMMANDS`), with the other files it needs taken from the valid seeds. Kind
``args`` keeps every file valid and gives an option an absurd value instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from snncompile.testing.fuzz.registry import generators_for
from snncompile.testing.fuzz.seeds import Seeds

#: how often each kind is drawn (relative)
KIND_WEIGHTS = {"nir": 20, "net": 8, "snnir": 12, "snnc": 16, "npz": 18, "toml": 8, "py": 7, "pt": 4, "args": 7}
#: share of model cases run on Lava (about 1 s each)
LAVA_SHARE = 0.01
#: share of cases that write the HTML report (about 2 s each)
REPORT_SHARE = 0.01


@dataclass
class Case:
    """One case: run ``argv`` in ``folder``; ``names`` are what its error should name (the
    hostile file's name, or the option given an absurd value)."""

    seed: int
    index: int
    kind: str
    generator: str
    description: str
    argv: list[str]
    folder: Path
    names: list[str] = field(default_factory=list)

    def label(self) -> str:
        return f"case {self.seed}:{self.index} [{self.kind}/{self.generator}] {self.description}"


Command = Callable[[np.random.Generator, "Ctx"], list[str]]


@dataclass
class Ctx:
    """What a command line is built from: the hostile file and the valid seeds."""

    seeds: Seeds
    net: str  # "dense" or "conv"
    path: str  # the hostile file (or a valid seed for kind "args")

    def seed(self, kind: str) -> str:
        files = self.seeds.files[kind]
        return str(files.get(self.net, files["dense"]))


T = TypeVar("T")


def _pick(rng: np.random.Generator, items: Sequence[T]) -> T:
    return items[int(rng.integers(0, len(items)))]


def _simulate_backend(rng: np.random.Generator, integer: bool) -> list[str]:
    if rng.random() < LAVA_SHARE:
        return ["--backend", "lava"]
    if integer:
        return [] if rng.random() < 0.7 else ["--backend", "reference"]
    return [] if rng.random() < 0.8 else ["--backend", "emulator"]


def model_commands(rng: np.random.Generator, c: Ctx, integer: bool) -> list[str]:
    """A command that reads ``c.path`` as MODEL."""
    inp = c.seed("npz")
    choices: list[list[str]] = [
        ["inspect", c.path],
        ["export", c.path, "--to", str(_pick(rng, ["nir", "snnir", "onnx"] + (["netx"] * integer))), "-o",
         "out.bin"],
        ["simulate", c.path, "--input", inp, "--no-progress", *_simulate_backend(rng, integer)],
        ["simulate", c.path, "--input", inp, "--no-progress", "--record", "all", "-o", "sim.npz"],
        ["estimate", c.path, "--target", str(_pick(rng, ["loihi2", "speck", "cortex-m4"])), "--input", inp,
         "--no-progress"],
        ["map", c.path, "--target", str(_pick(rng, ["loihi2", "speck"]))],
    ]
    if not integer:
        choices.append(["compile", c.path, "--target", "loihi2", "-o", "out.snnc"] +
                       (["--calibrate", inp] if rng.random() < 0.5 else []))
    if c.path.endswith(".snnc"):
        backends = "reference,emulator,lava" if rng.random() < LAVA_SHARE else "reference,emulator"
        choices.append(["compare", c.path, "--input", inp, "--backends", backends, "--no-progress"])
    if rng.random() < REPORT_SHARE:
        return ["report", c.path, "--input", inp, "--target", "loihi2", "-o", "report.html", "--no-progress"]
    return list(_pick(rng, choices))


def input_commands(rng: np.random.Generator, c: Ctx) -> list[str]:
    """A command that reads ``c.path`` as input data for a valid model."""
    model = str(_pick(rng, [c.seed("nir"), c.seed("snnir"), c.seed("snnc")]))
    choices = [
        ["simulate", model, "--input", c.path, "--no-progress",
         *(_simulate_backend(rng, True) if model.endswith(".snnc") else [])],
        ["compare", c.seed("snnc"), "--input", c.path, "--no-progress"],
        ["estimate", model, "--target", "loihi2", "--input", c.path, "--no-progress"],
        ["compile", c.seed("nir"), "--target", "loihi2", "-o", "out.snnc", "--calibrate", c.path],
    ]
    if c.net == "dense":
        choices.append(["simulate", f"{c.seeds.factory}:factory", "--input", c.path, "--no-progress"])
    return list(_pick(rng, choices))


def target_commands(rng: np.random.Generator, c: Ctx) -> list[str]:
    return list(_pick(rng, [
        ["targets", c.path],
        ["estimate", c.seed("nir"), "--target", c.path, "--input", c.seed("npz"), "--no-progress"],
        ["compile", c.seed("nir"), "--target", c.path, "-o", "out.snnc"],
        ["map", c.seed("nir"), "--target", c.path],
    ]))


def factory_commands(rng: np.random.Generator, c: Ctx) -> list[str]:
    spec = f"{c.path}:factory"
    return list(_pick(rng, [
        ["inspect", spec, "--input-shape", "3"],
        ["simulate", spec, "--input", c.seeds.files["npz"]["dense"].as_posix(), "--no-progress"],
        ["compile", spec, "--input-shape", "3", "-o", "out.snnc"],
        ["export", spec, "--input-shape", "3", "--to", "nir", "-o", "out.nir"],
    ]))


def weights_commands(rng: np.random.Generator, c: Ctx) -> list[str]:
    spec = f"{c.seeds.factory}:factory"
    return list(_pick(rng, [
        ["inspect", spec, "--input-shape", "3", "--weights", c.path],
        ["simulate", spec, "--weights", c.path, "--input", c.seeds.files["npz"]["dense"].as_posix(),
         "--no-progress"],
    ]))


#: option -> absurd values (as the command line spells them; each parses as its type)
ABSURD_OPTIONS: dict[str, list[str]] = {
    "--steps": ["0", "-5", "1000000000", "1000000000000"],
    "--dt": ["0", "-1", "nan", "inf", "1e-320", "1e300"],
    "--samples": ["0", "-1"],
    "--calibrate-samples": ["0", "-3"],
    "--rate": ["-1", "2", "nan", "inf"],
    "--weight-bits": ["0", "-3", "99", "1000000"],
    "--scale": ["nan", "0", "-1", "inf", "1e-320", "fc1=nan", "nosuchlayer=2"],
    "--threshold-scale": ["nan", "0", "-2", "inf"],
    "--weight-exp": ["1000", "-1000", "lif1=99"],
    "--decay-unity": ["0", "-1", "100000000000000000000"],
    "--record": ["nonexistent", ",,,", "y,y"],
    "--input-shape": ["0", "-3", "100000000000", "3,0", "x"],
    "--target": ["nonexistent", "../../etc/passwd", "/dev/null.toml"],
    "--backends": ["emulator", "emulator,emulator", "nonexistent,emulator", ","],
    "--borrow": ["x=y", "loihi2=loihi2", "=", "loihi2"],
}

#: which commands take each option, with a valid base command line (``{m}`` the model,
#: ``{a}`` the artifact, ``{i}`` the input)
OPTION_BASES: dict[str, list[str]] = {
    "simulate": ["simulate", "{m}", "--input", "{i}", "--no-progress"],
    "estimate": ["estimate", "{m}", "--input", "{i}", "--no-progress", "--target", "loihi2"],
    "compile": ["compile", "{m}", "--calibrate", "{i}", "-o", "out.snnc"],
    "compare": ["compare", "{a}", "--input", "{i}", "--no-progress"],
    "map": ["map", "{m}", "--target", "loihi2"],
    "inspect": ["inspect", "{f}"],
}
OPTION_COMMANDS = {
    "--steps": ["simulate", "estimate"], "--dt": ["simulate", "compile", "estimate"], "--samples": ["compare"],
    "--calibrate-samples": ["compile"], "--rate": ["estimate"], "--weight-bits": ["compile", "estimate", "map"],
    "--scale": ["compile"], "--threshold-scale": ["compile"], "--weight-exp": ["compile"],
    "--decay-unity": ["compile"], "--record": ["simulate"], "--input-shape": ["inspect"],
    "--target": ["estimate", "map", "compile"], "--backends": ["compare"], "--borrow": ["estimate"],
}


def option_case(rng: np.random.Generator, c: Ctx) -> tuple[list[str], str]:
    option = str(_pick(rng, sorted(ABSURD_OPTIONS)))
    value = str(_pick(rng, ABSURD_OPTIONS[option]))
    command = str(_pick(rng, OPTION_COMMANDS[option]))
    fill = {"{m}": c.seed("nir"), "{a}": c.seed("snnc"), "{i}": c.seed("npz"), "{f}": f"{c.seeds.factory}:factory"}
    argv = [fill.get(a, a) for a in OPTION_BASES[command]]
    if option == "--target" and "--target" in argv:
        argv = argv[: argv.index("--target")] + argv[argv.index("--target") + 2:]
    return argv + [option, value], f"{option} {value}"


def make_case(seeds: Seeds, seed: int, index: int, workdir: Path) -> Case:
    """Case ``index`` of campaign ``seed``: write its file under ``workdir/case<index>``."""
    rng = np.random.default_rng([seed, index])
    kinds = sorted(KIND_WEIGHTS)
    weights = np.array([KIND_WEIGHTS[k] for k in kinds], float)
    kind = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
    net = "dense" if kind in ("net", "py", "pt") or rng.random() < 0.6 else "conv"
    folder = workdir / f"case{index}"
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "args":
        ctx = Ctx(seeds, net, "")
        argv, description = option_case(rng, ctx)
        named = [*description.split(" ", 1), *(Path(a.split(":")[0]).name for a in argv if "/" in a)]
        return Case(seed, index, kind, "option", description, argv, folder, named)
    source = {"toml": seeds.target, "py": seeds.factory, "pt": seeds.weights}.get(kind)
    if source is None:
        files = seeds.files[kind]
        source = files.get(net, files["dense"])
    gens = generators_for(kind)
    name = sorted(gens)[int(rng.integers(0, len(gens)))]
    out = folder / f"h{index}.{kind}"
    description = gens[name](rng, source, out)
    ctx = Ctx(seeds, net, str(out))
    if kind in ("nir", "snnir", "snnc", "net"):
        argv = model_commands(rng, ctx, integer=kind in ("snnc", "net"))
    elif kind == "npz":
        argv = input_commands(rng, ctx)
    elif kind == "toml":
        argv = target_commands(rng, ctx)
    elif kind == "py":
        argv = factory_commands(rng, ctx)
    else:
        argv = weights_commands(rng, ctx)
    return Case(seed, index, kind, name, description, argv, folder, [out.name])
