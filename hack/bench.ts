/**
 * `deno task bench`: runs every benchmark script of the project in turn, each in its own process
 * so that one's memory and processes cannot skew another's, and prints their figures.
 *
 * @module
 */
const BENCHES = [
  "runtime/runtime_bench.ts",
  "runtime/envd_parity_bench.ts",
  "runtime/interpreter/interpreter_bench.ts",
  "runtime/interpreter/idle_memory_bench.ts",
  "manager/manager_bench.ts",
  "manager/kube_bench.ts",
  "manager/real_node_bench.ts",
  "controller/local_node/node_bench.ts",
];

if (import.meta.main) {
  const only = Deno.args;
  for (const bench of BENCHES) {
    if (only.length > 0 && !only.some((o) => bench.includes(o))) continue;
    try {
      Deno.statSync(bench);
    } catch {
      continue;
    }
    console.log(`\n== ${bench}`);
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", bench],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (code !== 0) console.log(`(${bench} exited with ${code})`);
  }
}
