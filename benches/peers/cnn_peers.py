#!/usr/bin/env python3
"""Peers of benches/cnn.rs: the same MNIST-shaped CNN trained with plain SGD on the same synthetic
data, one thread, in PyTorch (a standard loop) and JAX (a jit-compiled step called per batch, and a
whole epoch compiled as one lax.scan). Documentation only: nothing in the crate runs it.

Model (PyTorch's names): Conv2d(1, 16, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Conv2d(16, 32, 3,
padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(1568, 64) -> ReLU -> Linear(64, 10), softmax
cross-entropy averaged over the batch, SGD at lr 0.01, float32, NCHW.

Data: 1,024 examples; pixel j of example i is ((7919 i + 104729 j) mod 1000) / 1000 - 0.5 and its
class is i mod 10 (what benches/cnn.rs builds). An epoch visits them in one fixed shuffled order, in
batches of B (1, 32 and 128 divide 1,024: no partial batch).

Threads: torch.set_num_threads(1) and set_num_interop_threads(1); XLA with
--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1 (set before jax is imported).

Usage (a venv with numpy, jax[cpu] and torch):
    python cnn_peers.py [--stacks torch,jax,jax-scan] [--batch-sizes 1,32,128] [--epochs 3] [--repeats 3]
Each (stack, B) runs in a fresh process, repeats interleaved; the table gives the median over
processes of each process's median epoch time, as examples per second.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

N, FEATURES, CLASSES, LR = 1024, 784, 10, 0.01


def data():
    import numpy as np

    i = np.arange(N, dtype=np.int64)[:, None]
    j = np.arange(FEATURES, dtype=np.int64)[None, :]
    x = (((7919 * i + 104729 * j) % 1000) / 1000.0 - 0.5).astype(np.float32)
    y = (np.arange(N) % CLASSES).astype(np.int64)
    order = np.random.default_rng(1).permutation(N)
    return x.reshape(N, 1, 28, 28), y, order


def run_torch(b: int, epochs: int) -> list[float]:
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    x, y, order = data()
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1568, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    batches = [torch.from_numpy(order[s:s + b]) for s in range(0, N, b)]

    def epoch():
        for idx in batches:
            opt.zero_grad(set_to_none=True)
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()

    epoch()  # warm-up
    times = []
    for _ in range(epochs):
        t = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t)
    return times


def jax_model():
    import jax
    import jax.numpy as jnp
    from jax import lax

    def conv(p, x):
        out = lax.conv_general_dilated(x, p["w"], (1, 1), "SAME", dimension_numbers=("NCHW", "OIHW", "NCHW"))
        return out + p["b"][None, :, None, None]

    def pool(x):
        return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    def loss(params, x, y):
        h = pool(jax.nn.relu(conv(params["c1"], x)))
        h = pool(jax.nn.relu(conv(params["c2"], h)))
        h = h.reshape(h.shape[0], -1)
        h = jax.nn.relu(h @ params["d1"]["w"] + params["d1"]["b"])
        logits = h @ params["d2"]["w"] + params["d2"]["b"]
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))

    def step(params, x, y):
        grads = jax.grad(loss)(params, x, y)
        return jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads)

    def init():
        import numpy as np

        rng = np.random.default_rng(0)
        he = lambda shape, fan_in: (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        zeros = lambda n: np.zeros(n, np.float32)
        return {
            "c1": {"w": he((16, 1, 3, 3), 9), "b": zeros(16)},
            "c2": {"w": he((32, 16, 3, 3), 144), "b": zeros(32)},
            "d1": {"w": he((1568, 64), 1568), "b": zeros(64)},
            "d2": {"w": he((64, 10), 64), "b": zeros(10)},
        }

    return step, init


def run_jax(b: int, epochs: int, scan: bool) -> list[float]:
    import jax
    import jax.numpy as jnp
    import numpy as np

    step, init = jax_model()
    x, y, order = data()
    params = jax.device_put(init())
    if scan:
        xs = jnp.asarray(x[order].reshape(N // b, b, 1, 28, 28))
        ys = jnp.asarray(y[order].reshape(N // b, b))

        @jax.jit
        def epoch_fn(params, xs, ys):
            return jax.lax.scan(lambda p, batch: (step(p, *batch), None), params, (xs, ys))[0]

        def epoch(params):
            return jax.block_until_ready(epoch_fn(params, xs, ys))
    else:
        jstep = jax.jit(step)
        batches = [(x[order[s:s + b]], y[order[s:s + b]]) for s in range(0, N, b)]

        def epoch(params):
            for xb, yb in batches:
                params = jstep(params, xb, yb)
            return jax.block_until_ready(params)

    params = epoch(params)  # warm-up: compilation
    times = []
    for _ in range(epochs):
        t = time.perf_counter()
        params = epoch(params)
        times.append(time.perf_counter() - t)
    return times


def worker(stack: str, b: int, epochs: int) -> None:
    if stack == "torch":
        times = run_torch(b, epochs)
    else:
        times = run_jax(b, epochs, scan=stack == "jax-scan")
    print(json.dumps({"stack": stack, "b": b, "times": times}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stacks", default="torch,jax,jax-scan")
    ap.add_argument("--batch-sizes", default="1,32,128")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--worker", nargs=2, metavar=("STACK", "B"))
    args = ap.parse_args()
    if args.worker:
        return worker(args.worker[0], int(args.worker[1]), args.epochs)
    env = dict(os.environ, XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    pairs = [(s, int(b)) for s in args.stacks.split(",") for b in args.batch_sizes.split(",")]
    results: dict[tuple[str, int], list[float]] = {p: [] for p in pairs}
    for _ in range(args.repeats):
        for stack, b in pairs:
            out = subprocess.run([sys.executable, __file__, "--worker", stack, str(b), "--epochs", str(args.epochs)],
                                 env=env, capture_output=True, text=True, check=True).stdout
            results[(stack, b)].append(statistics.median(json.loads(out.strip().splitlines()[-1])["times"]))
    print("| stack | B | s/epoch (median) | examples/s |")
    print("|---|---:|---:|---:|")
    for (stack, b), medians in results.items():
        s = statistics.median(medians)
        print(f"| {stack} | {b} | {s:.4f} | {N / s:,.0f} |")


if __name__ == "__main__":
    main()
