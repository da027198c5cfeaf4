import assert from "node:assert/strict";
import { type Supervised, Supervisor } from "./supervisor.ts";

/** A real child process (an idle Deno) that tests kill to play a crash. */
class Child implements Supervised {
  readonly #process = new Deno.Command(Deno.execPath(), {
    args: ["eval", "setInterval(() => {}, 1000)"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  readonly exited: Promise<Deno.CommandStatus> = this.#process.status;
  disposed = false;

  kill(): void {
    this.#process.kill("SIGKILL");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.disposed = true;
    try {
      this.#process.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.exited;
  }
}

/** A `start()` that runs `plan[i]` before its i-th call makes a child (which may throw). */
function planned(plan: (() => Promise<void>)[], started: Child[]) {
  let calls = 0;
  return async () => {
    await plan[calls++]?.();
    const child = new Child();
    started.push(child);
    return child;
  };
}

Deno.test("Supervisor restarts a process that died and hands out the replacement", async () => {
  const started: Child[] = [];
  const restarted = Promise.withResolvers<Child>();
  await using supervisor = new Supervisor({
    start: planned([], started),
    onRestart: (child) => restarted.resolve(child),
    restartDelayMs: 10,
  });
  const first = await supervisor.current();
  assert.equal(supervisor.state, "running");
  first.kill();
  const second = await restarted.promise;
  assert.notEqual(second, first);
  assert.equal(await supervisor.current(), second);
  assert.equal(supervisor.restarts, 1);
  assert.ok(first.disposed, "the dead process was cleaned up");
  assert.equal(started.length, 2);
});

Deno.test("Supervisor retries a failed restart; who waited for it gets its error", async () => {
  const started: Child[] = [];
  const secondCalled = Promise.withResolvers<void>();
  const gate = Promise.withResolvers<void>();
  const restarted = Promise.withResolvers<Child>();
  await using supervisor = new Supervisor({
    start: planned([async () => {}, async () => {
      secondCalled.resolve();
      await gate.promise;
      throw new Error("Cannot start: boom");
    }], started),
    onRestart: (child) => restarted.resolve(child),
    restartDelayMs: 10,
  });
  (await supervisor.current()).kill();
  await secondCalled.promise;
  assert.equal(supervisor.state, "restarting");
  const waiting = supervisor.current();
  gate.resolve();
  await assert.rejects(waiting, /boom/);
  const third = await restarted.promise;
  assert.equal(await supervisor.current(), third);
  assert.equal(supervisor.state, "running");
});

Deno.test("Supervisor reports a failed first start and tries again on the next use", async () => {
  const started: Child[] = [];
  await using supervisor = new Supervisor({
    start: planned([() => Promise.reject(new Error("Cannot start: no python"))], started),
  });
  await assert.rejects(supervisor.current(), /no python/);
  assert.equal(supervisor.state, "failed");
  const child = await supervisor.current();
  assert.equal(supervisor.state, "running");
  assert.equal(started[0], child);
});

Deno.test("Supervisor stops its process on dispose and restarts nothing after", async () => {
  const started: Child[] = [];
  const supervisor = new Supervisor({ start: planned([], started), restartDelayMs: 10 });
  const child = await supervisor.current();
  await supervisor[Symbol.asyncDispose]();
  assert.ok(child.disposed);
  assert.equal(supervisor.state, "stopped");
  await assert.rejects(supervisor.current(), /stopped/);
  assert.equal(started.length, 1);
  assert.equal(supervisor.restarts, 0);
});
