import assert from "node:assert/strict";
import { assertClose, fixture } from "./_util.ts";

const CLI = new URL("../lib/cli/grads.ts", import.meta.url).pathname;

/** Runs `deno run -A lib/cli/grads.ts` with `input` on stdin. */
async function runGrads(input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(input));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("7. grads CLI round-trips a fixture spec made by the PyTorch script", async () => {
  for (const name of ["gru_dsf.json", "lstm_bptt.json"]) {
    const f = fixture(name);
    const r = await runGrads(JSON.stringify(f));
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    const got = JSON.parse(lines[lines.length - 1]);
    const exp = f.expected as { states: unknown; grads: Record<string, unknown> };
    assertClose(got.states, exp.states, `${name} states`);
    for (const k of ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "x"]) {
      assertClose(got.grads[k], exp.grads[k], `${name} ${k}`);
    }
  }
});

Deno.test("7. grads CLI rejects bad specs with a one-line error naming the field", async () => {
  const base = fixture("gru_bptt.json");
  delete base.expected;
  delete base.name;
  const bad: [string, Record<string, unknown> | string, RegExp][] = [
    ["not json", "{oops", /not valid JSON/],
    ["missing field", { ...base, x: undefined }, /^grads: x: missing field/],
    ["unknown field", { ...base, colour: 1 }, /^grads: colour: unknown field/],
    ["unknown cell", { ...base, cell: "rwkv" }, /^grads: cell: unknown cell "rwkv"/],
    ["unknown mode", { ...base, mode: "tbptt" }, /^grads: mode: unknown mode "tbptt"/],
    [
      "λ length",
      { ...base, mode: "dsf", dsf: { lambda: [0.5] } },
      /^grads: dsf\.lambda: length 1, expected the state size S = 4/,
    ],
    ["wrong shape", { ...base, outGrad: [[[1]]] }, /^grads: outGrad: shape/],
    [
      "non-number",
      { ...base, x: [[[1, 2, "three"]]] },
      /^grads: x\[0\]\[0\]\[2\]: expected a finite number/,
    ],
    [
      "ragged",
      { ...base, x: [[[1, 2, 3], [1, 2]]] },
      /^grads: x\[0\]\[1\]: ragged array|^grads: x\[0\]: ragged/,
    ],
    [
      "unknown impl",
      { ...base, mode: "dsf", dsf: { impl: "magic" } },
      /^grads: dsf\.impl: unknown "magic"/,
    ],
  ];
  for (const [what, spec, re] of bad) {
    const r = await runGrads(typeof spec === "string" ? spec : JSON.stringify(spec));
    assert.notEqual(r.code, 0, `${what}: exit code 0`);
    const errLines = r.stderr.trim().split("\n").filter((l) => l.startsWith("grads:"));
    assert.equal(errLines.length, 1, `${what}: expected one error line, got ${r.stderr}`);
    assert.match(errLines[0], re, what);
    assert.equal(r.stdout, "", `${what}: printed a result`);
  }
});

Deno.test("7. grads CLI refuses a non-finite result", async () => {
  const spec = fixture("rnn_bptt.json");
  delete spec.expected;
  delete spec.name;
  // +inf + (−inf) in the first pre-activation: NaN states.
  (spec.x as number[][][])[0][0] = [3e38, -3e38, 0];
  const w = spec.weights as Record<string, number[][]>;
  w.weight_ih = w.weight_ih.map((row) => row.map(() => 1e30));
  const r = await runGrads(JSON.stringify(spec));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /not finite/);
});
