"""Hooks of the example gallery, referenced by name from ``conf.py``."""

import torch


def one_torch_thread(gallery_conf, fname):
    """Run each example on one torch thread.

    The examples are small: on the 2-core machines that build the docs, torch's
    worker threads spend more time waking and spinning than computing (the
    spiral example took 2.8 times the CPU time with them).
    """
    torch.set_num_threads(1)
