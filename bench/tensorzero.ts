/**
 * Client overhead per inference: TensorZeroClient.inference() and TensorZeroModel.proposePatch() against
 * the fake gateway, beside a raw undici request with the same body to the same fake, in the same run.
 * Goal: client p50 ≤ 1.2 × raw p50.   Run: node --import tsx bench/tensorzero.ts [iterations]
 */
import { performance } from "node:perf_hooks";
import { Agent, request } from "undici";
import { newUuidV7 } from "../src/adapters/tensorzero/episode-id.js";
import { buildFixInferenceRequest } from "../src/adapters/tensorzero/inference-request.js";
import { TensorZeroClient } from "../src/adapters/tensorzero/tensorzero-client.js";
import { TensorZeroModel } from "../src/adapters/tensorzero/tensorzero-model.js";
import { FakeTensorZero } from "../test/fakes/fake-tensorzero.js";
import { sampleFailureContext } from "../test/fakes/fake-tensorzero-context.js";

const N = Number(process.argv[2] ?? 2000);
const WARMUP = Math.min(300, Math.floor(N / 5));

const fake = await FakeTensorZero.start();
const context = sampleFailureContext();
const episodeId = newUuidV7(Date.now() - 1000);
const tags = { repo: context.repo.full_name, run_id: String(context.run.id), job_id: "bench" };
const body = buildFixInferenceRequest(context, { episodeId, tags });
const rawAgent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
const client = new TensorZeroClient({ baseUrl: fake.url });
const model = new TensorZeroModel(client);

const cases: Record<string, () => Promise<unknown>> = {
  "raw undici request": async () => {
    const r = await request(`${fake.url}/inference`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), dispatcher: rawAgent });
    if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
    return r.body.json();
  },
  "client.inference()": () => client.inference(body),
  "model.proposePatch()": () => model.proposePatch(context, { episodeId, tags }),
};

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < WARMUP + N; i++) {
  // Interleaved, so drift in the fake (GC, JIT) hits every case alike.
  for (const [name, fn] of Object.entries(cases)) {
    const t0 = performance.now();
    await fn();
    if (i >= WARMUP) samples[name]!.push(performance.now() - t0);
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const base = samples["raw undici request"]!;
console.log(`TensorZero client overhead — ${N} sequential inferences each against the fake gateway (body ${JSON.stringify(body).length} bytes), Node ${process.version}`);
console.log("case                     p50 ms   p99 ms   p50 ratio  p99 ratio");
for (const [name, xs] of Object.entries(samples)) {
  const r50 = pct(xs, 50) / pct(base, 50);
  const r99 = pct(xs, 99) / pct(base, 99);
  console.log(`${name.padEnd(24)} ${pct(xs, 50).toFixed(3).padStart(7)}  ${pct(xs, 99).toFixed(3).padStart(7)}   ${r50.toFixed(2).padStart(8)}  ${r99.toFixed(2).padStart(9)}`);
}
const ratio = pct(samples["client.inference()"]!, 50) / pct(base, 50);
console.log(`goal: client.inference() p50 ≤ 1.2 × raw → ${ratio.toFixed(2)} ${ratio <= 1.2 ? "OK" : "ABOVE GOAL"}`);

await client.close();
await rawAgent.close();
await fake.stop();
