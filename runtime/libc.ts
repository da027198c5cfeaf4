/**
 * The few C library calls the runtime makes through FFI (`--allow-ffi`), in one place: switching
 * the calling thread's filesystem credentials (`setfsuid`, `setfsgid`, and the raw `setgroups`
 * and `getgroups` system calls), the extended-attribute calls behind file metadata, `renameat2`
 * for an upload's replacement of a file, and `malloc_trim` for the idle collector.
 *
 * The library is opened on first use, so a runtime that never acts as another user on files
 * carries none of it: Deno's first use of FFI costs about 2.5 MB resident (measured on Deno
 * 2.9.6, whatever the number of symbols), which an idle sandbox should not pay. Every call here
 * is synchronous and runs on the calling (main JS) thread.
 *
 * @module
 */

/** Linux system call numbers that differ between the architectures Deno ships for. */
const SYSCALLS = {
  x86_64: { getgroups: 115n, setgroups: 116n },
  aarch64: { getgroups: 158n, setgroups: 159n },
} as const;

const SYMBOLS = {
  setfsuid: { parameters: ["u32"], result: "i32" },
  setfsgid: { parameters: ["u32"], result: "i32" },
  // `long syscall(long number, ...)`: variadic, but every argument here is an integer or a
  // pointer, which both ABIs pass in the same registers as for a non-variadic call.
  syscall: { parameters: ["i64", "i64", "buffer"], result: "i64" },
  listxattr: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
  getxattr: { parameters: ["buffer", "buffer", "buffer", "usize"], result: "isize" },
  setxattr: { parameters: ["buffer", "buffer", "buffer", "usize", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  malloc_trim: { parameters: ["usize"], result: "i32" },
  renameat2: { parameters: ["i32", "buffer", "i32", "buffer", "u32"], result: "i32" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let libc: Libc | undefined;

/** The C library, opened on first use. Throws when FFI is not allowed or not available. */
export function libcSymbols(): Libc {
  if (libc === undefined) {
    libc = Deno.dlopen(
      Deno.build.os === "linux" ? "libc.so.6" : "libc.dylib",
      SYMBOLS,
    ).symbols;
  }
  return libc;
}

/**
 * Hands the C allocator's free memory back to the kernel (glibc's `malloc_trim(0)`: the top of
 * each arena, and the free pages inside them), when the library is open already; a runtime that
 * never opened it has not paid FFI's first-use cost and is not made to pay it here. Returns
 * whether anything was released. Linux and glibc only; elsewhere, or without FFI, `false`.
 */
export function trimMalloc(): boolean {
  if (libc === undefined || Deno.build.os !== "linux") return false;
  try {
    return libc.malloc_trim(0n) === 1;
  } catch {
    return false; // not glibc
  }
}

/** The system call numbers of this machine; throws on an architecture without a table. */
export function syscallNumbers(): { getgroups: bigint; setgroups: bigint } {
  const numbers = (SYSCALLS as Record<string, { getgroups: bigint; setgroups: bigint }>)[
    Deno.build.arch
  ];
  if (!numbers || Deno.build.os !== "linux") {
    throw new Error(`Cannot switch credentials: unsupported platform ${Deno.build.target}`);
  }
  return numbers;
}

/** `errno` of the calling thread; read it right after the call that failed. */
export function errno(): number {
  const pointer = libcSymbols().__errno_location();
  return pointer === null ? 0 : new Deno.UnsafePointerView(pointer).getInt32();
}

/** Linux `errno` values the runtime tells apart. */
export const Errno = {
  ERANGE: 34,
} as const;

/** A NUL-terminated copy of `text`, for `const char *` parameters. */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${text}\0`);
}
