/**
 * The tree of the E2B SDK's own `files.list` test (`subdir1/subdir1_1`, `subdir1/subdir1_2`,
 * `subdir2/subdir2_1`, `file1.txt`, `subdir1/subdir1_1/deep.txt`) as envd lists it at depth 2:
 * pre-order, siblings by name. The unit test of `walkDir()` and the SDK test both check against
 * this one listing, so the runtime and the SDK are held to the same order.
 *
 * @module
 */

/** The tree's entries at depth 2, relative to its root. */
export const SDK_TREE_DEPTH_2: readonly string[] = [
  "file1.txt",
  "subdir1",
  "subdir1/subdir1_1",
  "subdir1/subdir1_2",
  "subdir2",
  "subdir2/subdir2_1",
];
