/**
 * `filesystem.Filesystem` as envd serves it: Stat, MakeDir, Move, ListDir, Remove, WatchDir and
 * the polled watchers. Each RPC resolves the run-as user (Basic auth, else the default user) and
 * resolves paths against that user's home; the work itself lives in one file per RPC.
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
import { watchDir } from "./watch_dir.ts";
import { WatcherRegistry } from "./watcher_registry.ts";

/**
 * Registers `filesystem.Filesystem` on `router`. Polled watchers live as long as the router (the
 * runtime), like envd's.
 */
export function filesystemRoutes(router: ConnectRouter, deps: RuntimeDeps): void {
  const watchers = new WatcherRegistry();

  function target(ctx: HandlerContext, path: string): { user: User; path: string } {
    const user = rpcUser(ctx.requestHeader, deps.state, deps.users);
    return { user, path: resolvePath(path, user.home, deps.state.defaultWorkdir) };
  }

  router.service(Filesystem, {
    stat(req, ctx) {
      return stat(target(ctx, req.path).path, deps.users);
    },

    makeDir(req, ctx) {
      const { user, path } = target(ctx, req.path);
      return makeDir(path, user);
    },

    move(req, ctx) {
      const { user, path: source } = target(ctx, req.source);
      const destination = resolvePath(req.destination, user.home, deps.state.defaultWorkdir);
      return move(source, destination, user, deps.users);
    },

    listDir(req, ctx) {
      return listDir(target(ctx, req.path).path, req.depth, deps.users);
    },

    remove(req, ctx) {
      return remove(target(ctx, req.path).path);
    },

    watchDir(req, ctx) {
      const { recursive, includeEntry } = req;
      return watchDir(
        target(ctx, req.path).path,
        { recursive, includeEntry, users: deps.users },
        ctx,
      );
    },

    async createWatcher(req, ctx) {
      const { recursive, includeEntry } = req;
      const dir = target(ctx, req.path).path;
      return {
        watcherId: await watchers.create(dir, { recursive, includeEntry, users: deps.users }),
      };
    },

    getWatcherEvents(req) {
      return { events: watchers.drain(req.watcherId) };
    },

    removeWatcher(req) {
      watchers.remove(req.watcherId);
      return {};
    },
  });
}
