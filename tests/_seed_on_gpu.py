"""Runs a seed program under funcgrad.torch with a GPU available (for tests/test_seed_programs.py):
``python _seed_on_gpu.py [--fake] [--default-cuda] program.py``. --fake: CuPy's CPU stand-in
(tests/fake_cupy.py) is the GPU; --default-cuda: torch.set_default_device("cuda") first, so that
the program's tensors live on the GPU."""
import runpy
import sys
from pathlib import Path


def main(args):
    if "--fake" in args:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import fake_cupy
        sys.modules.update(fake_cupy.MODULES)
    from funcgrad.torch.__main__ import install
    install()
    import torch  # funcgrad.torch
    if "--default-cuda" in args:
        torch.set_default_device("cuda")
    program = args[-1]
    sys.argv = [program]
    runpy.run_path(program, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
