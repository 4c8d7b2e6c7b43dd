import { selectBackend } from '@netlens/backends';
import { convNetGradient } from './workload.js';

/** Runs the gradient on each named backend; the runner calls this through Playwright. */
window.runGradients = async (backends) => {
  const results = [];
  for (const backend of backends) {
    try {
      const selected = await selectBackend(backend);
      const { values, leaked } = await convNetGradient();
      results.push({ backend, ok: true, reason: selected.reason, values, leaked });
    } catch (error) {
      results.push({ backend, ok: false, reason: String(error?.message ?? error) });
    }
  }
  document.querySelector('#status').textContent = results
    .map((r) => `${r.backend}: ${r.ok ? 'ok' : r.reason}`)
    .join('\n');
  return results;
};
document.querySelector('#status').textContent = 'ready';
