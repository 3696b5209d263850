"""torch.backends: the accelerator libraries this build has: neither MPS nor cuDNN (CUDA GPUs,
where there are some, run through CuPy: see torch.cuda)."""


class _Backend:
    def __init__(self, name):
        self.__name__ = name

    def is_available(self):
        return False

    def is_built(self):
        return False


mps = _Backend("mps")
cudnn = _Backend("cudnn")
