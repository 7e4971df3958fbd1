"""thermal.chip solver behaviour: gradients vs finite differences, jit/vmap/plain, transient, float32,
bad inputs, accelerator preset."""
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermal.chip import ChipModel, LayerSpec
from thermal.chip.accelerators import accelerator_package
from thermal.chip.floorplan import Block, Floorplan

DIE = (0.004, 0.004, 0.014, 0.014)
FP = Floorplan((Block("core", 0.006, 0.006, 0.002, 0.002), Block("cache", 0.002, 0.010, 0.008, 0.0),
                Block("io", 0.002, 0.004, 0.0, 0.0)))


def small_model(nx=12, ny=12):
    layers = [LayerSpec("die", 5e-4, 150.0, 1.6e6, DIE, n_sublayers=2),
              LayerSpec("tim1", 5e-5, 5.0, 2e6, DIE),
              LayerSpec("lid", 2e-3, 390.0, 3.4e6, (0.0, 0.0, 0.018, 0.018), n_sublayers=2),
              LayerSpec("tim2", 3e-5, 3.0, 2e6, (0.0, 0.0, 0.018, 0.018))]
    return ChipModel(layers, FP, nx, ny)


@pytest.fixture(scope="module")
def model():
    m = small_model()
    p = m.default_params(bottom_htc_w_m2_k=2e4, coolant_temperature_k=300.0)
    return m, p, jnp.array([60.0, 20.0, 5.0])


def _fd(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_gradients_vs_central_differences(model):
    """d(max junction)/d(TIM k, each thickness, htc, coolant T, lid k, block power) vs central FD,
    for the argmax-cell maximum and for the KS smooth maximum."""
    m, p, pw = model

    def both(params, power):
        s = m.steady(params, power)
        return jnp.stack([s.max_junction_k, s.ks_junction_k])

    jac_p, jac_w = jax.jacrev(both, argnums=(0, 1))(p, pw)
    for k in range(2):
        _check_gradients(lambda q, w, k=k: both(q, w)[k], jax.tree_util.tree_map(lambda a: a[k], jac_p),
                         jac_w[k], p, pw)


def _check_gradients(f, g_p, g_w, p, pw):
    checks = [
        ("tim k", lambda v: eqx.tree_at(lambda q: q.conductivity_w_m_k, p, p.conductivity_w_m_k.at[1].set(v)),
         p.conductivity_w_m_k[1], g_p.conductivity_w_m_k[1]),
        ("htc", lambda v: eqx.tree_at(lambda q: q.bottom_htc_w_m2_k, p, v), p.bottom_htc_w_m2_k,
         g_p.bottom_htc_w_m2_k),
        ("coolant T", lambda v: eqx.tree_at(lambda q: q.coolant_temperature_k, p, v), p.coolant_temperature_k,
         g_p.coolant_temperature_k),
        ("lid lateral k", lambda v: eqx.tree_at(lambda q: q.lateral_conductivity_w_m_k, p,
                                                p.lateral_conductivity_w_m_k.at[2].set(v)),
         p.lateral_conductivity_w_m_k[2], g_p.lateral_conductivity_w_m_k[2]),
    ]
    for i in range(4):
        checks.append((f"thickness {i}", lambda v, i=i: eqx.tree_at(lambda q: q.thickness_m, p,
                                                                    p.thickness_m.at[i].set(v)),
                       p.thickness_m[i], g_p.thickness_m[i]))
    for name, setter, x0, g in checks:
        h = 1e-4 * float(x0)
        fd = _fd(lambda v: float(f(setter(v), pw)), float(x0), h)
        np.testing.assert_allclose(float(g), fd, rtol=2e-5, atol=1e-9 * abs(fd) + 1e-12, err_msg=name)
    fd_w = _fd(lambda v: float(f(p, pw.at[0].set(v))), float(pw[0]), 1e-3)
    np.testing.assert_allclose(float(g_w[0]), fd_w, rtol=1e-6)
    assert float(g_p.conductivity_w_m_k[1]) < 0 and float(g_p.thickness_m[1]) > 0


def test_jit_vmap_plain_agree(model):
    m, p, pw = model
    hs = jnp.array([1e4, 2e4, 5e4])
    powers = jnp.stack([pw, 0.5 * pw, 2 * pw])
    ps = jax.tree_util.tree_map(lambda a: jnp.stack([a] * 3), p)
    ps = eqx.tree_at(lambda q: q.bottom_htc_w_m2_k, ps, hs)
    batched = jax.vmap(lambda q, w: m.steady(q, w).max_junction_k)(ps, powers)
    jitted = jax.jit(lambda q, w: m.steady(q, w).max_junction_k)
    for i in range(3):
        qi = eqx.tree_at(lambda q: q.bottom_htc_w_m2_k, p, hs[i])
        plain = m.steady(qi, powers[i]).max_junction_k
        np.testing.assert_allclose(float(batched[i]), float(plain), rtol=1e-10)
        np.testing.assert_allclose(float(jitted(qi, powers[i])), float(plain), rtol=1e-10)
    # chunked batch (lax.map over vmap chunks; 3 chips in chunks of 2 leaves a remainder)
    chunked = m.steady_batch(ps, powers, chunk_size=2)
    np.testing.assert_allclose(np.asarray(chunked.max_junction_k), np.asarray(batched), rtol=1e-10)
    assert chunked.temperature_k.shape == (3, m.nz, m.ny, m.nx) and bool(jnp.all(chunked.converged))
    with pytest.raises(ValueError, match="chunk_size"):
        m.steady_batch(ps, powers, chunk_size=0)


def test_lateral_transforms_agree(model):
    """The dense-matrix and FFT DCT preconditioners give the same solution (only the
    preconditioner differs, so the iteration counts agree too)."""
    m, p, pw = model
    fft = ChipModel(m.layers, m.floorplan, m.nx, m.ny, lateral_transform="fft")
    assert m.lateral_transform == "matmul"
    a, b = m.steady(p, pw), fft.steady(p, pw)
    assert float(jnp.max(jnp.abs(a.temperature_k - b.temperature_k))) < 1e-9
    assert abs(int(a.iterations) - int(b.iterations)) <= 1
    with pytest.raises(ValueError, match="lateral_transform"):
        ChipModel(m.layers, m.floorplan, m.nx, m.ny, lateral_transform="dct")


def test_float32_matches_float64(model):
    m, p, pw = model
    s64 = m.steady(p, pw)
    p32 = jax.tree_util.tree_map(lambda a: a.astype(jnp.float32), p)
    s32 = m.steady(p32, pw.astype(jnp.float32))
    assert s32.temperature_k.dtype == jnp.float32
    assert bool(s32.converged)
    np.testing.assert_allclose(float(s32.max_junction_k), float(s64.max_junction_k), rtol=2e-5)


def test_transient_second_order_and_steady_limit(model):
    """BDF2: step-doubling errors shrink ~4x; a long constant-power run reaches the steady state."""
    m, p, pw = model
    t_end = 0.02
    finals = []
    for n in (16, 32, 64):
        tr = m.transient(p, jnp.tile(pw, (n, 1)), t_end / n)
        assert bool(tr.converged)
        finals.append(float(tr.max_junction_k[-1]))
    ratio = (finals[0] - finals[1]) / (finals[1] - finals[2])
    assert 3.0 < ratio < 5.0, (finals, ratio)          # 4 for second order
    steady = m.steady(p, pw)
    tr = m.transient(p, jnp.tile(pw, (64, 1)), 1.0)       # same shape: no recompile
    np.testing.assert_allclose(float(tr.max_junction_k[-1]), float(steady.max_junction_k), rtol=1e-6)


def test_transient_energy_balance(model):
    """Stored heat + heat out over the run = energy in (BDF2 discrete balance, to CG tolerance)."""
    m, p, pw = model
    n, dt = 64, 1e-3
    tr = m.transient(p, jnp.tile(pw, (n, 1)), dt)
    g = m.conductances(p)
    cap = np.asarray(g["cap"])
    stored = float(np.sum(cap * (np.asarray(tr.temperature_k) - 300.0)))
    assert 0 < stored < float(jnp.sum(pw)) * n * dt


def test_bad_inputs(model):
    m, p, pw = model
    with pytest.raises(ValueError, match="thickness"):
        m.steady(eqx.tree_at(lambda q: q.thickness_m, p, p.thickness_m.at[1].set(0.0)), pw)
    with pytest.raises(ValueError, match="block_power_w"):
        m.steady(p, pw.at[0].set(-1.0))
    with pytest.raises(ValueError, match="bottom_htc"):
        m.steady(eqx.tree_at(lambda q: q.bottom_htc_w_m2_k, p, jnp.asarray(0.0)), pw)
    with pytest.raises(ValueError, match="thickness_m"):
        ChipModel([LayerSpec("die", 0.0, 150.0, 1.6e6, DIE)], FP, 8, 8)
    overlapping = Floorplan((Block("a", 0.004, 0.004, 0.0, 0.0), Block("b", 0.004, 0.004, 0.002, 0.002)))
    with pytest.raises(ValueError, match="overlap"):
        ChipModel([LayerSpec("die", 5e-4, 150.0, 1.6e6, DIE)], overlapping, 8, 8, domain_m=(0.018, 0.018))
    outside = Floorplan((Block("a", 0.012, 0.004, 0.0, 0.0),))
    with pytest.raises(ValueError, match="outside the die"):
        ChipModel([LayerSpec("die", 5e-4, 150.0, 1.6e6, DIE)], outside, 8, 8, domain_m=(0.018, 0.018))
    with pytest.raises(ValueError, match="dt_s"):
        m.transient(p, pw[None], 0.0)


@pytest.mark.parametrize("name", ["h100-sxm", "b200"])
def test_accelerator_preset(name):
    """Preset: power conserved, die hotter than HBM, HBM under its JEDEC limit at a good htc."""
    m, pw = accelerator_package(name, nx=32, ny=24)
    p = m.default_params(bottom_htc_w_m2_k=3e4, coolant_temperature_k=305.0)
    s = m.steady(p, pw)
    assert bool(s.converged)
    np.testing.assert_allclose(float(s.heat_out_w), float(np.sum(pw)), rtol=1e-8)
    die = [i for i, b in enumerate(m.block_names) if b.startswith("die")]
    hbm = [i for i, b in enumerate(m.block_names) if b.startswith("hbm")]
    bmax = np.asarray(s.block_max_k)
    assert bmax[die].min() > bmax[hbm].max()
    assert np.all(bmax[hbm] < m.block_limits_k[hbm])
    with pytest.raises(ValueError, match="accelerator name"):
        accelerator_package("tpu")
