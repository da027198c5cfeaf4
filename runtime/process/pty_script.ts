/**
 * Terminals for images without python3: util-linux's `script` (Debian's bsdutils, an Essential
 * package, so every Debian-based image has it) runs the command on a pseudo-terminal and copies
 * its stdin to the terminal and the terminal to its stdout. The runtime's own PTY helper
 * (`pty_helper.py`) is preferred where python3 exists, because it carries window-size changes in
 * band; here the size is set on the terminal itself (`stty -F`, whose TIOCSWINSZ makes the kernel
 * send SIGWINCH to the terminal's foreground group), at the start and on each resize.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { shellQuote } from "@kruise-agents/shared/std";

/**
 * argv that runs `argv` on a `script` terminal: quiet, flushing each write, with the command's
 * exit status, and no typescript file. The terminal's size is set from outside
 * ({@linkcode resizeScriptPty}), as `script` has no option for it.
 */
export function scriptPtyArgv(script: string, argv: string[]): string[] {
  const command = `exec ${argv.map(shellQuote).join(" ")}`;
  return [script, "--quiet", "--flush", "--return", "--command", command, "/dev/null"];
}

/**
 * A file of another process's `/proc` entry, read by `cat`: Deno grants reads of `/proc/PID`
 * only under `--allow-all`, which the runtime does not run with (its `--allow-run` covers this).
 */
async function readProc(path: string): Promise<string> {
  const out = await new Deno.Command("cat", { args: [path], stdout: "piped", stderr: "null" })
    .output();
  return out.success ? new TextDecoder().decode(out.stdout) : "";
}

/** The pid of the first child of `pid` (`script`'s shell), from `/proc`. */
async function firstChild(pid: number): Promise<number | undefined> {
  try {
    const text = await readProc(`/proc/${pid}/task/${pid}/children`);
    const child = Number(text.trim().split(/\s+/)[0]);
    return Number.isInteger(child) && child > 0 ? child : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `/dev/pts/N` that is the controlling terminal of `pid`, from `/proc/PID/stat`'s `tty_nr`
 * (world-readable, unlike `/proc/PID/fd`, which a container's root without CAP_SYS_PTRACE cannot
 * read for another user's process). Unix98 PTY slaves have majors 136-143.
 */
export async function controllingPts(pid: number): Promise<string | undefined> {
  const stat = await readProc(`/proc/${pid}/stat`);
  const ttyNr = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[4]);
  if (!Number.isInteger(ttyNr) || ttyNr <= 0) return undefined;
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major < 136 || major > 143) return undefined;
  return `/dev/pts/${(major - 136) * 256 + minor}`;
}

/** The controlling terminal of the first process below `rootPid` that has a PTY one, if any. */
async function terminalBelow(rootPid: number): Promise<string | undefined> {
  let pid: number | undefined = rootPid;
  for (let depth = 0; pid !== undefined && depth < 4; depth++) {
    const terminal = await controllingPts(pid);
    if (terminal) return terminal;
    pid = await firstChild(pid);
  }
  return undefined;
}

/**
 * Sets the size of the terminal that the `script` under `rootPid` made (the wrappers `setsid`
 * and `setpriv` exec into their program, so the first process below `rootPid` whose controlling
 * terminal is a PTY is the command). `failed_precondition` when the terminal is gone.
 */
export async function resizeScriptPty(rootPid: number, cols: number, rows: number): Promise<void> {
  // Right after the start, `script` may not have forked its shell yet: look again for a moment.
  let terminal: string | undefined;
  for (let attempt = 0; !terminal && attempt < 100; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    terminal = await terminalBelow(rootPid);
    if (!terminal && (await readProc(`/proc/${rootPid}/stat`)) === "") break;
  }
  if (!terminal) throw new ConnectError("the terminal is gone", Code.FailedPrecondition);
  const out = await new Deno.Command("stty", {
    args: ["-F", terminal, "cols", String(cols), "rows", String(rows)],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new ConnectError(
      `cannot resize ${terminal}: ${new TextDecoder().decode(out.stderr).trim()}`,
      Code.Internal,
    );
  }
}
