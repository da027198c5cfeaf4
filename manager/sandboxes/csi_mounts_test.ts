import assert from "node:assert/strict";
import {
  METADATA_CSI_MOUNT_POINT as POINT,
  METADATA_CSI_SUBPATH as SUB,
  METADATA_CSI_VOLUME_CONFIG as LIST,
  METADATA_CSI_VOLUME_NAME as NAME,
} from "@kruise-agents/shared/api";
import { ApiError } from "../errors.ts";
import { type CsiMountConfig, csiMounts, type VolumeMount } from "./csi_mounts.ts";

Deno.test("csiMounts() reads the single keys, the JSON list and the body's volumeMounts as one list", () => {
  const cases: [string, Record<string, string>, VolumeMount[], CsiMountConfig[]][] = [
    ["nothing", { other: "x" }, [], []],
    ["the single keys", { [NAME]: "pv", [POINT]: "/data", [SUB]: "a/b" }, [], [
      { pvName: "pv", mountPath: "/data", subPath: "a/b" },
    ]],
    [
      "the JSON list",
      {
        [LIST]: JSON.stringify([
          { pvName: "a", mountPath: "/a" },
          {
            pvName: "b",
            mountPath: "/b",
            subPath: "x",
            readOnly: true,
            mountID: "m",
            attributes: { k: "v" },
          },
        ]),
      },
      [],
      [
        { pvName: "a", mountPath: "/a" },
        {
          pvName: "b",
          mountPath: "/b",
          subPath: "x",
          readOnly: true,
          mountID: "m",
          attributes: { k: "v" },
        },
      ],
    ],
    ["all three spellings", {
      [NAME]: "a",
      [POINT]: "/a",
      [LIST]: '[{"pvName":"b","mountPath":"/b"}]',
    }, [
      { name: "c", path: "/c" },
    ], [
      { pvName: "a", mountPath: "/a" },
      { pvName: "b", mountPath: "/b" },
      { pvName: "c", mountPath: "/c" },
    ]],
  ];
  for (const [name, metadata, body, want] of cases) {
    assert.deepEqual(csiMounts(metadata, body), want, name);
  }
});

Deno.test("csiMounts() answers a 400 naming the key for what cannot be mounted", () => {
  const cases: [Record<string, string>, VolumeMount[], RegExp][] = [
    [{ [NAME]: "pv" }, [], /csi-volume-name.*csi-mount-point.*go together/],
    [{ [POINT]: "/data" }, [], /go together/],
    [{ [SUB]: "x" }, [], /csi-subpath.*needs/],
    [{ [NAME]: "pv", [POINT]: "data" }, [], /csi-volume-name.*absolute/],
    [{ [NAME]: "pv", [POINT]: "/data", [SUB]: "../up" }, [], /sub-path must not contain '\.\.'/],
    [{ [NAME]: "pv", [POINT]: "/data", [SUB]: "/abs" }, [], /sub-path must be relative/],
    [{ [LIST]: "{not json" }, [], /csi-volume-config.*JSON array/],
    [{ [LIST]: '{"pvName":"a"}' }, [], /csi-volume-config.*must be a JSON array/],
    [{ [LIST]: '[{"mountPath":"/a"}]' }, [], /csi-volume-config\" item 0: pvName must be a string/],
    [
      { [LIST]: '[{"pvName":"a","mountPath":"/a/../b"}]' },
      [],
      /csi-volume-config\" item 0: path must not contain.*'\.\.'/,
    ],
    [
      { [LIST]: '[{"pvName":"a","mountPath":"/a","readOnly":"yes"}]' },
      [],
      /readOnly must be a boolean/,
    ],
    [{ [LIST]: '[{"pvName":"a","mountPath":"/a","attributes":{"k":1}}]' }, [], /attributes/],
    [{ [NAME]: "a", [POINT]: "/x" }, [{ name: "b", path: "/x" }], /"\/x" is used twice/],
  ];
  for (const [metadata, body, message] of cases) {
    assert.throws(
      () => csiMounts(metadata, body),
      (e) => e instanceof ApiError && e.status === 400 && message.test(e.message),
      JSON.stringify(metadata),
    );
  }
});
