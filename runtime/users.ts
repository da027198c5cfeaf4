/**
 * Linux accounts as envd sees them: the run-as user of a process or a file operation is looked up
 * by name in `/etc/passwd`, and owners of files are reported by name. The databases are read on
 * every lookup miss rather than cached forever, because a sandbox image may add users (`useradd`)
 * while the runtime runs.
 *
 * @module
 */

/** One account from `/etc/passwd`, with its supplementary groups from `/etc/group`. */
export interface User {
  /** Login name, e.g. `user`. */
  name: string;
  /** Numeric user id. */
  uid: number;
  /** Primary group id. */
  gid: number;
  /** Home directory, e.g. `/home/user`. */
  home: string;
  /** Login shell. */
  shell: string;
}

/** The raw text of the account databases, injectable so that parsing is tested without files. */
export interface AccountFiles {
  /** Contents of `/etc/passwd`. */
  passwd: string;
  /** Contents of `/etc/group`. */
  group: string;
}

/** Parses `/etc/passwd` text into users; malformed lines are skipped as the C library does. */
export function parsePasswd(text: string): User[] {
  const users: User[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const [name, , uid, gid, , home, shell] = line.split(":");
    if (!name || uid === undefined || gid === undefined || home === undefined) continue;
    const u = Number(uid), g = Number(gid);
    if (!Number.isInteger(u) || !Number.isInteger(g)) continue;
    users.push({ name, uid: u, gid: g, home, shell: shell ?? "/bin/sh" });
  }
  return users;
}

/** Parses `/etc/group` text into a map of gid to group name. */
export function parseGroups(text: string): Map<number, string> {
  const groups = new Map<number, string>();
  for (const line of text.split("\n")) {
    const [name, , gid] = line.split(":");
    if (!name || gid === undefined || line.startsWith("#")) continue;
    const g = Number(gid);
    if (Number.isInteger(g) && !groups.has(g)) groups.set(g, name);
  }
  return groups;
}

/**
 * Parses `/etc/group` text into the supplementary groups of each member: user name → gids of the
 * groups that list it.
 */
export function parseGroupMembers(text: string): Map<string, number[]> {
  const members = new Map<string, number[]>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const [name, , gid, list] = line.split(":");
    const g = Number(gid);
    if (!name || !list || !Number.isInteger(g)) continue;
    for (const member of list.split(",")) {
      const user = member.trim();
      if (user === "") continue;
      const gids = members.get(user) ?? [];
      if (!gids.includes(g)) gids.push(g);
      members.set(user, gids);
    }
  }
  return members;
}

/**
 * Looks up accounts and names. Lookups re-read the databases when a name or id is unknown, so a
 * user created after start-up is found.
 */
export class UserDirectory {
  #read: () => AccountFiles;
  #users: User[] = [];
  #groups = new Map<number, string>();
  #members = new Map<string, number[]>();

  /**
   * Reads the databases once now; later misses re-read them.
   *
   * @param read returns the account databases; defaults to reading `/etc/passwd` and
   * `/etc/group`.
   */
  constructor(read: () => AccountFiles = readSystemAccountFiles) {
    this.#read = read;
    this.#reload();
  }

  #reload(): void {
    const files = this.#read();
    this.#users = parsePasswd(files.passwd);
    this.#groups = parseGroups(files.group);
    this.#members = parseGroupMembers(files.group);
  }

  /** The user named `name`, or `undefined` when there is none. */
  byName(name: string): User | undefined {
    let user = this.#users.find((u) => u.name === name);
    if (!user) {
      this.#reload();
      user = this.#users.find((u) => u.name === name);
    }
    return user;
  }

  /** The login name of `uid`, or the number as a string when it has no account (as envd does). */
  userName(uid: number): string {
    let user = this.#users.find((u) => u.uid === uid);
    if (!user) {
      this.#reload();
      user = this.#users.find((u) => u.uid === uid);
    }
    return user?.name ?? String(uid);
  }

  /**
   * The groups `user` acts with, as `initgroups(3)` computes them: the primary group first, then
   * every group that lists the user as a member.
   */
  groupsOf(user: User): number[] {
    const groups = [user.gid];
    for (const gid of this.#members.get(user.name) ?? []) {
      if (!groups.includes(gid)) groups.push(gid);
    }
    return groups;
  }

  /** The name of group `gid`, or the number as a string when it has none. */
  groupName(gid: number): string {
    let name = this.#groups.get(gid);
    if (name === undefined) {
      this.#reload();
      name = this.#groups.get(gid);
    }
    return name ?? String(gid);
  }
}

/** Reads the system's account databases; a missing file reads as empty. */
export function readSystemAccountFiles(): AccountFiles {
  const read = (path: string) => {
    try {
      return Deno.readTextFileSync(path);
    } catch {
      return "";
    }
  };
  return { passwd: read("/etc/passwd"), group: read("/etc/group") };
}
