/**
 * Code-interpreter figures through the published JS SDK: the time from `createInterpreter()` to
 * the first answered `runCode("1+1")`, and `runCode("1+1")` latency (p50, p99) on a warm python
 * context, plus the same on the javascript context. Prints figures; asserts nothing.
 *
 * Run: `deno run --allow-all runtime/interpreter/interpreter_bench.ts [iterations]`
 *
 * @module
 */
import { Sandbox } from "@e2b/code-interpreter";
import { createInterpreter } from "./mod.ts";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function measure(
  iterations: number,
  run: () => Promise<unknown>,
): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** Figures of {@linkcode runInterpreterBench}, in milliseconds. */
export interface InterpreterBenchFigures {
  /** From `createInterpreter()` to the first answered `runCode("1+1")`. */
  firstRunMs: number;
  /** `runCode("1+1")` on the warm default python context. */
  python: { p50: number; p99: number };
  /** `runCode("1+1")` on the warm javascript context. */
  javascript: { p50: number; p99: number };
  /** Samples per latency figure. */
  iterations: number;
}

/**
 * Starts an interpreter on a loopback port, drives it with the JS SDK and returns the figures;
 * exported so `hack/bench.ts` can include them.
 */
export async function runInterpreterBench(iterations = 300): Promise<InterpreterBenchFigures> {
  const cwd = await Deno.makeTempDir({ prefix: "interpreter_bench_" });
  const started = performance.now();
  const interpreter = await createInterpreter({ getEnvs: () => ({}), cwd });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => interpreter.fetch(request),
  );
  try {
    const sbx = await Sandbox.create({
      debug: true,
      sandboxUrl: `http://127.0.0.1:${server.addr.port}`,
    });
    const first = await sbx.runCode("1+1");
    const firstRunMs = performance.now() - started;
    if (first.text !== "2") throw new Error(`Unexpected result: ${first.text}`);
    await interpreter.ready;
    const python = await measure(iterations, () => sbx.runCode("1+1"));
    const javascript = await measure(iterations, () => sbx.runCode("1+1", { language: "js" }));
    return { firstRunMs, python, javascript, iterations };
  } finally {
    await server.shutdown();
    await interpreter[Symbol.asyncDispose]();
    await Deno.remove(cwd, { recursive: true });
  }
}

if (import.meta.main) {
  const figures = await runInterpreterBench(Number(Deno.args[0] ?? 300));
  const f = (ms: number) => `${ms.toFixed(2)} ms`;
  console.log(`interpreter start → first answered run_code("1+1"): ${f(figures.firstRunMs)}`);
  for (const language of ["python", "javascript"] as const) {
    const { p50, p99 } = figures[language];
    console.log(
      `run_code("1+1") warm ${language} context (${figures.iterations} runs): ` +
        `p50 ${f(p50)}, p99 ${f(p99)}`,
    );
  }
}
