// The supply-chain graph around one taxpayer: a small force-directed layout
// drawn in SVG. Nodes are coloured by risk band, the centre is ringed,
// risky edges are red. Drag a node to move it (the others follow), wheel to
// zoom, drag the background to pan, click (or Enter) on a node to open it.

import { h, s } from "./dom.js";
import { fmtInt, fmtMoney, fmtScore, t, tCount } from "./i18n.js";

const W = 1180;
const H = 540;
const BAND_FILL = { high: "#c62828", medium: "#e39b1b", low: "#3b8c5a" };
const NO_BAND = "#9aa4b1";

/** Positions for the nodes: rings by hop, then relaxed by simple forces. */
function layout(nodes, edges, ticks) {
  const golden = Math.PI * (3 - Math.sqrt(5));
  nodes.forEach((n, i) => {
    if (n.hops === 0) {
      n.x = 0;
      n.y = 0;
    } else {
      const r = n.hops === 1 ? 110 : 230;
      n.x = Math.cos(i * golden) * r;
      n.y = Math.sin(i * golden) * r;
    }
    n.vx = 0;
    n.vy = 0;
  });
  const sim = { alpha: 1, nodes, edges };
  for (let i = 0; i < ticks; i++) tick(sim);
  // The forces settle on a roundish cloud; the frame is wide, so spread
  // the cloud sideways (positions only) to use it.
  const xs = nodes.map((n) => n.x);
  const ys = nodes.map((n) => n.y);
  const bw = Math.max(...xs) - Math.min(...xs) || 1;
  const bh = Math.max(...ys) - Math.min(...ys) || 1;
  const stretch = Math.min(1.8, Math.max(1, W / H / (bw / bh)));
  for (const n of nodes) n.x *= stretch;
  return sim;
}

/** One step: nodes repel, edges pull to a rest length, everything drifts in. */
function tick(sim) {
  const { nodes, edges } = sim;
  const alpha = sim.alpha;
  const n = nodes.length;
  const repel = 4200 * alpha;
  for (let i = 0; i < n; i++) {
    const a = nodes[i];
    for (let j = i + 1; j < n; j++) {
      const b = nodes[j];
      let dx = b.x - a.x;
      let dy = b.y - a.y;
      let d2 = dx * dx + dy * dy;
      if (d2 < 1) {
        // Same spot: nudge apart in a fixed direction so the layout is stable.
        dx = ((i * 7 + j * 3) % 5) - 2 || 1;
        dy = ((i * 3 + j * 7) % 5) - 2 || 1;
        d2 = dx * dx + dy * dy;
      }
      const f = repel / Math.max(d2, 100);
      const d = Math.sqrt(d2);
      const fx = (dx / d) * f;
      const fy = (dy / d) * f;
      a.vx -= fx;
      a.vy -= fy;
      b.vx += fx;
      b.vy += fy;
    }
  }
  for (const e of edges) {
    const a = e.a;
    const b = e.b;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const d = Math.sqrt(dx * dx + dy * dy) || 1;
    const rest = a.hops === 0 || b.hops === 0 ? 120 : 90;
    const f = ((d - rest) / d) * 0.08 * alpha;
    a.vx += dx * f;
    a.vy += dy * f;
    b.vx -= dx * f;
    b.vy -= dy * f;
  }
  for (const node of nodes) {
    // Weaker pull sideways: the picture is wider than it is tall.
    node.vx -= node.x * 0.004 * alpha;
    node.vy -= node.y * 0.02 * alpha;
    if (node.fixed) {
      node.vx = 0;
      node.vy = 0;
      continue;
    }
    node.vx *= 0.6;
    node.vy *= 0.6;
    node.x += Math.max(-30, Math.min(30, node.vx));
    node.y += Math.max(-30, Math.min(30, node.vy));
  }
  sim.alpha *= 0.985;
}

function radius(node) {
  if (node.hops === 0) return 15;
  return node.hops === 1 ? 9 : 6.5;
}

/**
 * Draw data ({center, nodes, edges}) as an interactive SVG.
 * onOpen(id) is called when a node is clicked. Returns {element, destroy}.
 */
export function networkGraph(data, { onOpen }) {
  const nodes = data.nodes.map((n) => ({ ...n, fixed: n.id === data.center }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges = data.edges
    .filter((e) => byId.has(e.source) && byId.has(e.target) && e.source !== e.target)
    .map((e) => ({ ...e, a: byId.get(e.source), b: byId.get(e.target) }));
  // Laid out up front, so the picture appears still and settled.
  const sim = layout(nodes, edges, 320);
  sim.alpha = 0;

  const maxAmount = Math.max(1, ...edges.map((e) => e.amount_usd || 0));
  const view = { k: 1, x: W / 2, y: H / 2 };
  const showLabels = nodes.length <= 40;

  const defs = s(
    "defs",
    {},
    ["normal", "risky"].map((kind) =>
      s(
        "marker",
        {
          id: `arrow-${kind}`,
          viewBox: "0 0 10 10",
          refX: 9,
          refY: 5,
          markerUnits: "userSpaceOnUse",
          markerWidth: 8,
          markerHeight: 8,
          orient: "auto",
        },
        s("path", { d: "M0,0 L10,5 L0,10 z", class: `arrow-${kind}` }),
      ),
    ),
  );
  const edgeEls = edges.map((e) => {
    const width = 0.8 + 3.2 * Math.sqrt((e.amount_usd || 0) / maxAmount);
    const el = s(
      "line",
      {
        class: e.risky ? "edge edge-risky" : "edge",
        "stroke-width": width.toFixed(2),
        "marker-end": `url(#arrow-${e.risky ? "risky" : "normal"})`,
        "data-testid": "graph-edge",
        "data-risky": String(Boolean(e.risky)),
        "data-source": e.source,
        "data-target": e.target,
      },
      s(
        "title",
        {},
        `${e.a.name || e.source} → ${e.b.name || e.target}: ${fmtMoney(e.amount_usd, "USD", 0)}, ` +
          tCount("graph.invoices", e.invoices) +
          (e.risky ? ` · ${t("graph.riskyEdge")}` : ""),
      ),
    );
    e.el = el;
    return el;
  });
  const nodeEls = nodes.map((n) => {
    const r = radius(n);
    const score = n.score == null ? "—" : fmtScore(n.score);
    const band = n.band ? t(`band.${n.band}`) : t("band.none");
    const label = `${n.name || n.id} (${n.id}) · ${t("tp.score")} ${score} · ${band}`;
    const el = s(
      "g",
      {
        class: n.hops === 0 ? "node node-center" : "node",
        tabindex: "0",
        role: "link",
        "aria-label": label,
        "data-testid": "graph-node",
        "data-id": n.id,
        "data-band": n.band || "",
        "data-hops": n.hops,
      },
      s("title", {}, label),
      n.hops === 0 ? s("circle", { r: r + 6, class: "center-halo" }) : null,
      s("circle", { r, fill: BAND_FILL[n.band] || NO_BAND, class: "node-dot" }),
      s(
        "text",
        { x: r + 4, y: 4, class: n.hops === 0 || (showLabels && n.hops === 1) ? "node-label show" : "node-label" },
        shortName(n.name || n.id),
      ),
    );
    n.el = el;
    return el;
  });

  const scene = s("g", { class: "scene" }, edgeEls, nodeEls);
  const svg = s(
    "svg",
    {
      viewBox: `0 0 ${W} ${H}`,
      class: "graph-svg",
      role: "group",
      "aria-label": t("graph.label", { nodes: fmtInt(nodes.length), edges: fmtInt(edges.length) }),
      "data-testid": "graph-svg",
      "data-nodes": nodes.length,
      "data-edges": edges.length,
    },
    defs,
    s("rect", { x: 0, y: 0, width: W, height: H, class: "graph-bg" }),
    scene,
  );

  function draw() {
    scene.setAttribute("transform", `translate(${view.x.toFixed(2)} ${view.y.toFixed(2)}) scale(${view.k.toFixed(4)})`);
    for (const n of nodes) n.el.setAttribute("transform", `translate(${n.x.toFixed(1)} ${n.y.toFixed(1)})`);
    for (const e of edges) {
      // Stop the line at the target's rim so the arrowhead shows.
      const dx = e.b.x - e.a.x;
      const dy = e.b.y - e.a.y;
      const d = Math.sqrt(dx * dx + dy * dy) || 1;
      const rb = radius(e.b) + 2;
      e.el.setAttribute("x1", e.a.x.toFixed(1));
      e.el.setAttribute("y1", e.a.y.toFixed(1));
      e.el.setAttribute("x2", (e.b.x - (dx / d) * rb).toFixed(1));
      e.el.setAttribute("y2", (e.b.y - (dy / d) * rb).toFixed(1));
    }
  }

  function fit() {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const n of nodes) {
      x0 = Math.min(x0, n.x);
      y0 = Math.min(y0, n.y);
      x1 = Math.max(x1, n.x);
      y1 = Math.max(y1, n.y);
    }
    const pad = 60;
    view.k = Math.min(1.4, W / (x1 - x0 + 2 * pad), H / (y1 - y0 + 2 * pad));
    view.x = W / 2 - view.k * ((x0 + x1) / 2);
    view.y = H / 2 - view.k * ((y0 + y1) / 2);
    draw();
  }

  /** A pointer event's position in viewBox units. */
  function svgPoint(ev) {
    const ctm = svg.getScreenCTM();
    if (!ctm) return { x: 0, y: 0 };
    const p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(ctm.inverse());
    return { x: p.x, y: p.y };
  }

  function toGraph(p) {
    return { x: (p.x - view.x) / view.k, y: (p.y - view.y) / view.k };
  }

  // A few frames of simulation after a drag, so the neighbours follow.
  let frame = 0;
  function heat(alpha) {
    sim.alpha = Math.max(sim.alpha, alpha);
    if (!frame) frame = requestAnimationFrame(step);
  }
  function step() {
    frame = 0;
    tick(sim);
    draw();
    if (sim.alpha > 0.01) frame = requestAnimationFrame(step);
    else sim.alpha = 0;
  }

  let drag = null;
  svg.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    const nodeEl = ev.target.closest ? ev.target.closest(".node") : null;
    const start = svgPoint(ev);
    if (nodeEl) {
      const node = byId.get(nodeEl.dataset.id);
      drag = { kind: "node", node, start, moved: false, wasFixed: node.fixed, id: ev.pointerId };
    } else {
      drag = { kind: "pan", start, view0: { ...view }, moved: false, id: ev.pointerId };
      svg.classList.add("panning");
    }
    svg.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  svg.addEventListener("pointermove", (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    const p = svgPoint(ev);
    if (Math.hypot(p.x - drag.start.x, p.y - drag.start.y) > 4) drag.moved = true;
    if (!drag.moved) return;
    if (drag.kind === "node") {
      const g = toGraph(p);
      drag.node.x = g.x;
      drag.node.y = g.y;
      drag.node.fixed = true;
      heat(0.3);
      draw();
    } else {
      view.x = drag.view0.x + (p.x - drag.start.x);
      view.y = drag.view0.y + (p.y - drag.start.y);
      draw();
    }
  });
  const end = (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    const done = drag;
    drag = null;
    svg.classList.remove("panning");
    if (svg.hasPointerCapture(ev.pointerId)) svg.releasePointerCapture(ev.pointerId);
    if (ev.type === "pointerup" && done.kind === "node" && !done.moved) onOpen(done.node.id);
  };
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);
  svg.addEventListener(
    "wheel",
    (ev) => {
      ev.preventDefault();
      zoomAt(svgPoint(ev), Math.exp(-ev.deltaY * 0.0015));
    },
    { passive: false },
  );
  svg.addEventListener("keydown", (ev) => {
    const nodeEl = ev.target.closest ? ev.target.closest(".node") : null;
    if (nodeEl && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault();
      onOpen(nodeEl.dataset.id);
    }
  });

  function zoomAt(p, factor) {
    const k = Math.max(0.2, Math.min(8, view.k * factor));
    view.x = p.x - ((p.x - view.x) * k) / view.k;
    view.y = p.y - ((p.y - view.y) * k) / view.k;
    view.k = k;
    draw();
  }

  const button = (label, testid, onclick) => h("button", { type: "button", class: "small-button", "data-testid": testid, onclick }, label);
  const controls = h(
    "div",
    { class: "graph-controls" },
    button("+", "graph-zoom-in", () => zoomAt({ x: W / 2, y: H / 2 }, 1.25)),
    button("−", "graph-zoom-out", () => zoomAt({ x: W / 2, y: H / 2 }, 0.8)),
    button(t("graph.fit"), "graph-fit", fit),
  );
  const legend = h(
    "ul",
    { class: "graph-legend" },
    ["high", "medium", "low"].map((b) => h("li", {}, h("span", { class: "swatch", style: `background:${BAND_FILL[b]}` }), t(`band.${b}`))),
    h("li", {}, h("span", { class: "swatch", style: `background:${NO_BAND}` }), t("band.none")),
    h("li", {}, h("span", { class: "swatch swatch-center" }), t("graph.center")),
    h("li", {}, h("span", { class: "swatch-line risky" }), t("graph.riskyEdge")),
    h("li", {}, h("span", { class: "swatch-line" }), t("graph.edge")),
  );
  const element = h("div", { class: "graph", "data-testid": "graph" }, controls, svg, legend);
  fit();

  return {
    element,
    destroy() {
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
    },
  };
}

function shortName(name) {
  const str = String(name);
  return str.length > 24 ? str.slice(0, 23) + "…" : str;
}
