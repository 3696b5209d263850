"""torch.backends: which accelerators this build has (none beyond the CPU here)."""


class _Backend:
    def __init__(self, name):
        self.__name__ = name

    def is_available(self):
        return False

    def is_built(self):
        return False


mps = _Backend("mps")
cudnn = _Backend("cudnn")
