"""What a torch.save file holds, found without unpickling it."""

import pickle
import zipfile

import torch
from torch import nn

from snncompile.pickled import module_classes, pickled_classes


class Boom:
    """Unpickling this would run code: the reader must never build it."""

    def __reduce__(self):
        return (exec, ("raise SystemExit('unpickled')",))


def test_a_state_dict_names_no_module_class(tmp_path):
    path = tmp_path / "sd.pt"
    torch.save(nn.Sequential(nn.Linear(3, 2)).state_dict(), path)
    assert "collections.OrderedDict" in pickled_classes(path)
    assert module_classes(path) == []


def test_a_pickled_module_names_its_classes(tmp_path):
    path = tmp_path / "m.pt"
    torch.save(nn.Sequential(nn.Linear(3, 2)), path)
    assert module_classes(path) == ["torch.nn.modules.container.Sequential", "torch.nn.modules.linear.Linear",
                                    "__builtin__.set"]


def test_code_in_the_pickle_is_named_not_run(tmp_path):
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil/data.pkl", pickle.dumps(Boom(), protocol=2))
    assert module_classes(path) in (["builtins.exec"], ["__builtin__.exec"])


def test_other_files_hold_nothing(tmp_path):
    text = tmp_path / "a.pt"
    text.write_text("not a zip")
    assert pickled_classes(text) == [] and pickled_classes(tmp_path / "missing.pt") == []


def test_an_archive_zipfile_cannot_read_holds_nothing(tmp_path):
    """Flags zipfile refuses with NotImplementedError (patched data, bit 5) or
    RuntimeError (encrypted, bit 0): found by the fuzz campaign (case 0:1290)."""
    path = tmp_path / "sd.pt"
    torch.save(nn.Sequential(nn.Linear(3, 2)).state_dict(), path)
    raw = path.read_bytes()
    for bit in (0x20, 0x01):
        data = bytearray(raw)
        at = data.index(b"PK\x01\x02")
        while at >= 0:  # every central directory entry: the flags at offset 8
            data[at + 8] |= bit
            at = data.find(b"PK\x01\x02", at + 4)
        broken = tmp_path / f"flag{bit}.pt"
        broken.write_bytes(bytes(data))
        assert pickled_classes(broken) == [] and module_classes(broken) == []
