"""Timing for the PyTorch peers, by the same rule as bench/lib/measure.mjs: medians of *clean*
repetitions, where a repetition counts only if the rest of the machine used < 20 ms + 10 % of one
core meanwhile (machine-wide CPU time from /proc/stat minus this process's own)."""
import statistics
import time


def busy_ms():
    """Machine-wide busy CPU milliseconds (all cores; USER_HZ = 100)."""
    with open('/proc/stat') as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = [int(v) for v in stat.readline().split()[1:9]]
    return (user + nice + system + irq + softirq + steal) * 10


def measure(run, reps, warmup):
    """Runs `run` `warmup` times, then until `reps` clean repetitions (at most 4·reps tries); the
    median of the clean ones (of all, when none was clean) with the clean/total counts."""
    for _ in range(warmup):
        run()
    clean, every = [], []
    while len(clean) < reps and len(every) < reps * 4:
        busy, own, start = busy_ms(), time.process_time(), time.perf_counter()
        run()
        wall = (time.perf_counter() - start) * 1000
        every.append(wall)
        if busy_ms() - busy - (time.process_time() - own) * 1000 < 20 + 0.1 * wall:
            clean.append(wall)
    return {'median': statistics.median(clean or every), 'clean': len(clean), 'total': len(every)}
