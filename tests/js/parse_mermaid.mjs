// Parse Mermaid files with the real mermaid library under jsdom; one JSON line per file.
//   node parse_mermaid.mjs a.mmd b.mmd   -> {"file": "a.mmd", "ok": true, "type": "erDiagram"} ...
// Exit status 1 when any file fails to parse. Mermaid's default maxTextSize (50,000) applies.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>", { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const name of ["Element", "HTMLElement", "Node", "DocumentFragment", "DOMParser", "SVGElement", "NodeFilter"]) {
  if (dom.window[name] && !globalThis[name]) globalThis[name] = dom.window[name];
}

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

let failed = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  try {
    const result = await mermaid.parse(text);
    console.log(JSON.stringify({ file, ok: true, type: result && result.diagramType }));
  } catch (error) {
    failed += 1;
    console.log(JSON.stringify({ file, ok: false, error: String(error && error.message || error).slice(0, 2000) }));
  }
}
process.exit(failed ? 1 : 0);
