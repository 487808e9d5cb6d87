"""gradspec.distributed on a LocalCluster of 2 worker processes (one cluster for the module):
trajectories equal to one process's on the concatenated data, a worker killed mid-step, data
larger than a worker's memory limit streamed from disk, and every data error before a step."""

from __future__ import annotations

import json
import logging
import os
import re
import sys

import numpy as np
import pytest

pytest.importorskip("distributed", reason="gradspec.distributed needs Dask: pip install "
                                          "'gradspec[dask]'")

import cloudpickle  # noqa: E402  (a dependency of distributed)
import dask  # noqa: E402
import dask.array as da  # noqa: E402

import gradspec  # noqa: E402
from gradspec import distributed, nn, optim  # noqa: E402
from gradspec.distributed import transport, worker  # noqa: E402

# The workers cannot import this test module: the models and objectives defined here travel
# by value, as those of a user's script do.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

#: Low, so that the larger-than-memory test needs only a few hundred MiB on disk.  A worker
#: holds 90-150 MiB before any data (Python, numpy, dask.array and what it imports).
MEMORY_LIMIT = 256 << 20
TOLERANCE = 1e-10


@pytest.fixture(scope="module", autouse=True)
def same_environment():
    """Dask's nannies set OMP_NUM_THREADS=1 and the like in this process's environment before
    they start a worker; later tests (and their subprocesses) must not inherit them."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def client(same_environment):
    # Dask pauses a worker above 80% of its limit and waits for memory that streaming never
    # frees (there is nothing to spill): here the limit itself is the test, enforced by the
    # nanny, which restarts a worker above 95%.
    with dask.config.set({"distributed.worker.memory.pause": False}):
        c = distributed.connect("local:2", memory_limit=MEMORY_LIMIT, silence_logs=logging.ERROR)
    yield c
    c.close()


@pytest.fixture(scope="module")
def torch():
    return gradspec.load_backend("numpy")


def make_data(rows=1000, features=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, features))
    w = rng.standard_normal(features)
    y = (rng.random(rows) < 1 / (1 + np.exp(-(x @ w)))).astype(np.float64)
    return x, y


def mlp(torch, features=5, hidden=4, seed=1):
    """A small MLP with a fixed start (the same on the driver and in the reference run)."""
    model = nn.Sequential(nn.Linear(features, hidden, backend=torch, dtype=torch.float64),
                          nn.Tanh(),
                          nn.Linear(hidden, 1, backend=torch, dtype=torch.float64), nn.Sigmoid())
    rng = np.random.default_rng(seed)
    model.load_state_dict({k: rng.uniform(-0.5, 0.5, tuple(v.shape))
                           for k, v in model.state_dict().items()})
    return model


def bce_objective(model, x, y):
    return nn.BCELoss()(model(x).squeeze(1), y)


def snapshot(model):
    return np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])


def local_trajectory(torch, model, optimizer, x, y, batches, objective=bce_objective):
    """The single-process run: losses and parameters after every step."""
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    losses, params = [], []
    for rows in batches:
        if rows is None:
            loss = objective(model, X, Y)
        else:
            index = torch.from_numpy(np.asarray(rows))
            loss = objective(model, X[index], Y[index])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        params.append(snapshot(model))
    return np.array(losses), np.array(params)


def distributed_trajectory(trainer, optimizer, batches):
    losses, params = [], []
    for rows in batches:
        losses.append(trainer.backward(rows))
        optimizer.step()
        optimizer.zero_grad()
        params.append(snapshot(trainer.model))
    return np.array(losses), np.array(params)


def assert_same(ours, reference, tolerance=TOLERANCE):
    for a, b in zip(ours, reference):
        assert a.shape == b.shape
        assert np.max(np.abs(a - b)) <= tolerance, np.max(np.abs(a - b))


@pytest.fixture(scope="module")
def data(client):
    """1,000 rows in uneven shards (300, 300, 300, 100), persisted once for the module."""
    x, y = make_data()
    sharded = distributed.ShardedData(x, y, client, chunk_rows=300)
    yield x, y, sharded
    sharded.close()


# ------------------------------------------------------------------------------ trajectories
@pytest.mark.parametrize("inline", [True, False], ids=["parameters-inline", "parameters-task"])
def test_full_batch_trajectory_equals_one_process(torch, data, monkeypatch, inline):
    from gradspec.distributed import parallel

    if not inline:  # the path large models take: parameters as one task of their own per step
        monkeypatch.setattr(parallel, "INLINE_PARAMETERS", 0)
    x, y, sharded = data
    assert sharded.persisted and sharded.row_chunks == (300, 300, 300, 100)
    steps = [None] * 12
    ref_model = mlp(torch)
    reference = local_trajectory(torch, ref_model,
                                 optim.SGD(ref_model.parameters(), lr=0.5, momentum=0.9), x, y,
                                 steps)
    model = mlp(torch)
    trainer = distributed.DataParallel(model, None, sharded, objective=bce_objective)
    ours = distributed_trajectory(trainer, optim.SGD(model.parameters(), lr=0.5, momentum=0.9),
                                  steps)
    assert_same(ours, reference)
    assert reference[0][-1] < reference[0][0]  # it trains


def test_mini_batch_trajectory_equals_one_process(torch, data):
    x, y, sharded = data
    # 128 does not divide 1,000: the last batch of each epoch has 104 rows.
    steps = [b for epoch in range(2)
             for b in sharded.batches(128, shuffle=True, seed=7, epoch=epoch)]
    assert len(steps) == 16 and len(steps[7]) == 104
    ref_model = mlp(torch)
    reference = local_trajectory(torch, ref_model, optim.Adam(ref_model.parameters(), lr=0.05),
                                 x, y, steps)
    model = mlp(torch)
    trainer = distributed.DataParallel(model, None, sharded, objective=bce_objective)
    ours = distributed_trajectory(trainer, optim.Adam(model.parameters(), lr=0.05), steps)
    assert_same(ours, reference)


@pytest.mark.parametrize("case", ["mse-sum", "cross-entropy"])
def test_other_losses_and_label_dtypes(torch, client, case):
    """A sum-reduced loss (no division by the batch) and integer class labels."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((500, 3))
    if case == "mse-sum":
        y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.standard_normal((500, 1))
        loss_fn = nn.MSELoss(reduction="sum")
        make = lambda: nn.Linear(3, 1, backend=torch, dtype=torch.float64)  # noqa: E731
        lr = 1e-4
    else:
        y = rng.integers(0, 4, 500)
        loss_fn = nn.CrossEntropyLoss()
        make = lambda: nn.Linear(3, 4, backend=torch, dtype=torch.float64)  # noqa: E731
        lr = 0.5

    def model():
        m = make()
        m.load_state_dict({k: np.full(tuple(v.shape), 0.1) for k, v in m.state_dict().items()})
        return m

    def objective(m, xb, yb):
        return loss_fn(m(xb), yb)

    ref = model()
    reference = local_trajectory(torch, ref, optim.SGD(ref.parameters(), lr=lr), x, y,
                                 [None] * 5, objective)
    with distributed.ShardedData(x, y, client, chunk_rows=128) as sharded:
        ours_model = model()
        trainer = distributed.DataParallel(ours_model, loss_fn, sharded)
        assert trainer.reduction == ("sum" if case == "mse-sum" else "mean")
        ours = distributed_trajectory(trainer, optim.SGD(ours_model.parameters(), lr=lr),
                                      [None] * 5)
    assert_same(ours, reference, TOLERANCE * max(1.0, abs(reference[0][0])))


def test_streamed_data_gives_the_same_bits_as_persisted(torch, client, data):
    x, y, persisted = data
    streamed = distributed.ShardedData(x, y, client, chunk_rows=300, persist=False)
    assert not streamed.persisted
    results = []
    for sharded in (persisted, streamed):
        model = mlp(torch)
        trainer = distributed.DataParallel(model, None, sharded, objective=bce_objective)
        results.append(distributed_trajectory(trainer, optim.SGD(model.parameters(), lr=0.5),
                                              [None] * 3 + sharded.batches(256, seed=1)))
    assert len(results[1][0]) == 3 + 4  # three full-batch steps, four mini-batches
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


class WithUnused(nn.Module):
    def __init__(self, net, unused):
        super().__init__()
        self.net, self.unused = net, unused

    def forward(self, x):
        return self.net(x)


def backend_name(model, x, y):
    return float(gradspec.backend_of(x).name == "strict")


def test_workers_load_any_backend_by_name(torch, client, data):
    """The driver's model is on numpy; the workers rebuild it on array_api_strict."""
    x, y, _ = data
    runs = []
    for backend in ("numpy", "strict"):
        with distributed.ShardedData(x, y, client, backend=backend, chunk_rows=300) as sharded:
            model = mlp(torch)
            trainer = distributed.DataParallel(model, None, sharded, objective=bce_objective)
            assert trainer.evaluate(backend_name) == (4.0 if backend == "strict" else 0.0)
            runs.append(distributed_trajectory(trainer, optim.SGD(model.parameters(), lr=0.5),
                                               [None] * 2 + sharded.batches(400, seed=3)))
    assert_same(runs[1], runs[0])


def test_gradients_accumulate_like_backward(torch, data):
    """Two backward calls without zero_grad add up, as loss.backward() does; unused
    parameters keep grad None."""
    sharded = data[2]
    model = WithUnused(mlp(torch), nn.Linear(2, 2, backend=torch, dtype=torch.float64))
    trainer = distributed.DataParallel(model, None, sharded, objective=bce_objective)
    trainer.backward()
    first = model.net[0].weight.grad.detach().numpy().copy()
    trainer.backward()
    np.testing.assert_allclose(model.net[0].weight.grad.detach().numpy(), 2 * first, rtol=1e-12)
    assert model.unused.weight.grad is None


def test_evaluate_sums_over_shards(torch, data):
    x, y, sharded = data
    model = mlp(torch)
    trainer = distributed.DataParallel(model, None, sharded, objective=bce_objective)
    hits = trainer.evaluate(lambda m, xb, yb: ((m(xb).squeeze(1) >= 0.5).float() == yb).sum())
    expected = ((model(torch.from_numpy(x)).squeeze(1) >= 0.5).float()
                == torch.from_numpy(y)).sum().item()
    assert hits == expected
    pair = trainer.evaluate(lambda m, xb, yb: (xb.sum(0), yb.sum()))
    np.testing.assert_allclose(pair[0], x.sum(0), rtol=1e-12)
    assert pair[1] == pytest.approx(y.sum())


# ------------------------------------------------------------------------------ faults
class KillOnce:
    """An objective that ends its worker's process mid-step, once: the first task that finds
    the marker file removes it (one task wins the race) and exits without cleaning up."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __call__(self, model, x, y):
        try:
            os.unlink(self.marker)
        except FileNotFoundError:
            pass
        else:
            os._exit(1)
        return bce_objective(model, x, y)


def test_killed_worker_changes_nothing(torch, client, tmp_path):
    x, y = make_data(seed=5)
    steps = [None] * 3 + [b for e in range(2) for b in distributed.batch_indices(
        1000, 300, seed=2, epoch=e)]
    marker = tmp_path / "kill-a-worker"
    runs = []
    for kill in (False, True):
        with distributed.ShardedData(x, y, client, chunk_rows=250) as sharded:
            model = mlp(torch)
            trainer = distributed.DataParallel(model, None, sharded, objective=KillOnce(marker))
            optimizer = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
            pids = set(client.run(os.getpid).values())
            first = distributed_trajectory(trainer, optimizer, steps[:4])
            if kill:
                marker.touch()  # the next step's first task kills its worker
            rest = distributed_trajectory(trainer, optimizer, steps[4:])
            assert not marker.exists()
            if kill:
                client.wait_for_workers(2, timeout=60)
                assert set(client.run(os.getpid).values()) != pids  # a worker was replaced
            runs.append(tuple(np.concatenate([a, b]) for a, b in zip(first, rest)))
    # Exactly the undisturbed run: no shard's gradient lost or counted twice, the same bits.
    np.testing.assert_array_equal(runs[1][0], runs[0][0])
    np.testing.assert_array_equal(runs[1][1], runs[0][1])
    ref_model = mlp(torch)
    reference = local_trajectory(torch, ref_model,
                                 optim.SGD(ref_model.parameters(), lr=0.5, momentum=0.9), x, y,
                                 steps)
    assert_same(runs[1], reference)


# ------------------------------------------------------------------------------ data errors
def _dask(x, rows):
    return da.from_array(x, chunks=(rows,) + x.shape[1:])


def per_row_objective(model, x, y):
    return nn.BCELoss(reduction="none")(model(x).squeeze(1), y)


@pytest.mark.parametrize("case, fragments", [
    ("nan-x", ["X has 2 NaN or infinite values", "rows 250-499", "nan_to_num"]),
    ("inf-y", ["y has 1 NaN or infinite values", "rows 750-999"]),
    ("int-x", ["X has dtype int64", "astype"]),
    ("bool-y", ["y has dtype bool", "astype"]),
    ("rows", ["X has 1000 rows but y has 999"]),
    ("chunks", ["different row chunks", "(250, 250, 250, 250)", "(500, 500)", "rechunk"]),
    ("unknown-chunks", ["unknown chunk sizes", "compute_chunk_sizes"]),
    ("model-dtype", ["X has dtype float32", "float64", "astype"]),
    ("shapes", ["objective fails on the first rows", "target shape"]),
    ("not-scalar", ["must return a scalar"]),
])
def test_data_errors_come_before_the_first_step(torch, client, case, fragments):
    x, y = make_data()
    loss_fn, objective = None, bce_objective
    if case == "nan-x":
        x[260, 1] = x[300, 0] = np.nan
    elif case == "inf-y":
        y[800] = np.inf
    elif case == "int-x":
        x = x.astype(np.int64)
    elif case == "bool-y":
        y = y.astype(bool)
    elif case == "rows":
        y = y[:-1]
    elif case == "model-dtype":
        x = x.astype(np.float32)
    elif case == "shapes":
        loss_fn, objective = nn.BCELoss(), None  # (rows, 1) output against (rows,) targets
    elif case == "not-scalar":
        objective = per_row_objective
    X, Y = _dask(x, 250), _dask(y, 250)
    if case == "chunks":
        Y = _dask(y, 500)
    elif case == "unknown-chunks":
        X = X[da.from_array(np.ones(1000, bool), chunks=250)]
    model = mlp(torch)
    before = snapshot(model)
    with pytest.raises(distributed.DataError) as info:
        sharded = distributed.ShardedData(X, Y, client)
        try:
            trainer = distributed.DataParallel(model, loss_fn, sharded, objective=objective)
            trainer.backward()
        finally:
            sharded.close()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert all(p.grad is None for p in model.parameters())
    np.testing.assert_array_equal(snapshot(model), before)


def test_cluster_and_argument_errors(torch, client, data, monkeypatch):
    from gradspec.distributed import data as data_module

    x, y, sharded = data
    with pytest.raises(distributed.ClusterError, match="cannot load backend 'no-such'"):
        distributed.ShardedData(x, y, client, backend="no-such")
    with monkeypatch.context() as patch:
        patch.setattr(data_module, "__version__", "0.0.1")
        with pytest.raises(distributed.ClusterError, match="same version everywhere"):
            distributed.ShardedData(x, y, client)
    with pytest.raises(TypeError, match="loss_fn"):
        distributed.DataParallel(mlp(torch), None, sharded)
    with pytest.raises(ValueError, match="reduction"):
        distributed.DataParallel(mlp(torch), nn.BCELoss(reduction="none"), sharded,
                                 reduction="none")
    trainer = distributed.DataParallel(mlp(torch), None, sharded, objective=bce_objective)
    with pytest.raises(IndexError, match="out of range for 1000 rows"):
        trainer.backward(np.array([3, 1000]))
    with pytest.raises(IndexError, match="integer"):
        trainer.backward(np.array([0.5]))


# ------------------------------------------------------------------------------ on disk
def test_data_larger_than_a_worker_memory_limit_streams_from_disk(torch, client, tmp_path):
    features = 16
    rows = (2 * MEMORY_LIMIT) // (features * 8) + 1000  # X alone is twice a worker's limit
    rng = np.random.default_rng(11)
    x = rng.random((rows, features)) - 0.5
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.float64)
    path = distributed.save_dataset(tmp_path / "big", x, y)
    del x, y
    assert (path / "x.npy").stat().st_size >= 2 * MEMORY_LIMIT
    X, Y = distributed.open_dataset(path, chunk_rows=200_000)  # blocks of 25.6 MB
    pids = client.run(os.getpid)
    steps = [None] * 2

    def start(model):
        model.load_state_dict({"0.weight": np.full((1, features), 0.5), "0.bias": [0.0]})
        return model

    with distributed.ShardedData(X, Y, client) as sharded:
        assert not sharded.persisted  # it does not fit, so it is streamed
        model = start(nn.Sequential(nn.Linear(features, 1, backend=torch, dtype=torch.float64),
                                    nn.Sigmoid()))
        trainer = distributed.DataParallel(model, None, sharded, objective=bce_objective)
        ours = distributed_trajectory(trainer, optim.SGD(model.parameters(), lr=1.0), steps)
    assert client.run(os.getpid) == pids  # no worker went over its limit (and was restarted)
    ref = start(nn.Sequential(nn.Linear(features, 1, backend=torch, dtype=torch.float64),
                              nn.Sigmoid()))
    x, y = np.load(path / "x.npy", mmap_mode="r"), np.load(path / "y.npy", mmap_mode="r")
    reference = local_trajectory(torch, ref, optim.SGD(ref.parameters(), lr=1.0),
                                 np.asarray(x), np.asarray(y), steps)
    assert_same(ours, reference)


def test_zarr_dataset(torch, client, tmp_path):
    pytest.importorskip("zarr")
    x, y = make_data(rows=600)
    distributed.save_dataset(tmp_path / "d.zarr", _dask(x, 200), _dask(y, 200), format="zarr")
    X, Y = distributed.open_dataset(tmp_path / "d.zarr")
    with distributed.ShardedData(X, Y, client) as sharded:
        model = mlp(torch)
        trainer = distributed.DataParallel(model, None, sharded, objective=bce_objective)
        ours = distributed_trajectory(trainer, optim.SGD(model.parameters(), lr=0.5), [None] * 2)
    ref = mlp(torch)
    assert_same(ours, local_trajectory(torch, ref, optim.SGD(ref.parameters(), lr=0.5), x, y,
                                       [None] * 2))


def test_open_dataset_errors(tmp_path):
    with pytest.raises(distributed.DataError, match="no dataset at"):
        distributed.open_dataset(tmp_path / "missing")
    with pytest.raises(distributed.DataError, match="x.npy and y.npy"):
        distributed.open_dataset(tmp_path)
    np.save(tmp_path / "x.npy", np.zeros((4, 2)))
    np.save(tmp_path / "y.npy", np.zeros(3))
    with pytest.raises(distributed.DataError, match="x.npy has 4 rows but y.npy has 3"):
        distributed.open_dataset(tmp_path)


# ------------------------------------------------------------------------------ shards on workers
def test_shards_are_aligned_where_they_live(client):
    # A view at an odd address, as arrays arrive after a transfer: the shard is a fresh copy.
    raw = np.zeros(8 * 100 * 3 + 1, dtype=np.uint8)[1:].view(np.float64).reshape(100, 3)
    assert not raw.flags.aligned
    made = worker.aligned(raw)
    assert made.ctypes.data % worker.ALIGNMENT == 0 and made.flags.c_contiguous
    assert worker.aligned(made) is made  # kept as it is once it is
    x, y = make_data(rows=400)
    with distributed.ShardedData(x, y, client, chunk_rows=100) as sharded:
        summaries = client.gather(client.map(worker.summary, sharded._shards))
    assert [s["rows"] for s in summaries] == [100] * 4
    assert all(s["aligned"] for s in summaries)


# ------------------------------------------------------------------------------ pieces
def test_batch_indices_are_seeded_permutations():
    epoch0 = distributed.batch_indices(10, 4, seed=3, epoch=0)
    assert [len(b) for b in epoch0] == [4, 4, 2]
    assert sorted(np.concatenate(epoch0).tolist()) == list(range(10))
    again = distributed.batch_indices(10, 4, seed=3, epoch=0)
    assert all(np.array_equal(a, b) for a, b in zip(epoch0, again))
    epoch1 = np.concatenate(distributed.batch_indices(10, 4, seed=3, epoch=1))
    assert not np.array_equal(np.concatenate(epoch0), epoch1)
    assert [len(b) for b in distributed.batch_indices(10, 4, drop_last=True)] == [4, 4]
    plain = distributed.batch_indices(5, 2, shuffle=False)
    assert [b.tolist() for b in plain] == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        distributed.batch_indices(10, 0)


def test_select_splits_rows_by_shard(data):
    _, _, sharded = data  # shards of 300, 300, 300, 100 rows
    assert sharded.select(None) == [(0, None), (1, None), (2, None), (3, None)]
    parts = sharded.select(np.r_[905, 0:300, 310:320, 601, 650])
    assert [i for i, _ in parts] == [0, 1, 2, 3]
    assert parts[0][1] is None and parts[1][1] == slice(10, 20)
    np.testing.assert_array_equal(parts[2][1], [1, 50])
    assert parts[3][1] == slice(5, 6)  # one row is a range too
    twice = sharded.select(np.array([4, 4]))  # a row drawn twice counts twice, as x[idx] does
    np.testing.assert_array_equal(twice[0][1], [4, 4])


def test_parse_scheduler():
    assert distributed.parse_scheduler("local:3") == ("local", 3)
    assert distributed.parse_scheduler("local")[0] == "local"
    assert distributed.parse_scheduler("tcp://10.0.0.1:8786") == ("address", "tcp://10.0.0.1:8786")
    for bad in ("local:0", "local:x", "10.0.0.1:8786", "cluster"):
        with pytest.raises(ValueError, match="tcp://HOST:PORT"):
            distributed.parse_scheduler(bad)


class Tied(nn.Module):
    """Two layers sharing one weight, a buffer and a reference to the backend."""

    def __init__(self, torch):
        super().__init__()
        self.first = nn.Linear(3, 3, backend=torch, dtype=torch.float64)
        self.second = nn.Linear(3, 3, backend=torch, dtype=torch.float64)
        self.second.weight = self.first.weight
        self.register_buffer("scale", torch.tensor([2.0], dtype=torch.float64))
        self.backend = torch

    def forward(self, x):
        return self.second(self.first(x)) * self.scale


def test_transport_keeps_structure_buffers_and_tied_weights(torch):
    model = Tied(torch)
    params = list(model.parameters())
    blob = transport.pack(model, bce_objective, params)
    copy, objective, copied = transport.unpack(blob, torch)
    assert len(copied) == len(params) == 3
    assert copy.second.weight is copy.first.weight and copy.backend is torch
    assert copy.scale.tolist() == [2.0] and objective is not None
    assert all(np.all(p.detach().numpy() == 0) for p in copied)  # values come every step
    assert len(blob) < 20_000  # the structure only


# ------------------------------------------------------------------------------ the command
def run_cli(capsys, *args):
    from gradspec import cli

    rc = cli.main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_trains_the_tutorial_on_a_running_scheduler(capsys, client, tmp_path):
    address = client.scheduler.address
    rc, out, err = run_cli(capsys, "run", "logreg", "--scheduler", address, "-n", "21",
                           "--json", str(tmp_path / "dask.json"), "--plot", str(tmp_path))
    assert rc == 0, err
    assert re.search(rf"scheduler +{address}\n", out) and re.search(r"shards +2\n", out)
    rc, _, err = run_cli(capsys, "run", "logreg", "-n", "21", "--json",
                         str(tmp_path / "local.json"))
    assert rc == 0, err
    ours = json.loads((tmp_path / "dask.json").read_text())
    local = json.loads((tmp_path / "local.json").read_text())
    assert set(ours) == set(local) and ours["iterations"] == local["iterations"] == 21
    # float32 data: the same trajectory to float32 rounding (sums taken in another order)
    np.testing.assert_allclose(ours["losses"], local["losses"], rtol=1e-5)
    assert [c["accuracy"] for c in ours["checkpoints"]] == \
        [c["accuracy"] for c in local["checkpoints"]]
    for name in ("logreg_checkpoints.png", "logreg_final.png", "logreg_curve.png"):
        assert (tmp_path / name).stat().st_size > 1000


@pytest.mark.parametrize("workload", ["linefit", "quadratic"])
def test_cli_other_workloads_on_dask(capsys, client, tmp_path, workload):
    rc, _, err = run_cli(capsys, "run", workload, "--scheduler", client.scheduler.address,
                         "-n", "30", "--json", str(tmp_path / "dask.json"))
    assert rc == 0, err
    rc, _, err = run_cli(capsys, "run", workload, "-n", "30", "--json",
                         str(tmp_path / "local.json"))
    assert rc == 0, err
    ours = json.loads((tmp_path / "dask.json").read_text())
    local = json.loads((tmp_path / "local.json").read_text())
    np.testing.assert_allclose(ours["losses"], local["losses"], rtol=1e-5)


def test_cli_data_on_disk(capsys, client, tmp_path):
    X, y = distributed.logistic(3000, 2, chunk_rows=1000, seed=4, dtype="float32")
    distributed.save_dataset(tmp_path / "data", X, y)
    rc, out, err = run_cli(capsys, "run", "logreg", "--scheduler", client.scheduler.address,
                           "--data", str(tmp_path / "data"), "-n", "5", "--plot", str(tmp_path))
    assert rc == 0, err
    assert re.search(r"rows +3000\n", out) and re.search(r"persisted +True\n", out)
    assert (tmp_path / "logreg_final.png").exists()  # two features: the boundary is drawn


def test_cli_local_cluster(capsys, tmp_path):
    rc, out, err = run_cli(capsys, "run", "quadratic", "--scheduler", "local:1", "-n", "3")
    assert rc == 0, err
    assert re.search(r"workers +1\n", out)


@pytest.mark.parametrize("args, fragments", [
    (["logreg", "--scheduler", "cluster"], ["is not a scheduler", "tcp://HOST:PORT"]),
    (["logreg", "--scheduler", "local:0"], ["positive integer"]),
    (["jacobian", "--scheduler", "local"], ["does not run on Dask", "logreg"]),
    (["logreg", "--data", "somewhere"], ["--data trains on a Dask cluster", "--scheduler"]),
    (["linefit", "--scheduler", "local", "--data", "x"], ["--data works with logreg"]),
    (["logreg", "--scheduler", "local", "--data", "/nonexistent"], ["no dataset there"]),
    (["logreg", "--scheduler", "tcp://127.0.0.1:9"], ["cannot reach the Dask scheduler"]),
])
def test_cli_errors(capsys, monkeypatch, args, fragments):
    from gradspec.distributed import cluster

    monkeypatch.setattr(cluster, "TIMEOUT", 1.0)
    rc, _, err = run_cli(capsys, "run", *args)
    assert rc == 2, err
    assert err.startswith("gradspec: error: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err


def test_persisted_dask_arrays_as_input(torch, client):
    """Arrays the user persisted first: their chunks are futures, handed to the shard tasks."""
    x, y = make_data(rows=400, seed=9)
    X, Y = client.persist([_dask(x, 100), _dask(y, 100)])
    for persist in (True, False):
        with distributed.ShardedData(X, Y, client, persist=persist) as sharded:
            model = mlp(torch)
            trainer = distributed.DataParallel(model, None, sharded, objective=bce_objective)
            ours = distributed_trajectory(trainer, optim.SGD(model.parameters(), lr=0.5),
                                          [None] * 2)
        ref = mlp(torch)
        reference = local_trajectory(torch, ref, optim.SGD(ref.parameters(), lr=0.5), x, y,
                                     [None] * 2)
        assert_same(ours, reference)
