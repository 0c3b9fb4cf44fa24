import subprocess
import sys

from snncompile.backends.lava.compat import INSTALL_HINT


def test_plain_import_of_lava_fails_without_the_hook_and_works_with_it():
    """The hook is what makes Lava importable on 3.11 (if Lava ever imports without it,
    this test says the hook can go)."""
    code = "import lava.magma.compiler.var_model"
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    if sys.version_info >= (3, 11):
        assert plain.returncode != 0 and "mutable default" in plain.stderr
    hooked = subprocess.run(
        [sys.executable, "-c", "from snncompile.backends.lava.compat import ensure_lava; ensure_lava(); " + code],
        capture_output=True, text=True, timeout=120,
    )
    assert hooked.returncode == 0, hooked.stderr


def test_install_hint_names_the_command():
    assert "pip install --no-deps --ignore-requires-python lava-nc==0.10.0" in INSTALL_HINT


def test_lava_imports_after_the_start_method_was_fixed_elsewhere():
    # anything that calls get_start_method() first fixes the context; Lava's own
    # set_start_method('fork') would then raise "context has already been set"
    code = (
        "import multiprocessing as mp; mp.get_start_method(); "
        "from snncompile.backends.lava.compat import ensure_lava; ensure_lava(); "
        "import lava.proc.lif.process; print(mp.get_start_method())"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "fork"
