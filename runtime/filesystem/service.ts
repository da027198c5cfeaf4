/**
 * `filesystem.Filesystem` as envd serves it: Stat, MakeDir, Move, ListDir, Remove, WatchDir and
 * the polled watchers. Each RPC resolves the run-as user (Basic auth, else the default user),
 * resolves paths against that user's home and acts with that user's filesystem rights
 * ({@linkcode UserFs}); the work itself lives in one file per RPC.
 *
 * @module
 */
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { Filesystem } from "@kruise-agents/shared/envd";
import { rpcUser } from "../auth.ts";
import type { RuntimeDeps } from "../deps.ts";
import { resolvePath } from "../paths.ts";
import type { User } from "../users.ts";
import { listDir } from "./list_dir.ts";
import { makeDir } from "./make_dir.ts";
import { move } from "./move.ts";
import { remove } from "./remove.ts";
import { stat } from "./stat.ts";
import { UserFs } from "./user_fs.ts";
import { watchDir } from "./watch_dir.ts";
import { WatcherRegistry } from "./watcher_registry.ts";

/**
 * Registers `filesystem.Filesystem` on `router`. Polled watchers live as long as the router (the
 * runtime), like envd's.
 */
export function filesystemRoutes(router: ConnectRouter, deps: RuntimeDeps): void {
  const watchers = new WatcherRegistry();

  function target(ctx: HandlerContext, path: string): { user: User; fs: UserFs; path: string } {
    const user = rpcUser(ctx.requestHeader, deps.state, deps.users);
    return {
      user,
      fs: UserFs.of(user, deps.users),
      path: resolvePath(path, user.home, deps.state.defaultWorkdir),
    };
  }

  router.service(Filesystem, {
    stat(req, ctx) {
      const { fs, path } = target(ctx, req.path);
      return stat(path, deps.users, fs);
    },

    makeDir(req, ctx) {
      const { fs, path } = target(ctx, req.path);
      return makeDir(path, fs);
    },

    move(req, ctx) {
      const { user, fs, path: source } = target(ctx, req.source);
      const destination = resolvePath(req.destination, user.home, deps.state.defaultWorkdir);
      return move(source, destination, deps.users, fs);
    },

    listDir(req, ctx) {
      const { fs, path } = target(ctx, req.path);
      return listDir(path, req.depth, deps.users, fs);
    },

    remove(req, ctx) {
      const { fs, path } = target(ctx, req.path);
      return remove(path, fs);
    },

    watchDir(req, ctx) {
      const { recursive, includeEntry } = req;
      const { fs, path } = target(ctx, req.path);
      return watchDir(path, { recursive, includeEntry, users: deps.users, fs }, ctx);
    },

    async createWatcher(req, ctx) {
      const { recursive, includeEntry } = req;
      const { fs, path } = target(ctx, req.path);
      return {
        watcherId: await watchers.create(path, { recursive, includeEntry, users: deps.users, fs }),
      };
    },

    async getWatcherEvents(req) {
      return { events: await watchers.drain(req.watcherId) };
    },

    removeWatcher(req) {
      watchers.remove(req.watcherId);
      return {};
    },
  });
}
