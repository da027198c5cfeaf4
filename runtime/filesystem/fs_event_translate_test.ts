import assert from "node:assert/strict";
import { EventType } from "@kruise-agents/shared/envd";
import { translateFsEvents } from "./fs_event_translate.ts";
import { uploadTempName } from "./upload_temp.ts";

const root = "/w";
const ev = (kind: Deno.FsEvent["kind"], ...paths: string[]): Deno.FsEvent => ({ kind, paths });

Deno.test("translateFsEvents() maps create, modify and remove and drops access", () => {
  assert.deepEqual(
    translateFsEvents([
      ev("create", "/w/a.txt"),
      ev("modify", "/w/a.txt"),
      ev("modify", "/w/a.txt"),
      ev("access", "/w/a.txt"),
      ev("remove", "/w/a.txt"),
    ], root),
    [
      { path: "/w/a.txt", type: EventType.CREATE },
      { path: "/w/a.txt", type: "modify" },
      { path: "/w/a.txt", type: EventType.REMOVE },
    ],
  );
});

Deno.test("translateFsEvents() folds a rename seen from both ends into RENAME and CREATE", () => {
  assert.deepEqual(
    translateFsEvents([
      ev("remove", "/w/old"),
      ev("rename", "/w/sub/new"),
      ev("rename", "/w/old", "/w/sub/new"),
    ], root),
    [{ path: "/w/old", type: EventType.RENAME }, { path: "/w/sub/new", type: EventType.CREATE }],
  );
});

Deno.test("translateFsEvents() reports a move in from outside as CREATE and out as REMOVE", () => {
  assert.deepEqual(
    translateFsEvents([ev("rename", "/w/in"), ev("remove", "/w/out")], root),
    [{ path: "/w/in", type: EventType.CREATE }, { path: "/w/out", type: EventType.REMOVE }],
  );
});

Deno.test("translateFsEvents() shows an upload of a new file as envd's CREATE, CHMOD, WRITE", () => {
  const temp = `/w/${uploadTempName(false)}`;
  assert.deepEqual(
    translateFsEvents([
      ev("create", temp),
      ev("modify", temp),
      ev("access", temp),
      ev("remove", temp),
      ev("rename", "/w/f.txt"),
      ev("rename", temp, "/w/f.txt"),
    ], root),
    [
      { path: "/w/f.txt", type: EventType.CREATE },
      { path: "/w/f.txt", type: EventType.CHMOD },
      { path: "/w/f.txt", type: EventType.WRITE },
    ],
  );
});

Deno.test("translateFsEvents() shows an upload replacing a file as WRITE only", () => {
  const temp = `/w/${uploadTempName(true)}`;
  assert.deepEqual(
    translateFsEvents([ev("remove", temp), ev("rename", "/w/f"), ev("rename", temp, "/w/f")], root),
    [{ path: "/w/f", type: EventType.WRITE }],
  );
});

Deno.test("translateFsEvents() shows an upload that swaps names with the file it replaces as WRITE", () => {
  // What inotify reports for `replace_file.ts`: the exchange (two moves), then the old file's
  // removal under the temporary name.
  const temp = `/w/${uploadTempName(true)}`;
  assert.deepEqual(
    translateFsEvents([
      ev("create", temp),
      ev("remove", temp),
      ev("rename", "/w/f"),
      ev("rename", temp, "/w/f"),
      ev("rename", "/w/f"),
      ev("rename", "/w/f", temp),
      ev("remove", temp),
    ], root),
    [{ path: "/w/f", type: EventType.WRITE }],
  );
});

Deno.test("translateFsEvents() drops events on the watched directory itself", () => {
  assert.deepEqual(translateFsEvents([ev("modify", "/w"), ev("remove", "/w")], root), []);
});
