/**
 * A self-contained SVG chart of a simulation (no scripts, no external fonts or libraries): panels
 * over a shared time axis — collateral prices (% of start), the peg (BDOL and USDC prices), system
 * collateral ratio, reserve ratio with the controller's reserve target, bad debt / deficit, stability
 * fees, borrow ratios (with the periods when a breaker halted borrowing), and, when the scenario uses
 * the PSM, its minted supply and the reserve's USDC — each with both runs (keepers active: solid;
 * keepers absent: dashed) and the keeper-absence window shaded.
 */
import type { SimResult, RunResult } from "./simulate";
import type { TickRecord } from "./metrics";
import { PEG_KEYS, type SimAsset } from "./assets";

const W = 1100;
const LEFT = 90;
const RIGHT = 250;
const TOP = 92;
const PANEL_H = 150;
const GAP = 58;
const PLOT_W = W - LEFT - RIGHT;

const RUN_STYLE: Record<string, { color: string; dash: string; label: string }> = {
  active: { color: "#1b7f3b", dash: "", label: "keepers active" },
  absent: { color: "#c0392b", dash: "7 4", label: "keepers absent" },
  /** The market model's extra run: keepers active, no PegKeeper. */
  "active-no-pk": { color: "#7f8c8d", dash: "3 3", label: "keepers active, no peg keeper" },
};

/** A run's line style: by mode, and the market model's run without the PegKeeper apart. */
function styleOf(r: RunResult): { color: string; dash: string; label: string } {
  return RUN_STYLE[r.market !== undefined && !r.pegKeeper && r.mode === "active" ? "active-no-pk" : r.mode];
}
/** The collaterals' colours, in the configuration's order (blue WETH, orange WBTC, …). */
const ASSET_COLORS = ["#4a5bd4", "#e69500", "#16a085", "#8e44ad", "#7f6a00"];
const assetColor = (i: number) => ASSET_COLORS[i % ASSET_COLORS.length];
const PEG_COLOR: Record<string, string> = { BDOL: "#6a1b9a", USDC: "#2775ca" };
const HALT_COLOR = "#e67e22";

interface Series {
  label: string;
  color: string;
  dash: string;
  width?: number;
  points: [number, number | null][];
}

interface Panel {
  title: string;
  unit: string;
  series: Series[];
  refLines?: { y: number; label: string }[];
  /** Shaded time intervals [fromMinute, toMinute), with one legend entry. */
  bands?: { intervals: [number, number][]; color: string; label: string };
  /** Always include 0 in the y range. */
  zero?: boolean;
  format: (y: number) => string;
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

/** One line per collateral and run: colour by collateral, dash by run. */
function collateralSeries(
  assets: SimAsset[],
  runs: RunResult[],
  pick: (t: TickRecord, collateral: string) => number | null,
): Series[] {
  return assets.flatMap((a, i) => {
    const c = a.symbol;
    return runs.map((r) => ({
      label: `${c}, ${styleOf(r).label}`,
      color: assetColor(i),
      dash: styleOf(r).dash,
      points: r.series.map((t) => [t.minute, pick(t, c)] as [number, number | null]),
    }));
  });
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / target;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step) * step;
  const out: number[] = [];
  for (let v = first; v <= hi + step * 0.999; v += step) out.push(Math.round(v / step) * step);
  return out;
}

function compact(y: number): string {
  const a = Math.abs(y);
  if (a >= 1e6) return `${+(y / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${+(y / 1e3).toFixed(1)}k`;
  return `${+y.toFixed(2)}`;
}

function runSeries(runs: RunResult[], pick: (t: TickRecord) => number | null, label: string, extraDash = ""): Series[] {
  return runs.map((r) => {
    const st = styleOf(r);
    return {
      label: `${label}${label ? ", " : ""}${st.label}`,
      color: st.color,
      dash: extraDash || st.dash,
      points: r.series.map((t) => [t.minute, pick(t)] as [number, number | null]),
    };
  });
}

/** The chart for one scenario's results. */
export function renderSvg(result: SimResult): string {
  const s = result.scenario;
  const runs = result.runs;
  const duration = s.durationMinutes ?? 0;
  const inDays = duration > 48 * 60;
  const xUnit = inDays ? 1440 : 60;
  const assets = result.parameters.assets;
  const lr = result.parameters.protocol.collaterals[assets[0]?.symbol]?.liquidationRatio ?? 1.5;
  const base = runs[0]?.series ?? [];

  const psmParams = result.parameters.protocol.psm;
  const usesPsm = runs.some((r) => r.series.some((t) => t.psm.minted > 0 || t.psm.queue > 0));
  const active = runs.find((r) => r.mode === "active") ?? runs[0];
  const halts = active ? intervals(active.series, (t) => Object.values(t.halted).some(Boolean)) : [];

  const panels: Panel[] = [
    {
      title: "Oracle price, % of the start price",
      unit: "%",
      format: (y) => `${+y.toFixed(0)}`,
      series: assets.map(({ key: k }, i) => ({
        label: `${k} (start $${result.setup.startPrices[k].toLocaleString("en-US")})`,
        color: assetColor(i),
        dash: "",
        points: base.map(
          (t) => [t.minute, (100 * t.oraclePrices[k]) / result.setup.startPrices[k]] as [number, number],
        ),
      })),
    },
    {
      title: "Peg: market prices of BDOL (the controller's peg input) and USDC (the PSM's asset), $",
      unit: "$",
      format: (y) => `${+y.toFixed(4)}`,
      refLines: psmParams
        ? [{ y: 1 - psmParams.depegTolerance, label: `PSM mints only at USDC ≥ ${1 - psmParams.depegTolerance}` }]
        : [],
      series: PEG_KEYS.map((k) => ({
        label: k === "BDOL" ? "BDOL (market)" : "USDC",
        color: PEG_COLOR[k],
        dash: "",
        points: base.map((t) => [t.minute, t.pegPrices[k]] as [number, number]),
      })),
    },
    {
      title: "System collateral ratio (collateral value in vaults / vault debt), %",
      unit: "%",
      format: (y) => `${+y.toFixed(0)}`,
      refLines: [{ y: lr * 100, label: `liquidation ratio ${+(lr * 100).toFixed(0)} %` }],
      series: runSeries(runs, (t) => (t.systemCr === null ? null : t.systemCr * 100), ""),
    },
    {
      title: "Reserve ratio ((reserve value − deficit) / system debt) and the controller's reserve target, %",
      unit: "%",
      zero: true,
      format: (y) => `${+y.toFixed(2)}`,
      series: [
        ...runSeries(runs, (t) => (t.reserveRatio === null ? null : t.reserveRatio * 100), "reserve"),
        ...runs.map((r) => ({
          label: `target, ${styleOf(r).label}`,
          color: styleOf(r).color,
          dash: "2 3",
          width: 1.5,
          points: r.series.map(
            (t) =>
              [t.minute, t.totalDebt > 0 ? (100 * t.reserveTarget) / t.totalDebt : null] as [number, number | null],
          ),
        })),
      ],
    },
    {
      title: "Bad debt (cumulative auction shortfalls) and deficit, BDOL",
      unit: "BDOL",
      zero: true,
      format: compact,
      series: [
        ...runSeries(runs, (t) => t.badDebt, "bad debt"),
        ...runs.map((r) => ({
          label: `deficit, ${styleOf(r).label}`,
          color: styleOf(r).color,
          dash: "2 3",
          width: 1.5,
          points: r.series.map((t) => [t.minute, t.deficit] as [number, number]),
        })),
      ],
    },
    {
      title: "Stability fee set by the risk controller (annual), %",
      unit: "%",
      zero: true,
      format: (y) => `${+y.toFixed(2)}`,
      series: collateralSeries(assets, runs, (t, c) => (t.fees[c] === undefined ? null : t.fees[c] * 100)),
    },
    {
      title: "Borrow ratio (initial margin) set by the risk controller, %",
      unit: "%",
      format: (y) => `${+y.toFixed(1)}`,
      refLines: [{ y: lr * 100, label: `liquidation ratio ${+(lr * 100).toFixed(0)} %` }],
      bands: {
        intervals: halts,
        color: HALT_COLOR,
        label: "borrowing halted (active run)",
      },
      series: collateralSeries(assets, runs, (t, c) =>
        t.borrowRatios[c] === undefined ? null : t.borrowRatios[c] * 100,
      ),
    },
  ];
  if (runs.some((r) => r.market !== undefined)) {
    const marketRuns = runs.filter((r) => r.market !== undefined);
    panels.push({
      title: "BDOL in its pool (market model): spot (solid) and TWAP (thin) in USD, $",
      unit: "$",
      format: (y) => `${+y.toFixed(4)}`,
      refLines: [
        { y: 1.005, label: "+0.5 %" },
        { y: 0.995, label: "−0.5 %" },
      ],
      series: [
        ...runSeries(marketRuns, (t) => t.market?.bdolSpotUsd ?? null, "spot"),
        ...marketRuns.map((r) => ({
          label: `TWAP, ${styleOf(r).label}`,
          color: styleOf(r).color,
          dash: "1 2",
          width: 1,
          points: r.series.map((t) => [t.minute, t.market?.bdolTwapUsd ?? null] as [number, number | null]),
        })),
      ],
    });
    panels.push({
      title: "PegKeeper's debt (BDOL it minted and sold into the pool, not yet bought back), BDOL",
      unit: "BDOL",
      zero: true,
      format: compact,
      series: runSeries(
        marketRuns.filter((r) => r.pegKeeper),
        (t) => t.market?.keeperDebt ?? null,
        "keeper debt",
      ),
    });
  }
  if (usesPsm && active) {
    const line = (label: string, color: string, pick: (t: TickRecord) => number, dash = "") => ({
      label,
      color,
      dash,
      points: active.series.map((t) => [t.minute, pick(t)] as [number, number]),
    });
    panels.push({
      title: "PSM and the reserve's USDC (keepers-active run), BDOL or USDC",
      unit: "BDOL / USDC",
      zero: true,
      format: compact,
      series: [
        line("PSM minted (BDOL)", PEG_COLOR.BDOL, (t) => t.psm.minted),
        line("USDC liquid in reserve", PEG_COLOR.USDC, (t) => t.psm.usdcLiquid),
        line("USDC in strategy", "#16a085", (t) => t.psm.usdcInStrategies, "6 3"),
        line("redemptions waiting", "#7f8c8d", (t) => t.psm.queue, "2 3"),
      ],
    });
  }

  const H = TOP + panels.length * (PANEL_H + GAP) + 40;
  const x = (minute: number) => LEFT + (duration === 0 ? 0 : (minute / duration) * PLOT_W);
  const xTicks = niceTicks(0, duration / xUnit, inDays ? 7 : 8).filter((v) => v >= 0 && v * xUnit <= duration + 1e-9);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<title>${esc(`Ballast crash simulation: ${s.name}`)}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(
    `<text x="${LEFT}" y="28" font-size="18" font-weight="bold">${esc(`Ballast crash simulation — ${s.name}`)}</text>`,
  );
  const absent = runs.find((r) => r.mode === "absent");
  const sub =
    `${result.parameters.vaults} vaults, seed ${result.parameters.seed}, debt ${compact(result.setup.totalDebt)} BDOL, ` +
    `reserve at start ${compact(result.setup.reserveSeed)} BDOL` +
    (result.setup.psmSeed > 0 ? `, PSM seeded with ${compact(result.setup.psmSeed)} USDC` : "") +
    (absent
      ? `; keepers absent ${absent.keeperAbsences.map(([a, b]) => `${fmtTime(a)}–${fmtTime(b)}`).join(", ")}`
      : "");
  out.push(`<text x="${LEFT}" y="48" fill="#444">${esc(sub)}</text>`);
  wrap(s.description, 160)
    .slice(0, 2)
    .forEach((line, i) =>
      out.push(`<text x="${LEFT}" y="${64 + 14 * i}" fill="#666" font-size="11">${esc(line)}</text>`),
    );

  panels.forEach((p, i) => {
    const top = TOP + i * (PANEL_H + GAP) + 20;
    const bottom = top + PANEL_H;
    const values: number[] = [];
    for (const ser of p.series) for (const [, v] of ser.points) if (v !== null && Number.isFinite(v)) values.push(v);
    for (const r of p.refLines ?? []) values.push(r.y);
    if (p.zero) values.push(0);
    let lo = values.length ? Math.min(...values) : 0;
    let hi = values.length ? Math.max(...values) : 1;
    if (hi === lo) hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.1);
    const ticks = niceTicks(lo, hi, 5);
    lo = ticks[0];
    hi = ticks[ticks.length - 1];
    const y = (v: number) => bottom - ((v - lo) / (hi - lo)) * PANEL_H;

    out.push(`<g class="panel">`);
    out.push(`<text x="${LEFT}" y="${top - 8}" font-size="13" font-weight="bold">${esc(p.title)}</text>`);
    // keeper-absence shading
    for (const [a, b] of absent?.keeperAbsences ?? []) {
      out.push(
        `<rect x="${x(a).toFixed(1)}" y="${top}" width="${(x(Math.min(b, duration)) - x(a)).toFixed(1)}" ` +
          `height="${PANEL_H}" fill="#c0392b" fill-opacity="0.08"/>`,
      );
    }
    for (const [a, b] of p.bands?.intervals ?? []) {
      out.push(
        `<rect x="${x(a).toFixed(1)}" y="${top}" width="${Math.max(1, x(Math.min(b, duration)) - x(a)).toFixed(1)}" ` +
          `height="${PANEL_H}" fill="${p.bands!.color}" fill-opacity="0.12"/>`,
      );
    }
    // grid and y labels
    for (const t of ticks) {
      const yy = y(t).toFixed(1);
      out.push(`<line x1="${LEFT}" y1="${yy}" x2="${LEFT + PLOT_W}" y2="${yy}" stroke="#e3e3e3"/>`);
      out.push(
        `<text x="${LEFT - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#333">${esc(p.format(t))}</text>`,
      );
    }
    for (const t of xTicks) {
      const xx = x(t * xUnit).toFixed(1);
      out.push(`<line x1="${xx}" y1="${top}" x2="${xx}" y2="${bottom}" stroke="#f0f0f0"/>`);
      out.push(
        `<text x="${xx}" y="${bottom + 15}" text-anchor="middle" fill="#333">${esc(String(+t.toFixed(2)))}</text>`,
      );
    }
    out.push(
      `<text x="${LEFT + PLOT_W / 2}" y="${bottom + 31}" text-anchor="middle" fill="#555">` +
        `${inDays ? "days" : "hours"} since the start</text>`,
    );
    out.push(
      `<text x="${LEFT - 58}" y="${(top + bottom) / 2}" text-anchor="middle" fill="#555" ` +
        `transform="rotate(-90 ${LEFT - 58} ${(top + bottom) / 2})">${esc(p.unit)}</text>`,
    );
    // axes
    out.push(`<path d="M${LEFT} ${top} V${bottom} H${LEFT + PLOT_W}" fill="none" stroke="#333" stroke-width="1"/>`);
    for (const r of p.refLines ?? []) {
      const yy = y(r.y).toFixed(1);
      out.push(`<line x1="${LEFT}" y1="${yy}" x2="${LEFT + PLOT_W}" y2="${yy}" stroke="#888" stroke-dasharray="4 4"/>`);
      // The label sits under a line in the panel's upper half, above it otherwise.
      const ly = y(r.y) < top + PANEL_H / 2 ? y(r.y) + 13 : y(r.y) - 4;
      out.push(
        `<text x="${LEFT + PLOT_W - 4}" y="${ly.toFixed(1)}" text-anchor="end" fill="#666" font-size="11">${esc(r.label)}</text>`,
      );
    }
    // lines
    for (const ser of p.series) {
      let seg: string[] = [];
      const flush = () => {
        if (seg.length > 0) {
          out.push(
            `<polyline fill="none" stroke="${ser.color}" stroke-width="${ser.width ?? 2}"` +
              `${ser.dash ? ` stroke-dasharray="${ser.dash}"` : ""} points="${seg.join(" ")}"/>`,
          );
        }
        seg = [];
      };
      for (const [m, v] of ser.points) {
        if (v === null || !Number.isFinite(v)) {
          flush();
          continue;
        }
        seg.push(`${x(m).toFixed(1)},${y(v).toFixed(1)}`);
      }
      flush();
    }
    // legend
    const lx = LEFT + PLOT_W + 18;
    p.series.forEach((ser, j) => {
      const ly = top + 10 + j * 18;
      out.push(
        `<line x1="${lx}" y1="${ly}" x2="${lx + 26}" y2="${ly}" stroke="${ser.color}" stroke-width="${ser.width ?? 2}"` +
          `${ser.dash ? ` stroke-dasharray="${ser.dash}"` : ""}/>`,
      );
      out.push(`<text x="${lx + 32}" y="${ly + 4}" fill="#222">${esc(ser.label)}</text>`);
    });
    let extra = p.series.length;
    if (absent && absent.keeperAbsences.length > 0) {
      const ly = top + 10 + extra++ * 18;
      out.push(`<rect x="${lx}" y="${ly - 6}" width="26" height="12" fill="#c0392b" fill-opacity="0.15"/>`);
      out.push(`<text x="${lx + 32}" y="${ly + 4}" fill="#222">keepers absent (window)</text>`);
    }
    if (p.bands && p.bands.intervals.length > 0) {
      const ly = top + 10 + extra++ * 18;
      out.push(`<rect x="${lx}" y="${ly - 6}" width="26" height="12" fill="${p.bands.color}" fill-opacity="0.25"/>`);
      out.push(`<text x="${lx + 32}" y="${ly + 4}" fill="#222">${esc(p.bands.label)}</text>`);
    }
    out.push(`</g>`);
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
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
