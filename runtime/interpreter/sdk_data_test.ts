/**
 * Structured results through the published SDKs: `result.chart` for every chart type of E2B's
 * chart tests (line, scatter, bar, pie, box-and-whisker, several subplots), extracted by E2B's
 * `e2b_charts` through the kernel's startup formatters (`python_startup.ts`); `result.data` for
 * a DataFrame, `result.json` for a dict, and a PNG for a PIL image that is saved, shown or
 * returned. The JS SDK checks the fields; the Python SDK checks that its chart classes parse them.
 */
import assert from "node:assert/strict";
import { Sandbox } from "@e2b/code-interpreter";
import { startTestInterpreter } from "./_test_util.ts";

/** The cells of E2B's chart tests, in substance. */
const CHARTS = {
  line: `import numpy as np
import matplotlib.pyplot as plt
x = np.linspace(0, 2 * np.pi, 100)
plt.figure(figsize=(10, 6))
plt.plot(x, np.sin(x), label="sin(x)")
plt.plot(x, np.cos(x), label="cos(x)")
plt.xlabel("Time (s)")
plt.ylabel("Amplitude (Hz)")
plt.title("Plot of sin(x) and cos(x)")
plt.show()`,
  scatter: `import numpy as np
import matplotlib.pyplot as plt
plt.xlabel("A")
plt.ylabel("B")
plt.scatter(np.random.rand(5), np.random.rand(5), c="blue", label="Dataset 1")
plt.scatter(np.random.rand(10), np.random.rand(10), c="red", label="Dataset 2")
plt.show()`,
  bar: `import matplotlib.pyplot as plt
plt.figure(figsize=(10, 6))
plt.bar(["Author A", "Author B", "Author C", "Author D"], [100, 200, 300, 400])
plt.xlabel("Authors")
plt.ylabel("Number of Books Sold")
plt.title("Book Sales by Authors")
plt.tight_layout()
plt.show()`,
  pie: `import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(8, 8))
ax.pie([90, 10], labels=["No", "No, in blue"], autopct="%1.1f%%", startangle=90)
ax.axis("equal")
plt.title("Will I wake up early tomorrow?")
plt.show()`,
  box: `import matplotlib.pyplot as plt
data = {
    "Class A": [85, 90, 78, 92, 88],
    "Class B": [95, 89, 76, 91, 84, 87],
    "Class C": [75, 82, 88, 79, 86],
}
fig, ax = plt.subplots(figsize=(10, 6))
ax.set_title("Exam Scores Distribution")
ax.set_xlabel("Class")
ax.set_ylabel("Score")
ax.boxplot(data.values(), tick_labels=data.keys(), patch_artist=True)
plt.tight_layout()
plt.show()`,
  superchart: `import numpy as np
import matplotlib.pyplot as plt
fig, axs = plt.subplots(1, 2, figsize=(10, 8))
fig.suptitle("Multiple Graphs Example", fontsize=16)
x = np.linspace(0, 10, 100)
axs[0].plot(x, np.sin(x), "r")
axs[0].set_title("Sine Wave")
axs[0].grid(True)
axs[1].scatter(np.random.rand(5), np.random.rand(5), c="blue", label="Dataset 1")
axs[1].set_xlabel("X")
axs[1].set_ylabel("Y")
axs[1].set_title("Scatter Plot")
axs[1].grid(True)
plt.show()`,
};

/** A 16×16 PIL image, then `tail`. */
function pilCell(tail: string): string {
  return `import numpy
from PIL import Image
image = Image.fromarray((numpy.random.rand(16, 16, 3) * 255).astype("uint8")).convert("RGBA")
${tail}`;
}

// deno-lint-ignore no-explicit-any
type Chart = Record<string, any>;

Deno.test("@e2b/code-interpreter gets charts, data, JSON and images as E2B's tests do", async (t) => {
  await using served = await startTestInterpreter();
  const sbx = await Sandbox.create({ debug: true, sandboxUrl: served.url });
  const chartOf = async (code: string): Promise<Chart> => {
    const execution = await sbx.runCode(code, { timeoutMs: 120_000 });
    assert.equal(execution.error, undefined, execution.error?.traceback ?? "");
    const result = execution.results.find((r) => r.chart !== undefined);
    assert.ok(result, "a result with a chart");
    assert.ok(result.png, "the chart's result has its PNG too");
    return result.chart as Chart;
  };

  await t.step("line", async () => {
    const chart = await chartOf(CHARTS.line);
    assert.equal(chart.type, "line");
    assert.equal(chart.title, "Plot of sin(x) and cos(x)");
    assert.deepEqual([chart.x_label, chart.y_label], ["Time (s)", "Amplitude (Hz)"]);
    assert.deepEqual([chart.x_unit, chart.y_unit], ["s", "Hz"]);
    assert.deepEqual(chart.elements.map((e: Chart) => e.label), ["sin(x)", "cos(x)"]);
    assert.deepEqual(chart.elements.map((e: Chart) => e.points.length), [100, 100]);
    assert.ok(chart.elements[0].points.every((p: unknown[]) => p.length === 2));
    assert.ok(chart.x_ticks.every((tick: unknown) => typeof tick === "number"));
    assert.ok(chart.y_tick_labels.every((label: unknown) => typeof label === "string"));
  });

  await t.step("scatter", async () => {
    const chart = await chartOf(CHARTS.scatter);
    assert.equal(chart.type, "scatter");
    assert.equal(chart.title, null);
    assert.deepEqual([chart.x_label, chart.y_label], ["A", "B"]);
    assert.deepEqual(chart.elements.map((e: Chart) => e.label), ["Dataset 1", "Dataset 2"]);
    assert.deepEqual(chart.elements.map((e: Chart) => e.points.length), [5, 10]);
  });

  await t.step("bar", async () => {
    const chart = await chartOf(CHARTS.bar);
    assert.equal(chart.type, "bar");
    assert.equal(chart.title, "Book Sales by Authors");
    assert.deepEqual([chart.x_label, chart.y_label], ["Authors", "Number of Books Sold"]);
    assert.deepEqual([chart.x_unit, chart.y_unit], [null, null]);
    assert.deepEqual(chart.elements.map((e: Chart) => e.value), [100, 200, 300, 400]);
    assert.deepEqual(
      chart.elements.map((e: Chart) => e.label),
      ["Author A", "Author B", "Author C", "Author D"],
    );
  });

  await t.step("pie", async () => {
    const chart = await chartOf(CHARTS.pie);
    assert.equal(chart.type, "pie");
    assert.equal(chart.title, "Will I wake up early tomorrow?");
    assert.deepEqual(
      chart.elements.map((e: Chart) => [e.label, e.angle, e.radius]),
      [["No", 324, 1], ["No, in blue", 36, 1]],
    );
  });

  await t.step("box and whisker", async () => {
    const chart = await chartOf(CHARTS.box);
    assert.equal(chart.type, "box_and_whisker");
    assert.equal(chart.title, "Exam Scores Distribution");
    assert.deepEqual([chart.x_label, chart.y_label], ["Class", "Score"]);
    const boxes: Chart[] = chart.elements;
    assert.deepEqual(boxes.map((b) => b.label), ["Class A", "Class B", "Class C"]);
    assert.deepEqual(boxes.map((b) => b.outliers), [[], [76], []]);
    assert.deepEqual(boxes.map((b) => b.min), [78, 84, 75]);
    assert.deepEqual(boxes.map((b) => b.first_quartile), [85, 84.75, 79]);
    assert.deepEqual(boxes.map((b) => b.median), [88, 88, 82]);
    assert.deepEqual(boxes.map((b) => b.third_quartile), [90, 90.5, 86]);
    assert.deepEqual(boxes.map((b) => b.max), [92, 95, 88]);
  });

  await t.step("several subplots: a superchart of its charts", async () => {
    const chart = await chartOf(CHARTS.superchart);
    assert.equal(chart.type, "superchart");
    assert.equal(chart.title, "Multiple Graphs Example");
    const [line, scatter] = chart.elements as Chart[];
    assert.deepEqual([line?.type, line?.title, line?.x_label], ["line", "Sine Wave", null]);
    assert.equal(line?.elements[0].points.length, 100);
    assert.deepEqual([scatter?.type, scatter?.title, scatter?.x_label], [
      "scatter",
      "Scatter Plot",
      "X",
    ]);
    assert.equal(scatter?.elements[0].points.length, 5);
  });

  await t.step("a DataFrame has data, a dict has json", async () => {
    const frame = await sbx.runCode('import pandas as pd\npd.DataFrame({"a": [1, 2, 3]})');
    assert.deepEqual(frame.results[0]?.data, { a: [1, 2, 3] });
    const dict = await sbx.runCode('import numpy as np\n{"a": 1, "b": [np.int64(2), 3.5]}');
    assert.deepEqual(dict.results[0]?.json, { a: 1, b: [2, 3.5] });
    assert.equal(dict.text, "{'a': 1, 'b': [np.int64(2), 3.5]}");
  });

  await t.step("a PIL image that is saved, shown or returned arrives as a PNG", async () => {
    const cases = {
      saved: pilCell('image.save("test.png")\nprint("Image saved.")'),
      shown: pilCell('image.show()\nprint("Image shown.")'),
      returned: pilCell("image"),
    };
    for (const [name, code] of Object.entries(cases)) {
      const execution = await sbx.runCode(code);
      assert.equal(execution.error, undefined, name);
      assert.equal(execution.results.length, 1, name);
      assert.match(execution.results[0]?.png ?? "", /^iVBORw0KGgo/, `${name}: a PNG`);
    }
    assert.ok((await Deno.stat(`${served.cwd}/test.png`)).isFile, "and the file was saved");
  });

  await t.step("Python SDK: every chart parses into its chart class", async () => {
    const script = `
import json, sys
from e2b_code_interpreter import Sandbox
sbx = Sandbox.create(debug=True, sandbox_url=sys.argv[1])
out = {}
for name, code in json.loads(sys.argv[2]).items():
    chart = next(r.chart for r in sbx.run_code(code, timeout=120).results if r.chart)
    out[name] = [type(chart).__name__, chart.type.value, [type(e).__name__ for e in chart.elements]]
frame = sbx.run_code('import pandas as pd\\npd.DataFrame({"a": [1, 2]})').results[0]
out["data"] = frame.data
out["json"] = sbx.run_code('{"k": [1, 2]}').results[0].json
print(json.dumps(out))
`;
    const { code, stdout, stderr } = await new Deno.Command("python3", {
      args: ["-c", script, served.url, JSON.stringify(CHARTS)],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), {
      line: ["LineChart", "line", ["PointData", "PointData"]],
      scatter: ["ScatterChart", "scatter", ["PointData", "PointData"]],
      bar: ["BarChart", "bar", ["BarData", "BarData", "BarData", "BarData"]],
      pie: ["PieChart", "pie", ["PieData", "PieData"]],
      box: ["BoxAndWhiskerChart", "box_and_whisker", Array(3).fill("BoxAndWhiskerData")],
      superchart: ["SuperChart", "superchart", ["LineChart", "ScatterChart"]],
      data: { a: [1, 2] },
      json: { k: [1, 2] },
    });
  });
});
