/**
 * Two checks that the notebooks work outside our executor (CI runs both, `./dsf.sh lab-check`):
 *
 * - `html NOTEBOOK.ipynb`: `jupyter nbconvert --to html` of an executed notebook keeps every
 *   figure: each `image/svg+xml` output appears inline in the HTML.
 * - `server`: Jupyter Notebook (the server `./dsf.sh lab` opens) starts headless on a free
 *   port, starts the Deno kernel through its REST API, runs one cell through the kernel's
 *   websocket and gets its result back, then shuts the kernel and the server down.
 *
 *     deno run -A notebooks/portable.ts html out/notebooks/01_overview.ipynb
 *     deno run -A notebooks/portable.ts server
 *
 * @module
 */
import { join } from "node:path";

function fail(message: string): never {
  console.error(`portable: ${message}`);
  Deno.exit(1);
}

async function checkHtml(path: string): Promise<void> {
  const nb = JSON.parse(await Deno.readTextFile(path).catch(() => fail(`cannot read ${path}`)));
  const svgs: string[] = [];
  for (const cell of nb.cells ?? []) {
    for (const out of cell.outputs ?? []) {
      const svg = out.data?.["image/svg+xml"];
      if (svg) svgs.push(Array.isArray(svg) ? svg.join("") : svg);
    }
  }
  const figures = svgs.length;
  if (figures === 0) fail(`${path} has no figure output: run the notebooks first`);
  const dir = await Deno.makeTempDir();
  try {
    const r = await new Deno.Command("jupyter", {
      args: ["nbconvert", "--to", "html", "--output-dir", dir, path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!r.success) {
      throw new Error(`nbconvert failed: ${new TextDecoder().decode(r.stderr).slice(-500)}`);
    }
    const name = path.split("/").pop()!.replace(/\.ipynb$/, ".html");
    const html = await Deno.readTextFile(join(dir, name));
    // Each figure's opening (its size, title and legend), as the notebook holds it, is in the HTML.
    const lost = svgs.filter((svg) => !html.includes(svg.slice(0, 400)));
    if (lost.length > 0) {
      throw new Error(`${name}: ${lost.length} of ${figures} figures are not in the HTML`);
    }
    console.log(`portable: ${name} keeps its ${figures} figures inline`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function checkServer(): Promise<void> {
  const port = freePort();
  const token = crypto.randomUUID();
  const server = new Deno.Command("jupyter", {
    args: [
      "notebook",
      "--no-browser",
      `--port=${port}`,
      "--ip=127.0.0.1",
      `--NotebookApp.token=${token}`,
      "--allow-root",
      `--notebook-dir=${decodeURIComponent(new URL(".", import.meta.url).pathname)}`,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Drain the server's log (a full pipe would stall it); its tail goes into a failure message.
  const log = new Response(server.stderr).text();
  let exited = false;
  server.status.then(() => (exited = true));
  const base = `http://127.0.0.1:${port}`;
  const headers = { Authorization: `token ${token}`, "Content-Type": "application/json" };
  try {
    // The server is up when its API answers (up to 60 s).
    let up = false;
    for (let i = 0; i < 120 && !up && !exited; i++) {
      const status = await fetch(`${base}/api/status`, { headers }).then((r) => {
        r.body?.cancel();
        return r.status;
      }).catch(() => 0);
      if (status === 401 || status === 403) {
        throw new Error(`the notebook server refused the token (HTTP ${status})`);
      }
      up = status === 200;
      if (!up) await new Promise((r) => setTimeout(r, 500));
    }
    if (!up) {
      throw new Error(
        `the notebook server ${exited ? "exited" : "did not answer within 60 s"}`,
      );
    }
    const kernel = await (await fetch(`${base}/api/kernels`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name: "deno" }),
    })).json();
    if (!kernel.id) throw new Error(`no Deno kernel started: ${JSON.stringify(kernel)}`);
    const result = await runCell(
      `ws://127.0.0.1:${port}/api/kernels/${kernel.id}/channels?token=${token}`,
      "6 * 7",
    );
    if (result !== "42") throw new Error(`the cell "6 * 7" returned ${JSON.stringify(result)}`);
    const del = await fetch(`${base}/api/kernels/${kernel.id}`, { method: "DELETE", headers });
    await del.body?.cancel();
    console.log(
      `portable: Jupyter Notebook ran a cell through the Deno kernel (6 * 7 = ${result})`,
    );
  } catch (e) {
    if (!exited) server.kill("SIGTERM");
    await server.status;
    const tail = (await log).trim().split("\n").slice(-8).join("\n");
    throw new Error(`${(e as Error).message}\n${tail}`);
  }
  server.kill("SIGTERM");
  await server.status;
  await log;
}

/** Sends one execute_request on the kernel's channels and resolves with its text/plain result. */
function runCell(url: string, code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const msgId = crypto.randomUUID();
    const timer = setTimeout(() => {
      ws.onclose = null;
      ws.close();
      reject(new Error("no result within 60 s"));
    }, 60_000);
    ws.onopen = () =>
      ws.send(JSON.stringify({
        header: {
          msg_id: msgId,
          username: "portable",
          session: crypto.randomUUID(),
          msg_type: "execute_request",
          version: "5.3",
          date: new Date().toISOString(),
        },
        parent_header: {},
        metadata: {},
        content: {
          code,
          silent: false,
          store_history: false,
          user_expressions: {},
          allow_stdin: false,
          stop_on_error: true,
        },
        channel: "shell",
        buffers: [],
      }));
    ws.onmessage = (e) => {
      const msg = JSON.parse(String(e.data));
      if (msg.parent_header?.msg_id !== msgId) return;
      if (msg.msg_type === "execute_result") {
        clearTimeout(timer);
        ws.onclose = null;
        ws.close();
        resolve(msg.content.data["text/plain"]);
      } else if (msg.msg_type === "error") {
        clearTimeout(timer);
        ws.onclose = null;
        ws.close();
        reject(new Error(`${msg.content.ename}: ${msg.content.evalue}`));
      }
    };
    ws.onclose = () => {
      clearTimeout(timer);
      reject(new Error("the kernel's websocket closed before the result"));
    };
    ws.onerror = (e) => {
      clearTimeout(timer);
      reject(new Error(`websocket: ${(e as ErrorEvent).message ?? "error"}`));
    };
  });
}

const [what, arg] = Deno.args;
if (what === "html" && arg) await checkHtml(arg).catch((e) => fail((e as Error).message));
else if (what === "server") await checkServer().catch((e) => fail((e as Error).message));
else {
  console.error("usage: deno run -A notebooks/portable.ts html NOTEBOOK.ipynb | server");
  Deno.exit(2);
}
