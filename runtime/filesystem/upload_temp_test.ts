import assert from "node:assert/strict";
import { parseUploadTempName, uploadTempName } from "./upload_temp.ts";

Deno.test("parseUploadTempName() reads back what uploadTempName() encodes", () => {
  assert.deepEqual(parseUploadTempName(uploadTempName(true)), { replacing: true });
  assert.deepEqual(parseUploadTempName(uploadTempName(false)), { replacing: false });
});

Deno.test("parseUploadTempName() rejects ordinary names", () => {
  for (const name of ["file.txt", ".e2b-upload.new.", ".e2b-upload.other.x", "a.e2b-upload.new"]) {
    assert.equal(parseUploadTempName(name), undefined, name);
  }
});
