// Benchmarks of the pipeline core, run by `pnpm bench` after a build. Each measurement runs in its own
// child process so one does not inherit another's heap. Prints a baseline measured in the same run and
// the ratio against it; never asserts timings.
//   throughput: records/s through the core (identity transform, null sink) vs a plain loop doing the
//               same per-record work (call the transform, fill batches, "write" them).
//   slow-sink:  peak RSS while a slow sink holds back 1,000,000 records, vs the RSS of the same process
//               holding those records in an array (what an unbounded queue would cost).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const N = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const mode = process.argv[2];

function makeRecord(i) {
  const ts = `${1_700_000_000 + i}.000100`;
  return {
    kind: 'message',
    tenant: 'bench',
    key: `C1:${ts}`,
    version: i + 1,
    op: 'upsert',
    channel_id: 'C1',
    ts,
    user_id: 'U1',
    posted_at: '2023-11-14T22:13:20.000Z',
    text: `message number ${i} with some ordinary words in it`,
  };
}

async function core({ slow }) {
  const { createPipeline, createMemoryStateStore, silentLogger, createServiceRegistry } = await import(
    '../dist/index.js'
  );
  const state = createMemoryStateStore();
  const ctx = {
    tenant: 'bench',
    componentId: 't',
    baseDir: '.',
    logger: silentLogger(),
    state,
    services: createServiceRegistry(),
    signal: new AbortController().signal,
    audit: async () => undefined,
  };
  let written = 0;
  const pipeline = createPipeline({
    tenant: 'bench',
    pipelineId: 'bench/main',
    source: {
      id: 'source',
      instance: {
        async *read() {
          for (let i = 0; i < N; i++) yield { record: makeRecord(i), position: { partition: 'p', checkpoint: i } };
        },
      },
    },
    transforms: [{ id: 'identity', type: 'identity', privacy: true, fn: (r) => r, ctx }],
    sink: {
      id: 'sink',
      instance: {
        async write(batch) {
          written += batch.length;
          if (slow) await new Promise((r) => setTimeout(r, 2));
          return undefined;
        },
      },
    },
    state,
    logger: silentLogger(),
    options: { validateRecords: false, batch: { maxRecords: 1000, maxMs: 50 } },
  });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const start = performance.now();
  await pipeline.run();
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  if (written !== N) throw new Error(`wrote ${written} of ${N}`);
  return { seconds, peakRss: peak };
}

async function plainLoop() {
  const identity = (r) => r;
  let batch = [];
  let written = 0;
  const write = async (b) => {
    written += b.length;
  };
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    batch.push(identity(makeRecord(i)));
    if (batch.length === 1000) {
      await write(batch);
      batch = [];
    }
  }
  if (batch.length) await write(batch);
  const seconds = (performance.now() - start) / 1000;
  if (written !== N) throw new Error('plain loop lost records');
  return { seconds };
}

async function heldInArray() {
  const held = [];
  for (let i = 0; i < N; i++) held.push(makeRecord(i));
  return { rss: process.memoryUsage().rss, held: held.length };
}

if (mode) {
  const result =
    mode === 'core'
      ? await core({ slow: false })
      : mode === 'slow'
        ? await core({ slow: true })
        : mode === 'loop'
          ? await plainLoop()
          : await heldInArray();
  process.stdout.write(JSON.stringify(result));
} else {
  const self = fileURLToPath(import.meta.url);
  const measure = (m) => {
    const r = spawnSync(process.execPath, [self, m], {
      encoding: 'utf8',
      env: { ...process.env, SLUICE_LOG_LEVEL: 'silent' },
    });
    if (r.status !== 0) throw new Error(`${m} failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const mb = (b) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
  console.log(`\n## core pipeline (${N.toLocaleString('en')} records, 1 core)`);
  const loop = measure('loop');
  const coreRun = measure('core');
  const loopRate = N / loop.seconds;
  const coreRate = N / coreRun.seconds;
  console.log(`plain loop (baseline)            ${Math.round(loopRate).toLocaleString('en').padStart(12)} records/s`);
  console.log(
    `core: identity → null sink       ${Math.round(coreRate).toLocaleString('en').padStart(12)} records/s   ratio ${(coreRate / loopRate).toFixed(3)} of baseline`,
  );
  const slow = measure('slow');
  const held = measure('held');
  console.log(`slow sink (2 ms per 1,000-record batch), cap 10,000 in flight:`);
  console.log(`  peak RSS through the core      ${mb(slow.peakRss).padStart(12)}`);
  console.log(
    `  RSS holding all records (baseline) ${mb(held.rss).padStart(8)}   ratio ${(slow.peakRss / held.rss).toFixed(3)}`,
  );
}
