import pytest

from snncompile.passes.quantize import spec_from_target


@pytest.fixture(scope="session")
def loihi2():
    """The widths as the targets/loihi2.toml descriptor states them."""
    return spec_from_target("loihi2")
