/**
 * The typed errors of the container runner. The local node acts on the `code` (an unknown image
 * goes on the pod status as the reason, a missing cgroup controller stops the node at start with
 * a clear message) instead of parsing messages, and the message always carries what the failing
 * tool said, so a log line is enough to diagnose it.
 *
 * @module
 */
import { CodedError } from "@kruise-agents/shared/std";

/** What went wrong while running or networking a container. */
export type ContainerErrorCode =
  /** A required host tool (runc, umoci, ip, iptables, a CNI plugin) is missing. */
  | "ToolMissing"
  /** A cgroup v1 controller the node needs is not mounted or not writable. */
  | "CgroupsUnavailable"
  /** The pod's image is not in the node's image layout. */
  | "ImageNotFound"
  /** The image is there but could not be unpacked. */
  | "ImageUnpackFailed"
  /** Mounting or unmounting a pod's root filesystem (or its /sys) failed. */
  | "MountFailed"
  /** A `runc` command failed; {@linkcode RuncError} has the details. */
  | "RuncFailed"
  /** No container of that id exists under the node's runc root. */
  | "ContainerNotFound"
  /** A CNI plugin failed; {@linkcode CniError} has the details. */
  | "CniFailed"
  /** Creating or removing a network namespace failed. */
  | "NetnsFailed"
  /** An `iptables` or sysctl change of the isolation rules failed. */
  | "FirewallFailed"
  /** The container did not reach the expected state in time. */
  | "Timeout";

/** A failure of the container runner, with a machine-readable {@linkcode ContainerErrorCode}. */
export class ContainerError extends CodedError<ContainerErrorCode> {}

/**
 * A `runc` invocation that exited non-zero. Kept apart from {@linkcode ContainerError}'s other
 * codes because callers branch on runc's own words: "container does not exist" after a restart
 * is not a failure of a clean-up, it is the clean-up already done.
 */
export class RuncError extends ContainerError {
  /** The runc arguments (after the global flags). */
  readonly args: readonly string[];
  /** runc's exit code. */
  readonly exitCode: number;
  /** What runc wrote to stderr (or its log), trimmed. */
  readonly stderr: string;

  /** Creates the error; the message ends with runc's stderr. */
  constructor(args: readonly string[], exitCode: number, stderr: string) {
    const code: ContainerErrorCode = /container does not exist/i.test(stderr)
      ? "ContainerNotFound"
      : "RuncFailed";
    super(code, `Cannot run 'runc ${args.join(" ")}': exit ${exitCode}: ${stderr.trim()}`);
    this.name = "RuncError";
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr.trim();
  }
}

/** A CNI plugin that failed, with the error object the CNI spec makes it print. */
export class CniError extends ContainerError {
  /** The plugin (`bridge`, `loopback`, ...). */
  readonly plugin: string;
  /** `ADD`, `DEL` or `CHECK`. */
  readonly command: string;
  /** The CNI error code (spec §"Error"), or the exit code when the plugin printed no JSON. */
  readonly cniCode: number;

  /** Creates the error from a plugin's exit. */
  constructor(plugin: string, command: string, cniCode: number, message: string) {
    super("CniFailed", `Cannot run CNI ${command} of plugin '${plugin}': ${message}`);
    this.name = "CniError";
    this.plugin = plugin;
    this.command = command;
    this.cniCode = cniCode;
  }
}
