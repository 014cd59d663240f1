/**
 * Notebook output helpers for Deno's Jupyter kernel: displayable Markdown and tables, `show()`
 * to display mid-cell, display handles that update one output in place (Jupyter
 * `update_display_data` through `Deno.jupyter.display(bundle, {raw, update, display_id})`), and a
 * throttled training progress line built on them. Outside Jupyter (CLI, tests, a browser) the
 * same calls print plain text lines to the console.
 *
 * `Deno.jupyter` is only looked up at call time, through `globalThis.Deno?.jupyter` (its getter
 * throws outside `deno jupyter`), so this module also bundles for a browser.
 *
 * @module
 */

import { DISPLAY_SYMBOL, type Displayable, type MediaBundle } from "../util/jupyter_display.ts";

export { DISPLAY_SYMBOL, type Displayable, type MediaBundle };

/** The part of `Deno.jupyter` used here (tests may pass a stand-in). */
export interface JupyterDisplay {
  /** Sends `display_data` (or `update_display_data` with `update`) for a MIME bundle. */
  display(
    obj: unknown,
    options?: { raw?: boolean; update?: boolean; display_id?: string },
  ): Promise<void>;
}

/** `Deno.jupyter` when running inside Deno's Jupyter kernel, else undefined (never throws). */
function jupyterApi(): JupyterDisplay | undefined {
  try {
    const deno = (globalThis as { Deno?: { jupyter?: JupyterDisplay } }).Deno;
    const api = deno?.jupyter;
    return typeof api?.display === "function" ? api : undefined;
  } catch {
    return undefined; // the getter throws outside `deno jupyter`
  }
}

/** Whether code runs inside Deno's Jupyter kernel. */
export function inJupyter(): boolean {
  return jupyterApi() !== undefined;
}

/** Whether a value has a Jupyter display method. */
export function isDisplayable(value: unknown): value is Displayable {
  return typeof value === "object" && value !== null &&
    typeof (value as Record<symbol, unknown>)[DISPLAY_SYMBOL] === "function";
}

/** The MIME bundle of a value: its display method's, or its text as `text/plain`. */
export async function toBundle(value: unknown): Promise<MediaBundle> {
  if (isDisplayable(value)) return await value[DISPLAY_SYMBOL]();
  return { "text/plain": typeof value === "string" ? value : String(value) };
}

/** A displayable object made from a MIME bundle. */
export function displayable(bundle: MediaBundle): Displayable {
  return { [DISPLAY_SYMBOL]: () => bundle };
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Markdown that the notebook renders (`text/markdown`, with the text as `text/plain`). */
export function markdown(text: string): Displayable {
  return displayable({ "text/markdown": text, "text/plain": text });
}

/** Options of {@link table}. */
export interface TableOptions {
  /** Columns, in order (default: keys of all rows, in order of first appearance). */
  columns?: string[];
  /** Significant digits for non-integer numbers (default 4). */
  digits?: number;
  /** Caption over the table. */
  caption?: string;
  /**
   * Why a column has no value in some rows (shown as a dash), by column: printed under the table
   * for each column that has a dash (default reason: "not measured or not defined for the row").
   */
  missing?: Record<string, string>;
}

/** Formats a value: integers as is, other numbers to `digits` significant digits (NaN as NaN:
 * a diverged loss stays visible; tables print a dash and the reason instead). */
export function formatValue(value: unknown, digits = 4): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (Number.isInteger(value)) return String(value);
    const a = Math.abs(value);
    if (a !== 0 && (a >= 1e6 || a < 1e-3)) return value.toExponential(digits - 1);
    return String(Number(value.toPrecision(digits)));
  }
  return String(value);
}

/** A table of records: HTML for the notebook, aligned text for the console (`text/plain`). */
export function table(
  rows: readonly Record<string, unknown>[],
  options: TableOptions = {},
): Displayable {
  const columns = options.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? "–" : formatValue(v, options.digits);
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === "number"));
  const align = (i: number) => numeric[i] ? "right" : "left";
  const head = columns.map((c, i) => `<th style="text-align:${align(i)}">${escapeHtml(c)}</th>`);
  const body = cells.map((r) =>
    `<tr>${
      r.map((v, i) => `<td style="text-align:${align(i)}">${escapeHtml(v)}</td>`).join("")
    }</tr>`
  );
  const caption = options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : "";
  const dashed = columns.filter((c, i) =>
    rows.some((r) => typeof r[c] === "number" && !Number.isFinite(r[c])) ||
    cells.some((row) => row[i] === "–")
  );
  const notes = dashed.map((c) =>
    `– in ${c}: ${options.missing?.[c] ?? "not measured or not defined for the row"}`
  );
  const foot = notes.length
    ? `<tfoot><tr><td colspan="${columns.length}" style="text-align:left;font-size:smaller">${
      notes.map(escapeHtml).join("<br>")
    }</td></tr></tfoot>`
    : "";
  const html = `<table>${caption}<thead><tr>${head.join("")}</tr></thead><tbody>${
    body.join("")
  }</tbody>${foot}</table>`;
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((v, i) => numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])).join("  ").trimEnd();
  const text = [
    ...(options.caption ? [options.caption] : []),
    line(columns),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.map(line),
    ...notes,
  ].join("\n");
  return displayable({ "text/html": html, "text/plain": text });
}

/** Where output goes: `jupyter` overrides the detected `Deno.jupyter` (null: console). */
export interface OutputOptions {
  /** Display API to use; default `Deno.jupyter` inside the kernel, else the console. */
  jupyter?: JupyterDisplay | null;
}

function resolveApi(options: OutputOptions): JupyterDisplay | undefined {
  return options.jupyter === null ? undefined : options.jupyter ?? jupyterApi();
}

/**
 * Displays a value now (not only as the cell's last expression), e.g. a figure inside a loop.
 * Outside Jupyter prints its `text/plain`.
 */
export async function show(value: unknown, options: OutputOptions = {}): Promise<void> {
  const api = resolveApi(options);
  const bundle = await toBundle(value);
  if (api) await api.display(bundle, { raw: true });
  else console.log(bundle["text/plain"] ?? "[no text/plain output]");
}

let handleCount = 0;

/**
 * One notebook output that can be replaced in place: the first `update` sends `display_data`
 * with a `display_id`, later ones `update_display_data` for that id.
 */
export class DisplayHandle {
  /** The Jupyter display id. */
  readonly id: string;
  #shown = false;
  #chain: Promise<void> = Promise.resolve();
  #lastText = "";
  readonly #api: JupyterDisplay | undefined;

  /** Creates a handle (nothing is shown until the first update). */
  constructor(options: DisplayHandleOptions = {}) {
    this.#api = resolveApi(options);
    this.id = options.id ??
      `dsf-${Date.now().toString(36)}-${(handleCount++).toString(36)}-${
        Math.random().toString(36).slice(2, 8)
      }`;
  }

  /**
   * Shows `value` in this output (replacing what it showed before). Updates are sent in order;
   * the returned promise resolves when this one was sent. Outside Jupyter prints its text.
   */
  update(value: unknown): Promise<void> {
    const next = this.#chain.then(async () => {
      const bundle = await toBundle(value);
      const api = this.#api;
      if (api) {
        await api.display(bundle, { raw: true, update: this.#shown, display_id: this.id });
        this.#shown = true;
      } else {
        const text = bundle["text/plain"] ?? "";
        if (text !== this.#lastText) console.log(text);
        this.#lastText = text;
      }
    });
    this.#chain = next.catch(() => {}); // a failed update must not block the next ones
    return next;
  }

  /**
   * Waits until every update was sent, then a little longer (`ms`, default 50) so that the
   * kernel's output queue drains before the cell ends (Deno's kernel can report the cell idle
   * before its last outputs, and frontends may then drop them).
   */
  async flush(ms = 50): Promise<void> {
    await this.#chain;
    if (this.#api && ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Whether output goes to a notebook (else to the console). */
  get inNotebook(): boolean {
    return this.#api !== undefined;
  }
}

/** Options of {@link displayHandle}. */
export interface DisplayHandleOptions extends OutputOptions {
  /** Display id (default: a fresh unique one). */
  id?: string;
}

/** A handle to one output that later calls replace in place (see {@link DisplayHandle}). */
export function displayHandle(options: DisplayHandleOptions = {}): DisplayHandle {
  return new DisplayHandle(options);
}

/** Options of {@link progress}. */
export interface ProgressOptions extends OutputOptions {
  /** Total number of steps (for the bar, percentage and ETA). */
  total?: number;
  /** Name shown before the numbers (e.g. "dsf quick"). */
  label?: string;
  /** Least time between two notebook updates, in ms (default 250). */
  minIntervalMs?: number;
  /** Least time between two console lines outside Jupyter, in ms (default 5000). */
  logIntervalMs?: number;
  /** Clock in ms (tests); default `performance.now`. */
  now?: () => number;
}

/** One progress report; any extra numeric or string field is shown as `name value`. */
export interface ProgressUpdate {
  /** Steps done so far. */
  step: number;
  /** Current loss. */
  loss?: number;
  /** Throughput. */
  tokensPerSec?: number;
  /** Any other metric (perplexity, learning rate, ...). */
  [metric: string]: number | string | undefined;
}

function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Live progress of a loop: one notebook output updated in place, or console lines. */
export class Progress {
  readonly #handle: DisplayHandle;
  readonly #options:
    & Required<Pick<ProgressOptions, "minIntervalMs" | "logIntervalMs" | "now">>
    & ProgressOptions;
  readonly #start: number;
  #lastSent = -Infinity;
  #last: ProgressUpdate = { step: 0 };
  #finished = false;

  /** Starts the clock; prefer {@link progress}. */
  constructor(options: ProgressOptions = {}) {
    const now = options.now ?? (() => performance.now());
    this.#options = {
      ...options,
      minIntervalMs: options.minIntervalMs ?? 250,
      logIntervalMs: options.logIntervalMs ?? 5000,
      now,
    };
    this.#start = now();
    this.#handle = new DisplayHandle({ jupyter: options.jupyter });
  }

  /** The text of the current state, e.g. `dsf: 120/1000 (12.0%) | loss 4.231 | ... | ETA 4:15`. */
  text(state: ProgressUpdate = this.#last, finished = this.#finished): string {
    const { total, label } = this.#options;
    const elapsed = this.#options.now() - this.#start;
    const parts: string[] = [];
    const count = total
      ? `${state.step}/${total} (${(100 * state.step / total).toFixed(1)}%)`
      : `${state.step}`;
    parts.push(`${label ? `${label}: ` : ""}${finished ? "done " : ""}step ${count}`);
    if (state.loss !== undefined) parts.push(`loss ${formatValue(state.loss, 4)}`);
    if (state.tokensPerSec !== undefined) {
      parts.push(`${Math.round(state.tokensPerSec).toLocaleString("en-US")} tok/s`);
    }
    for (const [k, v] of Object.entries(state)) {
      if (k === "step" || k === "loss" || k === "tokensPerSec" || v === undefined) continue;
      parts.push(`${k} ${formatValue(v, 4)}`);
    }
    let time = `${duration(elapsed)} elapsed`;
    if (!finished && total && state.step > 0 && state.step < total) {
      time += `, ETA ${duration((elapsed / state.step) * (total - state.step))}`;
    }
    parts.push(time);
    return parts.join(" | ");
  }

  #bundle(finished: boolean): MediaBundle {
    const text = this.text(this.#last, finished);
    const { total } = this.#options;
    const bar = total
      ? `<progress value="${
        Math.min(this.#last.step, total)
      }" max="${total}" style="width:8em;vertical-align:middle"></progress> `
      : "";
    return {
      "text/plain": text,
      "text/html":
        `<div style="font-family:monospace;white-space:pre-wrap;font-size:smaller">${bar}${
          escapeHtml(text)
        }</div>`,
    };
  }

  /** Reports a step; throttled to `minIntervalMs` in a notebook (`logIntervalMs` on a console). */
  update(state: ProgressUpdate): void {
    this.#last = state;
    const now = this.#options.now();
    const interval = this.#handle.inNotebook
      ? this.#options.minIntervalMs
      : this.#options.logIntervalMs;
    if (now - this.#lastSent < interval) return;
    this.#lastSent = now;
    this.#handle.update(displayable(this.#bundle(false))).catch(() => {});
  }

  /** Shows the final state (optionally a last update) and waits until it was sent. */
  async done(state?: ProgressUpdate): Promise<void> {
    if (state) this.#last = state;
    this.#finished = true;
    await this.#handle.update(displayable(this.#bundle(true))).catch(() => {});
    await this.#handle.flush();
  }
}

/**
 * Live progress: `const p = progress({total, label}); p.update({step, loss, tokensPerSec});
 * await p.done();`. In a notebook one output line is updated in place (throttled); elsewhere a
 * console line is printed every few seconds and at the end.
 */
export function progress(options: ProgressOptions = {}): Progress {
  return new Progress(options);
}
