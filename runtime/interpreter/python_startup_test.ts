/**
 * The Python startup code in a real IPython shell (no Jupyter): which display formats each kind
 * of value gets, and that nothing heavy is imported before the user's code asks for it. Needs the
 * Python packages of `hack/requirements.txt` (IPython, matplotlib, pandas, Pillow, e2b-charts).
 */
import assert from "node:assert/strict";
import { PYTHON_STARTUP } from "./python_startup.ts";

/**
 * Runs the startup in an `InteractiveShell` that records displays, then each case's `setup` cell,
 * and prints the formats of each case's `value` expression and the displays it caused, as JSON.
 */
const PROBE = `
import json, sys
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.displaypub import CapturingDisplayPublisher

startup, cases = sys.argv[1], json.loads(sys.argv[2])
ip = InteractiveShell.instance()
ip.display_pub = CapturingDisplayPublisher()
ip.run_cell(startup, silent=True)
out = {"imported": sorted(m for m in ("pandas", "matplotlib", "PIL") if m in sys.modules)}
for name, setup, value in cases:
    before = len(ip.display_pub.outputs)
    result = ip.run_cell(setup, silent=True)
    if not result.success:
        raise SystemExit(f"{name}: {result.error_in_exec!r}")
    formats = ip.display_formatter.format(ip.ev(value))[0] if value else {}
    shown = [sorted(o["data"]) for o in ip.display_pub.outputs[before:]]
    out[name] = {"formats": formats, "shown": shown}
print(json.dumps(out, default=str))
`;

const CASES: [string, string, string][] = [
  ["figure", "import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4], label='a')", "plt.gcf()"],
  ["blank_figure", "fig2 = plt.figure()", "fig2"],
  ["frame", "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2], 'b': ['x', None]})", "df"],
  ["dict", "import numpy as np\nd = {'n': np.int64(1), 'f': [np.float64(0.5)]}", "d"],
  ["nan", "nan = {'x': float('nan')}", "nan"],
  ["text", "s = 'plain'", "s"],
  [
    "saved",
    "import os, tempfile\nfrom PIL import Image\nimg = Image.new('RGB', (4, 4))\n" +
    "img.save(os.path.join(tempfile.mkdtemp(), 'x.png'))",
    "",
  ],
  ["saved_to_buffer", "import io\nimg.save(io.BytesIO(), format='PNG')", ""],
  ["shown", "img.show()", ""],
];

Deno.test("PYTHON_STARTUP adds e2b/chart, e2b/data, JSON and PIL displays, importing nothing", async () => {
  const { code, stdout, stderr } = await new Deno.Command("python3", {
    args: ["-c", PROBE, PYTHON_STARTUP, JSON.stringify(CASES)],
    env: { MPLBACKEND: "Agg" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const out = JSON.parse(new TextDecoder().decode(stdout));
  assert.deepEqual(out.imported, [], "the startup imports none of pandas, matplotlib, PIL");

  const chart = out.figure.formats["e2b/chart"];
  assert.equal(chart.type, "line");
  assert.deepEqual(chart.elements[0].points, [[1, 3], [2, 4]]);
  assert.equal(chart.elements[0].label, "a");
  assert.ok(!("e2b/chart" in out.blank_figure.formats), "a blank figure has no chart");

  assert.deepEqual(out.frame.formats["e2b/data"], { a: [1, 2], b: ["x", null] });
  assert.deepEqual(out.dict.formats["application/json"], { n: 1, f: [0.5] });
  assert.ok(!("application/json" in out.nan.formats), "NaN is not JSON");
  assert.equal(out.nan.formats["text/plain"], "{'x': nan}");
  assert.deepEqual(Object.keys(out.text.formats), ["text/plain"]);

  // One display each, with a PNG (PIL adds a JPEG for RGB images).
  assert.equal(out.saved.shown.length, 1, "saved to a path: shown");
  assert.ok(out.saved.shown[0].includes("image/png"));
  assert.deepEqual(out.saved_to_buffer.shown, [], "saved to a buffer: not shown");
  assert.equal(out.shown.shown.length, 1, "img.show(): shown");
  assert.ok(out.shown.shown[0].includes("image/png"));
});
