"""Every generator writes a variant of its seed, the same one for the same numbers."""

import numpy as np
import pytest

from snncompile.testing.fuzz.cases import make_case
from snncompile.testing.fuzz.registry import KINDS, generators_for
from snncompile.testing.fuzz.seeds import make_seeds


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    return make_seeds(tmp_path_factory.mktemp("seeds"))


def _source(seeds, kind):
    return {"toml": seeds.target, "py": seeds.factory, "pt": seeds.weights}.get(kind) or seeds.files[kind]["dense"]


@pytest.mark.parametrize("kind", KINDS)
def test_generators_are_deterministic(seeds, tmp_path, kind):
    for name, generate in generators_for(kind).items():
        texts, contents = [], []
        for run in range(2):
            out = tmp_path / f"{name}{run}.{kind}"
            texts.append(generate(np.random.default_rng(7), _source(seeds, kind), out))
            contents.append(out.read_bytes() if out.exists() else None)
        assert texts[0] == texts[1] and texts[0], (kind, name)
        if kind not in ("pt", "nir", "net"):  # torch and HDF5 files embed addresses or times of their own
            assert contents[0] == contents[1], (kind, name)


def test_cases_are_a_function_of_seed_and_index(seeds, tmp_path):
    a = make_case(seeds, 3, 17, tmp_path / "a")
    b = make_case(seeds, 3, 17, tmp_path / "b")
    assert (a.kind, a.generator, a.description) == (b.kind, b.generator, b.description)
    assert [x.replace(str(tmp_path / "a"), "") for x in a.argv] == [x.replace(str(tmp_path / "b"), "") for x in b.argv]
