import assert from "node:assert/strict";
import { join } from "node:path";
import { figureDir, saveFigure } from "../lib/io/figures.ts";
import { lineChart } from "../lib/plot/mod.ts";

const fig = lineChart([{ s: 0, p: 3 }, { s: 1, p: 2 }], { x: "s", y: "p", title: "saved" });

Deno.test("saveFigure writes the SVG (appending .svg), creating folders, no temp files left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await saveFigure(fig, "sub/perplexity", { dir });
    assert.equal(path, join(dir, "sub", "perplexity.svg"));
    assert.equal(await Deno.readTextFile(path), fig.svg + "\n");
    const names = [...Deno.readDirSync(join(dir, "sub"))].map((e) => e.name);
    assert.deepEqual(names, ["perplexity.svg"]);
    // overwriting replaces the file
    await saveFigure("<svg xmlns='http://www.w3.org/2000/svg'></svg>", "sub/perplexity.svg", {
      dir,
    });
    assert.match(await Deno.readTextFile(path), /^<svg xmlns='/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saveFigure resolves relative paths against DSF_NOTEBOOK_OUT", async () => {
  const dir = await Deno.makeTempDir();
  const before = Deno.env.get("DSF_NOTEBOOK_OUT");
  Deno.env.set("DSF_NOTEBOOK_OUT", dir);
  try {
    assert.equal(figureDir(), dir);
    const path = await saveFigure(fig, "fig.svg");
    assert.equal(path, join(dir, "fig.svg"));
    assert.ok((await Deno.stat(path)).isFile);
  } finally {
    if (before === undefined) Deno.env.delete("DSF_NOTEBOOK_OUT");
    else Deno.env.set("DSF_NOTEBOOK_OUT", before);
    await Deno.remove(dir, { recursive: true });
  }
  Deno.env.delete("DSF_NOTEBOOK_OUT");
  try {
    assert.equal(figureDir(), Deno.cwd());
  } finally {
    if (before !== undefined) Deno.env.set("DSF_NOTEBOOK_OUT", before);
  }
});

Deno.test("saveFigure refuses what is not an SVG document", async () => {
  await assert.rejects(
    () => saveFigure("<html></html>", "x.svg", { dir: "/nonexistent" }),
    /not an SVG/,
  );
});
