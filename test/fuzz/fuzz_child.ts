// The fuzzer's worker process: checks inputs one at a time as the parent sends them (IPC),
// answering with the broken invariants, the time taken and its RSS. The parent kills and
// replaces it when an input takes too long (a hang) and reports when it dies (a crash).

import { checkFile } from './target.ts';

process.on('message', (m: { id: number; path: string }) => {
  const t0 = performance.now();
  checkFile(m.path).then(
    (violations) => process.send!({ id: m.id, violations, ms: performance.now() - t0, rssMb: process.memoryUsage().rss / 1048576 }),
    (e: Error) => process.send!({ id: m.id, violations: [`uncaught: ${e.name}: ${e.message}`], ms: performance.now() - t0, rssMb: process.memoryUsage().rss / 1048576 }),
  );
});
process.on('uncaughtException', (e) => {
  process.send!({ id: -1, violations: [`uncaught exception: ${e.name}: ${e.message}`], ms: 0, rssMb: process.memoryUsage().rss / 1048576 });
  process.exit(70);
});
process.send!({ id: 0, ready: true });
process.on('unhandledRejection', (e) => {
  process.send!({ id: -1, violations: [`unhandled rejection: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`], ms: 0, rssMb: process.memoryUsage().rss / 1048576 });
  process.exit(70);
});
