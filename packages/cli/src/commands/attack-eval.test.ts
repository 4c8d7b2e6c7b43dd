import { describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io';
import { runCli } from '../run-cli';

describe('netlens attack-eval', () => {
  it('reports success rates that grow with ε and robust accuracy that falls, on the bundled digits', async () => {
    const io = captureIo();
    const code = await runCli(
      ['attack-eval', '--attack', 'fgsm', '--epsilons', '0,0.1,0.3', '--backend', 'wasm', '--json'],
      io,
    );
    expect(io.err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(io.out) as {
      cleanAccuracy: number;
      results: { epsilon: number; successRate: number; robustAccuracy: number; linf: { median: number } }[];
    };
    expect(result.cleanAccuracy).toBe(1);
    const [zero, small, large] = result.results as [
      (typeof result.results)[0],
      (typeof result.results)[0],
      (typeof result.results)[0],
    ];
    expect(zero.successRate).toBe(0);
    expect(zero.robustAccuracy).toBe(1);
    expect(small.successRate).toBeLessThanOrEqual(large.successRate);
    expect(large.successRate).toBeGreaterThan(0.5);
    expect(large.robustAccuracy).toBeCloseTo(1 - large.successRate, 6);
    expect(large.linf.median).toBeLessThanOrEqual(0.3 + 1e-6);
  });

  it('checks the attack name, the ε grid and the labels', async () => {
    for (const [args, message] of [
      [['--attack', 'magic'], /--attack: unknown 'magic'; choose from fgsm/],
      [['--epsilons', '0.1,-1'], /--epsilons: expected a number ≥ 0, got '-1'/],
      [['--labels', '1,2'], /--labels: expected 10 labels \(one per image\), got 2/],
    ] as const) {
      const io = captureIo();
      expect(await runCli(['attack-eval', '--backend', 'cpu', ...args], io)).toBe(2);
      expect(io.err).toMatch(message);
    }
  });
});
