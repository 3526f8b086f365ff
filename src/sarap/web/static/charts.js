// Two small SVG charts drawn by hand: a taxpayer's score over time and the
// grouped bars of trade turnover (this year against the previous one).

import { h, s } from "./dom.js";
import { fmtCompact, fmtMonth, fmtMoney, fmtPct, fmtScore, t } from "./i18n.js";

const BAND_COLOURS = { high: "#b3261e", medium: "#b86e00", low: "#2e7d4f" };

/** Score (0-100) by period as a line with a dot per period, coloured by band. */
export function historyChart(history) {
  const W = 1180;
  const H = 250;
  const M = { top: 14, right: 18, bottom: 34, left: 44 };
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const n = history.length;
  // Periods placed by date, so a gap of months shows as one.
  const times = history.map((p) => Date.parse(String(p.period).slice(0, 10) + "T00:00:00Z"));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (i) => M.left + (t1 === t0 || !Number.isFinite(times[i]) ? iw / 2 : ((times[i] - t0) / (t1 - t0)) * iw);
  const y = (v) => M.top + ih - (Math.max(0, Math.min(100, Number(v) || 0)) / 100) * ih;

  const grid = [0, 25, 50, 75, 100].map((v) =>
    s(
      "g",
      { class: "grid" },
      s("line", { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }),
      s("text", { x: M.left - 8, y: y(v) + 4, "text-anchor": "end", class: "axis-label" }, String(v)),
    ),
  );
  // At most ~8 period labels, always the first and the last, kept inside.
  const every = Math.max(1, Math.ceil(n / 8));
  const anchor = (i) => (n === 1 ? "middle" : i === 0 ? "start" : i === n - 1 ? "end" : "middle");
  const ticks = history.map((p, i) =>
    (i % every === 0 && (i + every <= n - 1 || i === 0)) || i === n - 1
      ? s("text", { x: x(i), y: H - M.bottom + 18, "text-anchor": anchor(i), class: "axis-label" }, fmtMonth(p.period))
      : null,
  );
  const points = history.map((p, i) => `${x(i).toFixed(1)},${y(p.score).toFixed(1)}`).join(" ");
  const dots = history.map((p, i) =>
    s(
      "circle",
      {
        cx: x(i),
        cy: y(p.score),
        r: 4.5,
        fill: BAND_COLOURS[p.band] || "#6b7785",
        class: "dot",
        "data-testid": "history-point",
      },
      s("title", {}, `${fmtMonth(p.period)}: ${fmtScore(p.score)}${p.band ? ` (${t(`band.${p.band}`)})` : ""}`),
    ),
  );
  const last = history[n - 1];
  return h(
    "figure",
    { class: "chart" },
    s(
      "svg",
      {
        viewBox: `0 0 ${W} ${H}`,
        class: "chart-svg",
        role: "img",
        "aria-label": t("chart.historyLabel", { n, score: fmtScore(last.score) }),
        "data-testid": "history-chart",
      },
      grid,
      s("line", { x1: M.left, x2: W - M.right, y1: y(0), y2: y(0), class: "axis" }),
      ticks,
      s("polyline", { points, class: "line", fill: "none" }),
      dots,
    ),
    h("figcaption", { class: "muted small" }, t("chart.historyCaption")),
  );
}

/**
 * Horizontal grouped bars: per row, this year's value over last year's.
 * rows: [{key, label, value, previous, change}]; at most `limit` drawn.
 */
export function turnoverChart(rows, { year, previousYear, limit = 15 }) {
  const shown = rows.slice(0, limit);
  const W = 1180;
  const rowH = 30;
  const M = { top: 34, right: 120, bottom: 10, left: 240 };
  const H = M.top + M.bottom + Math.max(1, shown.length) * rowH;
  const iw = W - M.left - M.right;
  const max = Math.max(1, ...shown.map((r) => Math.max(r.value || 0, r.previous || 0)));
  const w = (v) => (Math.max(0, v || 0) / max) * iw;
  const legend = s(
    "g",
    { class: "legend" },
    s("rect", { x: M.left, y: 8, width: 14, height: 10, class: "bar-now" }),
    s("text", { x: M.left + 20, y: 17 }, String(year)),
    s("rect", { x: M.left + 90, y: 8, width: 14, height: 10, class: "bar-prev" }),
    s("text", { x: M.left + 110, y: 17 }, String(previousYear)),
  );
  const bars = shown.map((r, i) => {
    const top = M.top + i * rowH;
    const label = r.label && r.label !== r.key ? `${r.label}` : r.key;
    const change = r.change == null ? "" : ` (${fmtPct(r.change)})`;
    return s(
      "g",
      { class: "bar-row", "data-testid": "turnover-bar", "data-key": r.key },
      s("text", { x: M.left - 8, y: top + rowH / 2 + 4, "text-anchor": "end", class: "bar-label" }, truncate(label, 30)),
      s(
        "rect",
        { x: M.left, y: top + 4, width: Math.max(1, w(r.value)), height: 11, class: "bar-now" },
        s("title", {}, `${label}, ${year}: ${fmtMoney(r.value, "USD", 0)}${change}`),
      ),
      s(
        "rect",
        { x: M.left, y: top + 16, width: Math.max(1, w(r.previous)), height: 8, class: "bar-prev" },
        s("title", {}, `${label}, ${previousYear}: ${fmtMoney(r.previous, "USD", 0)}`),
      ),
      s("text", { x: M.left + w(r.value) + 6, y: top + 14, class: "bar-value" }, fmtCompact(r.value)),
    );
  });
  return h(
    "figure",
    { class: "chart" },
    s(
      "svg",
      {
        viewBox: `0 0 ${W} ${H}`,
        class: "chart-svg",
        role: "img",
        "aria-label": t("chart.turnoverLabel", { year, previous: previousYear }),
        "data-testid": "turnover-chart",
      },
      legend,
      bars,
    ),
    rows.length > limit ? h("figcaption", { class: "muted small" }, t("chart.topN", { n: limit })) : null,
  );
}

function truncate(text, n) {
  const str = String(text ?? "");
  return str.length > n ? str.slice(0, n - 1) + "…" : str;
}
