/**
 * The chart of a simulation, sim/out/<scenario>.svg: one Vega-Lite view per panel, stacked over a
 * shared time axis and rendered to SVG by Vega in node (no browser, no canvas; the file has no
 * scripts, fonts or external references). The panels: collateral prices (% of start), the peg (BDOL
 * and USDC prices), system collateral ratio, reserve ratio with the controller's reserve target, bad
 * debt and deficit, stability fees, borrow ratios (with the periods when a breaker halted borrowing),
 * with the market model BDOL's pool and the PegKeeper's debt, and, when the scenario uses the PSM, its
 * minted supply and the reserve's USDC — each with every run (keepers active: solid; keepers absent:
 * dashed) and the keeper-absence window shaded.
 */
import type { TopLevelSpec } from "vega-lite/build/index";
import { renderVegaLiteSvg } from "../../lib/sdk/chart";
import { PEG_KEYS } from "./assets";
import type { TickRecord } from "./metrics";
import type { RunResult, SimResult } from "./simulate";

const SOLID = [1, 0];
const DOTTED = [2, 3];
interface RunStyle {
  color: string;
  dash: number[];
  label: string;
}
const RUN_STYLE: Record<string, RunStyle> = {
  active: { color: "#1b7f3b", dash: SOLID, label: "keepers active" },
  absent: { color: "#c0392b", dash: [7, 4], label: "keepers absent" },
  /** The market model's extra run: keepers active, no PegKeeper. */
  "active-no-pk": { color: "#7f8c8d", dash: [3, 3], label: "keepers active, no peg keeper" },
};

/** A run's line style: by mode, and the market model's run without the PegKeeper apart. */
function styleOf(r: RunResult): RunStyle {
  return RUN_STYLE[r.market !== undefined && !r.pegKeeper && r.mode === "active" ? "active-no-pk" : r.mode];
}

/** The collaterals' colours, in the configuration's order (blue WETH, orange WBTC, …). */
const ASSET_COLORS = ["#4a5bd4", "#e69500", "#16a085", "#8e44ad", "#7f6a00"];
const assetColor = (i: number) => ASSET_COLORS[i % ASSET_COLORS.length];
const PEG_COLOR: Record<string, string> = { BDOL: "#6a1b9a", USDC: "#2775ca" };
const ABSENCE = { label: "keepers absent (window)", color: "#c0392b" };
const HALT = { label: "borrowing halted (active run)", color: "#e67e22" };

interface Series {
  label: string;
  color: string;
  dash: number[];
  width?: number;
  points: [number, number | null][];
}

interface Panel {
  title: string;
  unit: string;
  series: Series[];
  refLines?: { y: number; label: string }[];
  /** Shaded time intervals [fromMinute, toMinute) (besides the keepers' absence). */
  halts?: [number, number][];
  /** Always include 0 in the y range. */
  zero?: boolean;
  /** The y labels: a d3 format, or "compact" (1.5M, 300k). */
  format: string;
}

/** [from, to) minutes of the ticks where `on` holds (a tick lasts until the next one). */
function intervals(series: TickRecord[], on: (t: TickRecord) => boolean): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < series.length; i++) {
    if (!on(series[i])) continue;
    const end = i + 1 < series.length ? series[i + 1].minute : series[i].minute;
    const last = out[out.length - 1];
    if (last && last[1] === series[i].minute) last[1] = end;
    else out.push([series[i].minute, end]);
  }
  return out;
}

/** One line per run, labelled "<label>, keepers active" (the run's style unless `dash` is given). */
function runSeries(
  runs: RunResult[],
  pick: (t: TickRecord) => number | null,
  label: string,
  { dash, width, color }: { dash?: number[]; width?: number; color?: string } = {},
): Series[] {
  return runs.map((r) => ({
    label: `${label}${label ? ", " : ""}${styleOf(r).label}`,
    color: color ?? styleOf(r).color,
    dash: dash ?? styleOf(r).dash,
    width,
    points: r.series.map((t) => [t.minute, pick(t)]),
  }));
}

/** `y` in thousands or millions (1.5M, 300k), as the chart's BDOL and USDC axes. */
export function compact(y: number): string {
  const a = Math.abs(y);
  if (a >= 1e6) return `${+(y / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${+(y / 1e3).toFixed(1)}k`;
  return `${+y.toFixed(2)}`;
}

/** `compact` as a Vega expression, for axis labels. */
const COMPACT_EXPR =
  "abs(datum.value) >= 1e6 ? format(datum.value / 1e6, '.2~f') + 'M' : " +
  "abs(datum.value) >= 1e3 ? format(datum.value / 1e3, '.1~f') + 'k' : format(datum.value, '.2~f')";

/** The panels of one scenario's results. */
function panels(result: SimResult): Panel[] {
  const runs = result.runs;
  const assets = result.parameters.assets;
  const { psm, collaterals } = result.parameters.protocol;
  const base = runs[0]?.series ?? [];
  const active = runs.find((r) => r.mode === "active") ?? runs[0];
  // One line per collateral and run: colour by collateral, dash by run.
  const perCollateral = (pick: (t: TickRecord, symbol: string) => number | undefined) =>
    assets.flatMap((a, i) =>
      runSeries(runs, (t) => (pick(t, a.symbol) === undefined ? null : pick(t, a.symbol)! * 100), a.symbol, {
        color: assetColor(i),
      }),
    );
  // The liquidation ratio, one line per collateral where they differ.
  const lrs = assets.map((a) => ({ symbol: a.symbol, lr: collaterals[a.symbol]?.liquidationRatio ?? 1.5 }));
  const oneLr = lrs.every((x) => x.lr === lrs[0].lr);
  const lrLines = (oneLr ? lrs.slice(0, 1) : lrs).map(({ symbol, lr }) => ({
    y: lr * 100,
    label: `${oneLr ? "" : `${symbol} `}liquidation ratio ${+(lr * 100).toFixed(0)} %`,
  }));

  const out: Panel[] = [
    {
      title: "Oracle price, % of the start price",
      unit: "%",
      format: ".0f",
      series: assets.map(({ key }, i) => ({
        label: `${key} (start $${result.setup.startPrices[key].toLocaleString("en-US")})`,
        color: assetColor(i),
        dash: SOLID,
        points: base.map((t) => [t.minute, (100 * t.oraclePrices[key]) / result.setup.startPrices[key]]),
      })),
    },
    {
      title: "Peg: market prices of BDOL (the controller's peg input) and USDC (the PSM's asset), $",
      unit: "$",
      format: ".4~f",
      refLines: [{ y: 1 - psm.depegTolerance, label: `PSM mints only at USDC ≥ ${1 - psm.depegTolerance}` }],
      series: PEG_KEYS.map((k) => ({
        label: k === "BDOL" ? "BDOL (market)" : "USDC",
        color: PEG_COLOR[k],
        dash: SOLID,
        points: base.map((t) => [t.minute, t.pegPrices[k]]),
      })),
    },
    {
      title: "System collateral ratio (collateral value in vaults / vault debt), %",
      unit: "%",
      format: ".0f",
      refLines: lrLines,
      series: runSeries(runs, (t) => (t.systemCr === null ? null : t.systemCr * 100), ""),
    },
    {
      title: "Reserve ratio ((reserve value − deficit) / system debt) and the controller's reserve target, %",
      unit: "%",
      zero: true,
      format: ".2~f",
      series: [
        ...runSeries(runs, (t) => (t.reserveRatio === null ? null : t.reserveRatio * 100), "reserve"),
        ...runSeries(runs, (t) => (t.totalDebt > 0 ? (100 * t.reserveTarget) / t.totalDebt : null), "target", {
          dash: DOTTED,
          width: 1.5,
        }),
      ],
    },
    {
      title: "Bad debt (cumulative auction shortfalls) and deficit, BDOL",
      unit: "BDOL",
      zero: true,
      format: "compact",
      series: [
        ...runSeries(runs, (t) => t.badDebt, "bad debt"),
        ...runSeries(runs, (t) => t.deficit, "deficit", { dash: DOTTED, width: 1.5 }),
      ],
    },
    {
      title: "Stability fee set by the risk controller (annual), %",
      unit: "%",
      zero: true,
      format: ".2~f",
      series: perCollateral((t, c) => t.fees[c]),
    },
    {
      title: "Borrow ratio (initial margin) set by the risk controller, %",
      unit: "%",
      format: ".1~f",
      refLines: lrLines,
      halts: active ? intervals(active.series, (t) => Object.values(t.halted).some(Boolean)) : [],
      series: perCollateral((t, c) => t.borrowRatios[c]),
    },
  ];
  const marketRuns = runs.filter((r) => r.market !== undefined);
  if (marketRuns.length > 0) {
    out.push(
      {
        title: "BDOL in its pool (market model): spot (solid) and TWAP (thin) in USD, $",
        unit: "$",
        format: ".4~f",
        refLines: [
          { y: 1.005, label: "+0.5 %" },
          { y: 0.995, label: "−0.5 %" },
        ],
        series: [
          ...runSeries(marketRuns, (t) => t.market?.bdolSpotUsd ?? null, "spot"),
          ...runSeries(marketRuns, (t) => t.market?.bdolTwapUsd ?? null, "TWAP", { dash: [1, 2], width: 1 }),
        ],
      },
      {
        title: "PegKeeper's debt (BDOL it minted and sold into the pool, not yet bought back), BDOL",
        unit: "BDOL",
        zero: true,
        format: "compact",
        series: runSeries(
          marketRuns.filter((r) => r.pegKeeper),
          (t) => t.market?.keeperDebt ?? null,
          "keeper debt",
        ),
      },
    );
  }
  if (active && runs.some((r) => r.series.some((t) => t.psm.minted > 0 || t.psm.queue > 0))) {
    const line = (label: string, color: string, pick: (t: TickRecord) => number, dash = SOLID): Series => ({
      label,
      color,
      dash,
      points: active.series.map((t) => [t.minute, pick(t)]),
    });
    out.push({
      title: "PSM and the reserve's USDC (keepers-active run), BDOL or USDC",
      unit: "BDOL / USDC",
      zero: true,
      format: "compact",
      series: [
        line("PSM minted (BDOL)", PEG_COLOR.BDOL, (t) => t.psm.minted),
        line("USDC liquid in reserve", PEG_COLOR.USDC, (t) => t.psm.usdcLiquid),
        line("USDC in strategy", "#16a085", (t) => t.psm.usdcInStrategies, [6, 3]),
        line("redemptions waiting", "#7f8c8d", (t) => t.psm.queue, DOTTED),
      ],
    });
  }
  return out;
}

/** The Vega-Lite spec of one scenario's chart (pure: `renderSvg` draws it). */
export function chartSpec(result: SimResult): TopLevelSpec {
  const s = result.scenario;
  const duration = s.durationMinutes ?? 0;
  const inDays = duration > 48 * 60;
  const x = (minute: number) => minute / (inDays ? 1440 : 60);
  const windows = result.runs.find((r) => r.mode === "absent")?.keeperAbsences ?? [];
  const sub =
    `${result.parameters.vaults} vaults, seed ${result.parameters.seed}, debt ${compact(result.setup.totalDebt)} BDOL, ` +
    `reserve at start ${compact(result.setup.reserveSeed)} BDOL` +
    (result.setup.psmSeed > 0 ? `, PSM seeded with ${compact(result.setup.psmSeed)} USDC` : "") +
    (windows.length > 0 ? `; keepers absent ${windows.map(([a, b]) => `${fmtTime(a)}–${fmtTime(b)}`).join(", ")}` : "");
  // Every panel on the same time axis.
  const time = {
    type: "quantitative" as const,
    scale: { domain: [0, x(duration)], nice: false, zero: false },
    axis: { title: `${inDays ? "days" : "hours"} since the start`, tickCount: inDays ? 7 : 8, format: "~r" },
  };

  const panelSpec = (p: Panel) => {
    const shade = (iv: [number, number][], band: typeof ABSENCE) =>
      iv.map(([a, b]) => ({ from: x(a), to: x(Math.min(b, duration)), band: band.label, color: band.color }));
    const bands = [...shade(windows, ABSENCE), ...shade(p.halts ?? [], HALT)];
    const bandLabels = [...new Set(bands.map((b) => b.band))];
    const rows = p.series.flatMap((ser) =>
      ser.points.map(([m, v]) => ({ x: x(m), y: v !== null && Number.isFinite(v) ? v : null, series: ser.label })),
    );
    const refs = p.refLines ?? [];
    // A flat panel (no bad debt) gets a unit of room: a scale of one value has none.
    const ys = [...rows.flatMap((r) => (r.y === null ? [] : [r.y])), ...refs.map((r) => r.y), ...(p.zero ? [0] : [])];
    const flat = ys.length > 0 && ys.every((v) => v === ys[0]) ? ys[0] : undefined;
    const labels = p.series.map((ser) => ser.label);
    // Colour, dash and width by series, one legend; ordinal scales (a point scale of one width gives NaN).
    const bySeries = <T>(range: T[]) => ({
      field: "series",
      type: "nominal" as const,
      sort: labels,
      scale: { type: "ordinal" as const, domain: labels, range },
    });
    return {
      title: p.title,
      width: 760,
      height: 150,
      layer: [
        ...(bands.length === 0
          ? []
          : [
              {
                data: { values: bands },
                mark: { type: "rect" as const, opacity: 0.12 },
                encoding: {
                  x: { field: "from", ...time },
                  x2: { field: "to" },
                  fill: {
                    field: "band",
                    type: "nominal" as const,
                    scale: { domain: bandLabels, range: bandLabels.map((l) => bands.find((b) => b.band === l)!.color) },
                    legend: { symbolType: "square", symbolOpacity: 0.3 },
                  },
                },
              },
            ]),
        {
          data: { values: rows },
          mark: { type: "line" as const, invalid: "break-paths-filter-domains" as const, clip: true },
          encoding: {
            x: { field: "x", ...time },
            y: {
              field: "y",
              type: "quantitative" as const,
              scale:
                flat === undefined
                  ? { zero: p.zero ?? false, nice: true }
                  : { domain: [flat, flat + (flat === 0 ? 1 : Math.abs(flat) * 0.1)], nice: true },
              axis: {
                title: p.unit,
                tickCount: 5,
                ...(p.format === "compact" ? { labelExpr: COMPACT_EXPR } : { format: p.format }),
              },
            },
            color: bySeries(p.series.map((ser) => ser.color)),
            strokeDash: bySeries(p.series.map((ser) => ser.dash)),
            strokeWidth: bySeries(p.series.map((ser) => ser.width ?? 2)),
          },
        },
        ...(refs.length === 0
          ? []
          : [
              {
                data: { values: refs },
                mark: { type: "rule" as const, color: "#888", strokeDash: [4, 4] },
                encoding: { y: { field: "y", type: "quantitative" as const } },
              },
              {
                data: { values: refs },
                mark: { type: "text" as const, align: "right" as const, dx: -4, dy: -6, color: "#666" },
                encoding: {
                  x: { datum: x(duration), type: "quantitative" as const },
                  y: { field: "y", type: "quantitative" as const },
                  text: { field: "label" },
                },
              },
            ]),
      ],
    };
  };

  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    background: "#ffffff",
    padding: 16,
    title: {
      text: `Ballast crash simulation — ${s.name}`,
      subtitle: [sub, ...wrap(s.description, 120).slice(0, 3)],
      fontSize: 18,
      subtitleColor: "#444",
      subtitleFontSize: 12,
      offset: 16,
    },
    config: {
      font: "Helvetica, Arial, sans-serif",
      view: { stroke: null },
      axis: {
        labelFontSize: 11,
        titleFontSize: 11,
        titleColor: "#555",
        titleFontWeight: "normal",
        gridColor: "#ececec",
      },
      // No canvas in node: Vega estimates text widths (generously), so labels are not cut at a limit.
      legend: { labelFontSize: 11, labelLimit: 0, symbolStrokeWidth: 2, title: null },
      text: { fontSize: 11 },
      // Titles start at the plot's left edge, whatever the width of the axis labels.
      title: { fontSize: 13, anchor: "start", frame: "group" },
    },
    spacing: 36,
    resolve: {
      scale: { color: "independent", strokeDash: "independent", strokeWidth: "independent", fill: "independent" },
      legend: { color: "independent", strokeDash: "independent", strokeWidth: "independent", fill: "independent" },
    },
    vconcat: panels(result).map(panelSpec),
  };
}

/**
 * The chart for one scenario's results, as a self-contained SVG document; Vega-Lite's and Vega's
 * warnings (none expected) go to `warn`.
 */
export async function renderSvg(
  result: SimResult,
  warn: (message: string) => void = (m) => console.warn(`chart: ${m}`),
): Promise<string> {
  return renderVegaLiteSvg(chartSpec(result), `Ballast crash simulation: ${result.scenario.name}`, warn);
}

/** Splits `text` into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Time since the start: "h:mm" within two days, else "d d h:mm" (days and hours). */
function fmtTime(minute: number): string {
  const m = String(Math.round(minute % 60)).padStart(2, "0");
  if (minute < 2880) return `${Math.floor(minute / 60)}:${m}`;
  return `${Math.floor(minute / 1440)} d ${Math.floor((minute % 1440) / 60)}:${m}`;
}
