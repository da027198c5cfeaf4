/**
 * The health endpoint every program that watches the cluster serves (the controller and the
 * manager on `--health-port`): `/healthz` (the process answers), `/readyz` (every informer holds
 * its first list: until then the program would act on an empty cache, so Kubernetes should not
 * send it traffic or count it available) and `/metrics` in Prometheus' text format, with how long
 * each watch has been connected and how long since its last event or bookmark, so a watch that
 * went quiet is visible from outside, and (with leader election) whether this replica leads.
 *
 * @module
 */
import type { InformerHealth } from "./informer.ts";

/**
 * Options of {@linkcode healthHandler}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type HealthHandlerOptions, healthHandler } from "@kruise-agents/shared/kube";
 * const options: HealthHandlerOptions = {
 *   program: "controller",
 *   informers: () => [],
 *   leader: () => true,
 *   notReady: () => undefined,
 * };
 * const handler = healthHandler(options);
 * assert.equal(handler(new Request("http://localhost/readyz")).status, 200);
 * ```
 */
export interface HealthHandlerOptions {
  /** The program's name, the `program` label of every series (e.g. `controller`). */
  program: string;
  /** The current health of each informer. */
  informers: () => InformerHealth[];
  /**
   * With leader election: whether this replica leads now, exposed as `kruise_agents_leader`
   * (1 or 0).
   * @default {undefined} (no such series) */
  leader?: (() => boolean) | undefined;
  /**
   * A readiness condition beyond the informers': the reason the program is not ready yet, or
   * `undefined` when it is (e.g. a standby that has not read the leader Lease yet).
   * @default {undefined} (none) */
  notReady?: (() => string | undefined) | undefined;
}

function seconds(ms: number | null): number {
  return ms === null ? -1 : Math.round(ms) / 1000;
}

/**
 * The informers' health in Prometheus' text exposition format. A watch that is not connected
 * reports -1 for its durations.
 *
 * @example
 * ```ts
 * import { informerMetrics } from "@kruise-agents/shared/kube";
 * informerMetrics("controller", [{
 *   resource: "pods", synced: true, connectedMs: 1500, sinceLastEventMs: 200,
 *   restarts: 0, relists: 0, objects: 3,
 * }]);
 * ```
 */
export function informerMetrics(program: string, healths: readonly InformerHealth[]): string {
  const series: [string, string, (h: InformerHealth) => number][] = [
    ["informer_synced", "1 once the first list is cached", (h) => h.synced ? 1 : 0],
    ["informer_objects", "objects in the cache", (h) => h.objects],
    [
      "watch_connected_seconds",
      "age of the current watch (-1: none)",
      (h) => seconds(h.connectedMs),
    ],
    [
      "watch_since_last_event_seconds",
      "since the watch's last event or bookmark (-1: none)",
      (h) => seconds(h.sinceLastEventMs),
    ],
    ["watch_restarts_total", "watches opened again after one ended or failed", (h) => h.restarts],
    ["informer_relists_total", "lists after the first", (h) => h.relists],
  ];
  const lines: string[] = [];
  for (const [name, help, value] of series) {
    const metric = `kruise_agents_${name}`;
    lines.push(`# HELP ${metric} ${help}`);
    lines.push(`# TYPE ${metric} ${name.endsWith("_total") ? "counter" : "gauge"}`);
    for (const h of healths) {
      lines.push(`${metric}{program="${program}",resource="${h.resource}"} ${value(h)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Whether this replica leads, in Prometheus' text exposition format: exactly one replica of a
 * healthy group reports 1.
 *
 * @example
 * ```ts
 * import { leaderMetric } from "@kruise-agents/shared/kube";
 * leaderMetric("controller", true); // ...kruise_agents_leader{program="controller"} 1
 * ```
 */
export function leaderMetric(program: string, leading: boolean): string {
  return [
    "# HELP kruise_agents_leader 1 while this replica holds the leader lease, 0 while it stands by",
    "# TYPE kruise_agents_leader gauge",
    `kruise_agents_leader{program="${program}"} ${leading ? 1 : 0}`,
    "",
  ].join("\n");
}

/**
 * The fetch handler of the health endpoint.
 *
 * @example
 * ```ts ignore
 * Deno.serve({ port: 8081 }, healthHandler({ program: "controller", informers: () => c.health() }));
 * ```
 */
export function healthHandler(options: HealthHandlerOptions): (request: Request) => Response {
  return (request) => {
    const path = new URL(request.url).pathname;
    const text = (status: number, body: string, type = "text/plain; charset=utf-8") =>
      new Response(body, {
        status,
        headers: { "content-type": type, "cache-control": "no-store" },
      });
    if (path === "/healthz" || path === "/livez") return text(200, "ok\n");
    if (path === "/readyz") {
      const reason = options.notReady?.();
      if (reason !== undefined) return text(503, `${reason}\n`);
      const waiting = options.informers().filter((h) => !h.synced).map((h) => h.resource);
      return waiting.length === 0
        ? text(200, "ok\n")
        : text(503, `not synced: ${waiting.join(", ")}\n`);
    }
    if (path === "/metrics") {
      let body = informerMetrics(options.program, options.informers());
      if (options.leader !== undefined) body += leaderMetric(options.program, options.leader());
      return text(200, body, "text/plain; version=0.0.4; charset=utf-8");
    }
    return text(404, "not found\n");
  };
}
