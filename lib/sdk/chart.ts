/**
 * Vega-Lite → SVG in node (no browser, no canvas): the one renderer for the simulator's charts and
 * `risk:report --chart`. The SVG has no scripts, fonts or external references.
 */
import { pathToFileURL } from "node:url";
import type * as Vega from "vega";
import type { TopLevelSpec, compile } from "vega-lite/build/index";

type VegaLite = { compile: typeof compile };

/** `spec` rendered to a self-contained SVG document titled `title`; Vega's warnings go to `warn`. */
export async function renderVegaLiteSvg(
  spec: TopLevelSpec | Record<string, unknown>,
  title: string,
  warn: (message: string) => void = (m) => console.warn(`chart: ${m}`),
): Promise<string> {
  const [vega, vegaLite] = await Promise.all([importEsm<typeof Vega>("vega"), importEsm<VegaLite>("vega-lite")]);
  const logger = vega.logger(vega.Warn, undefined, (_method, _level, args) => warn(args.map(String).join(" ")));
  const view = new vega.View(vega.parse(vegaLite.compile(spec as TopLevelSpec, { logger }).spec), {
    renderer: "none",
    logger,
  });
  try {
    // The document's title, as a browser shows it (Vega writes none).
    return (await view.toSVG()).replace(/^<svg[^>]*>/, (root) => root + `<title>${escapeXml(title)}</title>`) + "\n";
  } finally {
    view.finalize();
  }
}

/**
 * vega and vega-lite are ES modules with a top-level await, which require() cannot load; tsc turns an
 * import() into a require() under "module": "commonjs", a Function's body it leaves alone.
 */
async function importEsm<T>(name: string): Promise<T> {
  const dynamicImport = new Function("url", "return import(url)") as (url: string) => Promise<T>;
  return dynamicImport(pathToFileURL(require.resolve(name)).href);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
