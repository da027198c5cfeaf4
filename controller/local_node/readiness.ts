/**
 * When a pod is Ready, as the kubelet decides it: every probe the main container declares
 * (`startupProbe` and `readinessProbe`, HTTP GET or TCP) succeeds against the pod's IP; and envd's
 * `/health` on 49983 answers when the container serves that port or declares no probe at all
 * (every sandbox image serves it), so a sandbox is never reported Ready before its runtime
 * answers, whatever its template's probes check. Probes go from the node
 * (the host) to the pod IP, the one direction the pod network allows.
 *
 * @module
 */
import type { Container, Probe } from "kubernetes-types/core/v1.d.ts";
import type { Pod } from "@kruise-agents/shared/api";
import { ENVD_PORT, sandboxUrl } from "@kruise-agents/shared/envd/http";

/** One check of a pod's readiness. */
export type ReadinessCheck =
  | { kind: "http"; port: number; path: string }
  | { kind: "tcp"; port: number };

function port(container: Container, value: number | string | undefined): number | undefined {
  if (typeof value === "number") return value;
  if (value === undefined) return undefined;
  const named = container.ports?.find((p) => p.name === value)?.containerPort;
  return named ?? (/^\d+$/.test(value) ? Number(value) : undefined);
}

function check(container: Container, probe: Probe | undefined): ReadinessCheck | undefined {
  if (probe?.httpGet !== undefined) {
    const p = port(container, probe.httpGet.port);
    if (p !== undefined) return { kind: "http", port: p, path: probe.httpGet.path ?? "/" };
  }
  if (probe?.tcpSocket !== undefined) {
    const p = port(container, probe.tcpSocket.port);
    if (p !== undefined) return { kind: "tcp", port: p };
  }
  return undefined;
}

/** The checks that make `pod` Ready (pure). */
export function readinessChecks(pod: Pod): ReadinessCheck[] {
  const container = pod.spec?.containers?.[0] as Container | undefined;
  if (container === undefined) return [];
  const checks: ReadinessCheck[] = [];
  for (const probe of [container.startupProbe, container.readinessProbe]) {
    const c = check(container, probe);
    if (c && !checks.some((x) => JSON.stringify(x) === JSON.stringify(c))) checks.push(c);
  }
  const servesEnvd = container.ports?.some((p) => p.containerPort === ENVD_PORT) ?? false;
  if (checks.length === 0 || servesEnvd) {
    checks.unshift({ kind: "http", port: ENVD_PORT, path: "/health" });
  }
  return checks;
}

async function passes(ip: string, c: ReadinessCheck): Promise<boolean> {
  try {
    if (c.kind === "tcp") {
      const conn = await Deno.connect({ hostname: ip, port: c.port });
      conn.close();
      return true;
    }
    const res = await fetch(`${sandboxUrl(ip, c.port)}${c.path}`, {
      signal: AbortSignal.timeout(1000),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 400;
  } catch {
    return false;
  }
}

/** Whether every check passes against `ip` now. */
export async function probeReady(ip: string, checks: readonly ReadinessCheck[]): Promise<boolean> {
  for (const c of checks) if (!(await passes(ip, c))) return false;
  return true;
}
