"""Chainer MNIST training entry point (the seed's script; runs where Chainer and cupy are installed)."""
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--batchsize", type=int, default=128)
args = parser.parse_args()

import chainer  # noqa: E402  (installed by the framework environment)
import chainermn  # noqa: E402

comm = chainermn.create_communicator("pure_nccl")
print(f"rank {comm.rank}/{comm.size}: chainer {chainer.__version__}, {args.epochs} epochs, batch {args.batchsize}")
