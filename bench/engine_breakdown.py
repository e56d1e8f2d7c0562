"""Where rlkit's engine spends its time: the per-phase breakdowns quoted in bench/RESULTS.md (issue #5).

* ppo   -- one PPO CartPole iteration (configs/ppo_cartpole.yaml): collection and update, interleaved as in training,
           then the parts of one fused minibatch step measured on their own (forward, closed-form loss gradients,
           hand-written backward, clip + Adam).
* dqn   -- one DQN CartPole phase (configs/dqn_cartpole.yaml): collection, sampling + the phase's target network,
           the parts of one gradient step on the PyTorch path (forward, loss, backward, clip, Adam, statistics), and
           the whole step with and without the native kernels (`rlkit.core.kernels`), and per step of a phase run in one
           native call (`kernels.dqn_phase`, what `DQN.train_phase` does).
* sac   -- milliseconds per SAC Pendulum env step (configs/sac_pendulum.yaml), one gradient step each, and its parts
           (collection of one step, sampling a minibatch, the gradient step), with float32 and with bfloat16 products.
* outside -- the parts of a SAC env step around the native gradient step (float32 and bfloat16), timed in training.
* denormals -- SAC Pendulum's env steps per second in chunks of 200 steps after a 300-step warm-up, with denormal
           floats flushed to zero (train.flush_denormals, the default) and without: Adam's moments of parameters whose
           gradient stays zero decay into the denormal range after several hundred steps, and the steps slow down then.
* cache -- why small operations cost more in training than in a loop: one fused Adam step of DQN's network in a loop,
           after evicting the caches, and inside DQN's training (run on its own: `engine_breakdown.py cache`).

Usage: python bench/engine_breakdown.py [ppo|dqn|sac|outside|denormals|cache ...] [--threads T]   (default: ppo dqn sac; PPO 1 thread, the rest 2)
"""
import argparse
import time

import torch
import torch.nn.functional as F

from rlkit.core.config import load_config
from rlkit.core.seeding import seed_everything, derive_seed
from rlkit.train.loop import build
from rlkit.core.device import tune_cpu_allocator, set_blas_threads, flush_denormals
from rlkit.agents.ppo import ppo_loss_grads, _advantages
from rlkit.agents.networks import clip_and_step, step_optimizer
from rlkit.core import kernels

pc = time.perf_counter


def built(config:str, threads:int, **overrides):
    torch.set_num_threads(threads)
    cfg = load_config(config, {'train.total_steps': 100_000, **overrides})
    tune_cpu_allocator()                      # as the training loop does (train.tune_allocator, train.blas_threads,
                                              # train.flush_denormals)
    set_blas_threads(cfg.train.blas_threads)
    flush_denormals(cfg.train.flush_denormals)
    seed_everything(cfg.seed)
    b = build(cfg)
    b.collector.reset(derive_seed(cfg.seed, 'train-envs'))
    return cfg, b.agent, b.collector


def best_us(f, n:int=200, repeats:int=5)->float:
    "Best-of-`repeats` mean time of `f()` in microseconds (the part measured alone, caches warm)."
    for _ in range(20): f()
    times = []
    for _ in range(repeats):
        t = pc()
        for _ in range(n): f()
        times.append((pc() - t) / n * 1e6)
    return min(times)


def ppo(threads:int)->dict:
    cfg, ag, col = built('configs/ppo_cartpole.yaml', threads)
    T, tc, tu, iters = cfg.algo.n_steps, 0.0, 0.0, 100
    for it in range(iters + 20):
        ag.set_progress(it / 200)
        t0 = pc(); ro, _ = col.collect(ag, T); t1 = pc(); ag.update(ro); t2 = pc()
        if it >= 20: tc += t1 - t0; tu += t2 - t1
    steps = T * cfg.env.num_envs
    out = {'collect_ms': tc / iters * 1e3, 'update_ms': tu / iters * 1e3, 'steps_per_s': steps * iters / (tc + tu)}
    adv, ret = _advantages(ag.cfg, ro)
    B = ro.num_steps
    obs, act = ro.obs.reshape(B, -1), ro.actions.reshape(B).long().unsqueeze(-1)
    old_lp, old_v, a = ro.log_probs.reshape(B), ro.values.reshape(B), (adv - adv.mean()) / (adv.std() + 1e-8)
    pol = ag.policy
    fwd = pol.forward_cached(obs)
    grads = ppo_loss_grads(fwd[0], None, fwd[1], act, old_lp, old_v, a, ret, 0.2, None, 0.5, 0.0, 0.0)
    pol.flat.grad = pol.backward(fwd[2], *grads[:2])
    out.update({'alone: forward_us': best_us(lambda: pol.forward_cached(obs)),
                'alone: loss_grads_us': best_us(lambda: ppo_loss_grads(fwd[0], None, fwd[1], act, old_lp, old_v, a, ret, 0.2)),
                'alone: backward_us': best_us(lambda: pol.backward(fwd[2], *grads[:2])),
                'alone: clip_and_adam_us': best_us(lambda: clip_and_step(ag.optimizer, [pol.flat], 0.5)),
                'alone: whole_minibatch_us': best_us(lambda: ag._fused_minibatch(obs, act, old_lp, old_v, a, ret, 0.2, 0.0)),
                'alone: collect_ms': best_us(lambda: col.collect(ag, T), n=10) / 1e3})
    return out


def dqn(threads:int)->dict:
    cfg, ag, col = built('configs/dqn_cartpole.yaml', threads)
    k, n = cfg.algo.gradient_steps, cfg.algo.train_freq
    for _ in range(6): col.collect(ag, n); ag.update()
    parts, phases = {}, 6
    add = lambda key, v: parts.__setitem__(key, parts.get(key, 0.0) + v)
    net, opt, B = ag.q.mlp, ag.optimizers['q'], cfg.algo.batch_size
    for _ in range(phases):
        t0 = pc(); col.collect(ag, n); add('collect_ms', (pc() - t0) * 1e3 / phases)
        t0 = pc(); batches = ag.prepare_phase(ag.sample(k)); add('sample_and_targets_ms', (pc() - t0) * 1e3 / phases)
        rows = []
        kernels.set_native(False)          # the parts as the PyTorch path runs them (the kernels fuse some of them)
        for b in batches:                  # the steps of DQN._fused_train_step, timed one by one
            t0 = pc(); q_all, acts = net.forward_cached(b['obs']); t1 = pc()
            taken = b['action'].unsqueeze(-1); q = q_all[0].gather(-1, taken).squeeze(-1); diff = q - b['target']
            d_q = diff.clamp(-1.0, 1.0)
            d_out = torch.zeros_like(q_all); d_out[0].scatter_(-1, taken, (d_q / B).unsqueeze(-1)); t2 = pc()
            net.flat.grad = net.backward(acts, d_out)[0]; t3 = pc()
            g = net.flat.grad; norm = g.norm(); f = cfg.algo.max_grad_norm / (float(norm) + 1e-6)
            if f < 1.0: g.mul_(f)
            t4 = pc(); step_optimizer(opt); t5 = pc()
            rows.append((diff, q, norm))
            for key, v in (('forward', t1 - t0), ('loss', t2 - t1), ('backward', t3 - t2), ('clip', t4 - t3), ('adam', t5 - t4)):
                add(f'step: {key}_us', v * 1e6 / (phases * k))
        kernels.set_native(True)
        t0 = pc(); ag.phase_stats(rows); add('phase_stats_ms', (pc() - t0) * 1e3 / phases)
        batches = ag.prepare_phase(ag.sample(k))
        for native in (True, False):       # the whole step, with the native kernels and without
            kernels.set_native(native)
            t0 = pc()
            for b in batches: ag._fused_train_step(b)
            add(f"whole step {'native' if native else 'torch'}_us", (pc() - t0) * 1e6 / (phases * k))
        kernels.set_native(True)
        batches = ag.prepare_phase(ag.sample(k))
        t0 = pc(); ag.train_phase(batches)        # the whole phase in one native call (kernels.dqn_phase)
        add('whole step, phase kernel_us', (pc() - t0) * 1e6 / (phases * k))
    t0 = pc()
    for _ in range(phases): col.collect(ag, n); ag.update()
    parts['steps_per_s'] = n * phases / (pc() - t0)
    return parts


def sac(threads:int)->dict:
    parts = {}
    for precision in ('float32', 'bfloat16'):
        cfg, ag, col = built('configs/sac_pendulum.yaml', threads, **{'algo.matmul_precision': precision})
        for _ in range(300): col.collect(ag, 1); ag.update()
        t0 = pc()
        for _ in range(300): col.collect(ag, 1); ag.update()
        ms = (pc() - t0) / 300 * 1e3
        b = ag.sample()
        parts.update({f'{precision}: ms_per_env_step': ms, f'{precision}: steps_per_s': 1e3 / ms,
                      f'{precision}: alone: collect_us': best_us(lambda: col.collect(ag, 1), n=50),
                      f'{precision}: alone: sample_us': best_us(ag.sample, n=50),
                      f'{precision}: alone: train_step_us': best_us(lambda: ag.train_step(b), n=50)})
    return parts


def outside(threads:int)->dict:
    """The parts of a SAC Pendulum env step around the native gradient step, each timed where it runs in training, right
    after a gradient step (medians over 300 steps, microseconds), float32 and bfloat16 products: the policy's action
    (`kernels.sac_act`), its scaling, the env step, storing the transition, and the update (SAC's prepared phase:
    drawing and gathering the minibatch, the native step, the statistics), of which the native step's own call."""
    out = {}
    for precision in ('float32', 'bfloat16'):
        cfg, ag, col = built('configs/sac_pendulum.yaml', threads, **{'algo.matmul_precision': precision})
        for _ in range(300): col.collect(ag, 1); ag.update()
        env, names = col.env, ('explore', 'to_env', 'env_step', 'observe', 'update', 'native_step')
        times = {k: [] for k in names}
        native = []
        for call in ag._phase.calls:        # the native step's call, timed inside the update
            def timed(*args, fn=call.fn):
                t = pc(); rc = fn(*args); native.append((pc() - t) * 1e6); return rc
            call.fn = timed
        for _ in range(300):
            obs = env.obs
            t0 = pc(); a = ag.explore(obs); t1 = pc(); a_env = ag.to_env(a); t2 = pc()
            _, r, term, trunc, nxt = env.step(a_env); t3 = pc()
            ag.observe(obs, a, r, term, trunc, nxt); t4 = pc()
            ag.update(); t5 = pc()
            for k, d in zip(names, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, native[-1] / 1e6)): times[k].append(d * 1e6)
        med = lambda xs: sorted(xs)[len(xs) // 2]
        out.update({f'{precision}: {k}_us (median)': med(v) for k, v in times.items()})
        out[f'{precision}: alone: explore_us'] = best_us(lambda: ag.explore(env.obs), n=100)
    return out


def cache(threads:int)->dict:
    """One fused Adam step on DQN's parameters (67,586 floats), three ways: in a tight loop (its 1 MiB of parameters,
    gradients and moments stay in cache), right after touching 32 MiB (evicted, as the last level cache holds 32 MiB
    shared with the VM's neighbours), and inside DQN's training phases (timed around each step, `torch.profiler`-free)."""
    cfg, ag, col = built('configs/dqn_cartpole.yaml', threads)
    n = cfg.algo.train_freq
    for _ in range(6): col.collect(ag, n); ag.update()
    opt, net = ag.optimizers['q'], ag.q.mlp
    if net.flat.grad is None: net.flat.grad = torch.zeros_like(net.flat)
    junk = torch.zeros(8 << 20)                              # 32 MiB
    def evicted_us()->float:
        junk.add_(1.0); t = pc(); step_optimizer(opt); return (pc() - t) * 1e6
    for _ in range(20): evicted_us()
    ev = sorted(evicted_us() for _ in range(300))
    inside = []
    import rlkit.agents.dqn as dqn_module
    real = dqn_module.clip_and_step
    def timed(opt_, params, max_norm):      # the DQN step's clip + Adam, timed where it runs
        t = pc(); out = real(opt_, params, max_norm); inside.append((pc() - t) * 1e6); return out
    dqn_module.clip_and_step = timed
    try:
        for _ in range(4): col.collect(ag, n); ag.update()
    finally: dqn_module.clip_and_step = real
    inside.sort()
    return {'adam_in_loop_us': best_us(lambda: step_optimizer(opt), n=500), 'adam_after_evicting_32MiB_us (median)': ev[len(ev) // 2],
            'clip_and_adam_inside_dqn_us (median)': inside[len(inside) // 2],
            'clip_and_adam_in_loop_us': best_us(lambda: clip_and_step(opt, [net.flat], cfg.algo.max_grad_norm), n=500)}


def denormals(threads:int, chunks:int=12, chunk:int=200)->dict:
    "Steps per second of SAC Pendulum training, chunk by chunk, with denormals flushed and without (a fresh agent each)."
    out = {}
    for flush in (True, False):
        cfg, ag, col = built('configs/sac_pendulum.yaml', threads, **{'train.flush_denormals': flush})
        for _ in range(300): col.collect(ag, 1); ag.update()
        rates = []
        for _ in range(chunks):
            t = pc()
            for _ in range(chunk): col.collect(ag, 1); ag.update()
            rates.append(chunk / (pc() - t))
        out.update({f"{'flushed' if flush else 'kept'}: chunk {i} steps/s": r for i, r in enumerate(rates)})
    flush_denormals(True)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument('cases', nargs='*', default=['ppo', 'dqn', 'sac']); p.add_argument('--threads', type=int)
    a = p.parse_args()
    for case in a.cases:
        threads = a.threads or (1 if case == 'ppo' else 2)
        res = {'ppo': ppo, 'dqn': dqn, 'sac': sac, 'cache': cache, 'outside': outside, 'denormals': denormals}[case](threads)
        print(f"{case} ({threads} thread{'s' if threads > 1 else ''}): " + ', '.join(f'{k} {v:,.1f}' for k, v in res.items()), flush=True)


if __name__ == '__main__':
    main()
