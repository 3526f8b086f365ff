// Taxpayers: the ranked list and one taxpayer's profile (reasons with their
// evidence, score history, supply-chain graph).

import { h, replace } from "./dom.js";
import {
  api,
  bandBadge,
  canSee,
  cleanQuery,
  errorBox,
  field,
  hashFor,
  nextSort,
  pageOf,
  pager,
  select,
  setBusy,
  setTitle,
  th,
  fetchResults,
  toLastPage,
} from "./core.js";
import { historyChart } from "./charts.js";
import { networkGraph } from "./graph.js";
import { fmtDate, fmtInt, fmtMonth, fmtNum, fmtScore, fmtShare, getLang, t, tMaybe } from "./i18n.js";

const PAGE_SIZE = 50;
const FILTERS = ["band", "q"];

// Identifier shapes in the data: BINs and INNs (10, 12 or 14 digits:
// Kazakhstan, Russia, Kyrgyzstan) and foreign ids (country code + digits)
// are taxpayers; "office/ddmmyy/serial" are declarations (offices have 5
// digits in Kazakhstan, 8 in Russia and Kyrgyzstan). Invoice numbers look
// like foreign ids and TN VED codes like INNs, so values under these keys
// (and the shared director / address / account of a group) are never links.
const TAXPAYER_ID = /^(\d{10}|\d{12}|\d{14}|[A-Z]{2}\d{6,20})$/;
const DECLARATION_ID = /^\d{5,8}\/\d{6}\/\d{5,8}$/;
const NOT_LINKS = new Set(["invoices", "invoice", "invoice_id", "value", "shared", "hs6", "hs_code", "suggested"]);

export function taxpayersPage() {
  let params;
  let form;
  let results;
  let seq = 0;

  const current = () => ({ sort: params.get("sort") || "score", order: params.get("order") || "desc" });

  function go(changes) {
    const next = Object.fromEntries(params.entries());
    Object.assign(next, changes);
    location.hash = hashFor("taxpayers", null, next);
  }

  function buildForm() {
    const bands = [["", t("filter.all")], ...["high", "medium", "low"].map((b) => [b, t(`band.${b}`)])];
    const apply = () => go({ band: form.elements.band.value, q: form.elements.q.value.trim(), page: "" });
    form = h(
      "form",
      {
        class: "filters",
        role: "search",
        "aria-label": t("filter.label"),
        "data-testid": "tp-filters",
        onsubmit: (e) => {
          e.preventDefault();
          apply();
        },
        onchange: (e) => {
          if (e.target.name === "band") apply();
        },
      },
      field(t("queue.band"), select("band", bands, params.get("band"), { "data-testid": "tp-band" })),
      field(
        t("queue.search"),
        h("input", { id: "q", name: "q", type: "search", value: params.get("q") || "", placeholder: t("tp.searchHint"), "data-testid": "tp-q" }),
        "field-grow",
      ),
      h(
        "div",
        { class: "field field-buttons" },
        h("button", { type: "submit", class: "primary", "data-testid": "tp-apply" }, t("filter.apply")),
        h(
          "button",
          { type: "button", "data-testid": "tp-reset", onclick: () => (location.hash = hashFor("taxpayers")) },
          t("filter.reset"),
        ),
      ),
    );
    return form;
  }

  async function load() {
    const mine = ++seq;
    const cur = current();
    const query = cleanQuery({
      band: params.get("band"),
      q: params.get("q"),
      sort: cur.sort,
      order: cur.order,
      page: pageOf(params),
      page_size: PAGE_SIZE,
    });
    const data = await fetchResults(results, `/api/taxpayers?${query}`, query, () => mine === seq);
    if (!data || toLastPage("taxpayers", params, data)) return;
    const lang = getLang();
    const onSort = (key) => go({ ...nextSort(cur, key, ["party_id"]), page: "" });
    const table = h(
      "table",
      { class: "data", "data-testid": "tp-table" },
      h("caption", { class: "sr-only" }, t("tp.caption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          th(t("tp.col.id"), { key: "party_id", current: cur, onSort }),
          th(t("tp.col.name")),
          th(t("tp.col.country")),
          th(t("tp.col.sector")),
          th(t("tp.col.score"), { key: "score", current: cur, onSort, numeric: true }),
          th(t("tp.col.band")),
          th(t("tp.col.reason")),
        ),
      ),
      h(
        "tbody",
        {},
        data.items.length
          ? data.items.map((item) => {
              const reasons = (lang === "ru" ? item.reasons_ru : item.reasons_en) || [];
              return h(
                "tr",
                { "data-testid": "tp-row", "data-id": item.party_id, "data-band": item.band || "" },
                h("td", {}, h("a", { href: hashFor("taxpayers", item.party_id), "data-testid": "tp-link" }, item.party_id)),
                h("td", {}, item.name || ""),
                h("td", {}, item.country || ""),
                h("td", {}, item.sector ? tMaybe(`sector.${item.sector}`) || item.sector : "—"),
                h("td", { class: "num", "data-testid": "cell-score", "data-value": item.score }, fmtScore(item.score)),
                h("td", {}, bandBadge(item.band)),
                h("td", { class: "reason" }, reasons.length ? reasons[0] : "—"),
              );
            })
          : h("tr", {}, h("td", { colspan: 7, class: "empty", "data-testid": "empty" }, t("tp.empty"))),
      ),
    );
    const pg = (where) =>
      pager({ page: data.page, pageSize: data.page_size, total: data.total, noun: "tp.total", onPage: (n) => go({ page: n }), where });
    replace(results, pg(""), h("div", { class: "table-wrap" }, table), data.total > PAGE_SIZE ? pg("-bottom") : null);
    setBusy(results, false, query);
  }

  return {
    mount(main, p) {
      params = p;
      setTitle(t("nav.taxpayers"));
      results = h("div", { id: "tp-results", "data-testid": "tp-results", "aria-live": "polite" });
      main.append(h("section", { class: "page" }, h("h1", { "data-testid": "page-title" }, t("tp.title")), buildForm(), results));
      return load();
    },
    update(p) {
      params = p;
      for (const name of FILTERS) {
        const el = form.elements[name];
        if (document.activeElement !== el) el.value = params.get(name) || "";
      }
      return load();
    },
  };
}

/** A value from the evidence, with ids turned into links where we may open them. */
function evidenceValue(value, key) {
  if (value === null || value === undefined) return h("span", { class: "muted" }, "—");
  if (Array.isArray(value)) {
    if (!value.length) return h("span", { class: "muted" }, "—");
    return h("ul", { class: "inline-list" }, value.map((v) => h("li", {}, evidenceValue(v, key))));
  }
  if (typeof value === "object") return evidenceList(value);
  if (typeof value === "number") {
    if (key === "share" || key === "pass_through" || key === "export_share") return fmtShare(value);
    return Number.isInteger(value) ? fmtInt(value) : fmtNum(value, 0, 2);
  }
  if (typeof value === "boolean") return value ? t("yes") : t("no");
  const text = String(value);
  if (key === "shared") return tMaybe(`ev.shared.${text}`) || text;
  if (key === "sector") return tMaybe(`sector.${text}`) || text;
  if (!NOT_LINKS.has(key)) {
    if (DECLARATION_ID.test(text) && canSee("declarations")) {
      return h("a", { href: hashFor("declarations", text), "data-testid": "evidence-declaration" }, text);
    }
    if (TAXPAYER_ID.test(text) && canSee("taxpayers")) {
      return h("a", { href: hashFor("taxpayers", text), "data-testid": "evidence-taxpayer" }, text);
    }
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return fmtDate(text);
  return text;
}

function evidenceList(obj) {
  return h(
    "dl",
    { class: "evidence", "data-testid": "evidence" },
    Object.entries(obj).map(([key, value]) => [
      h("dt", {}, tMaybe(`ev.${key}`) || key.replace(/_/g, " ")),
      h("dd", { "data-key": key }, evidenceValue(value, key)),
    ]),
  );
}

function reasonCard(reason) {
  const lang = getLang();
  const text = (lang === "ru" ? reason.reason_ru : reason.reason_en) || reason.reason_en || reason.reason_ru || "";
  const meta = [
    tMaybe(`agent.${reason.agent}`) || reason.agent,
    reason.score != null ? `${t("tp.reasonScore")} ${fmtNum(reason.score, 2, 2)}` : null,
    reason.period ? fmtMonth(reason.period) : null,
  ].filter(Boolean);
  return h(
    "li",
    { class: "reason-card", "data-testid": "tp-reason", "data-kind": reason.kind || "" },
    h("p", { class: "reason-text", "data-testid": "tp-reason-text" }, text),
    h("p", { class: "muted small" }, meta.join(" · ")),
    reason.evidence && typeof reason.evidence === "object"
      ? h("details", { class: "evidence-box", open: true }, h("summary", {}, t("tp.evidence")), evidenceList(reason.evidence))
      : null,
  );
}

export function taxpayerPage(id) {
  let graphHandle = null;
  let graphSlot;
  let hops = 2;

  async function loadGraph() {
    if (graphHandle) graphHandle.destroy();
    graphHandle = null;
    replace(graphSlot, h("p", { class: "muted" }, t("loading")));
    let data;
    try {
      data = await api(`/api/taxpayers/${encodeURIComponent(id)}/graph?hops=${hops}`);
    } catch (err) {
      replace(graphSlot, errorBox(err));
      return;
    }
    if (!graphSlot.isConnected) return;
    if (!data.nodes.length) {
      replace(graphSlot, h("p", { class: "muted" }, t("graph.empty")));
      return;
    }
    graphHandle = networkGraph(data, { onOpen: (node) => (location.hash = hashFor("taxpayers", node)) });
    replace(graphSlot, graphHandle.element, edgeTable(data));
  }

  function edgeTable(data) {
    const names = new Map(data.nodes.map((n) => [n.id, n.name || n.id]));
    const edges = [...data.edges].sort((a, b) => b.amount_usd - a.amount_usd);
    return h(
      "details",
      { class: "graph-table" },
      h("summary", {}, t("graph.tableSummary", { n: fmtInt(edges.length) })),
      h(
        "table",
        { class: "data compact" },
        h(
          "thead",
          {},
          h("tr", {}, th(t("graph.col.seller")), th(t("graph.col.buyer")), th(t("graph.col.amount"), { numeric: true }), th(t("graph.col.invoices"), { numeric: true }), th(t("graph.col.risky"))),
        ),
        h(
          "tbody",
          {},
          edges.map((e) =>
            h(
              "tr",
              { class: e.risky ? "row-risky" : null },
              h("td", {}, h("a", { href: hashFor("taxpayers", e.source) }, names.get(e.source) || e.source)),
              h("td", {}, h("a", { href: hashFor("taxpayers", e.target) }, names.get(e.target) || e.target)),
              h("td", { class: "num" }, fmtNum(e.amount_usd, 0, 0)),
              h("td", { class: "num" }, fmtInt(e.invoices)),
              h("td", {}, e.risky ? t("yes") : ""),
            ),
          ),
        ),
      ),
    );
  }

  return {
    async mount(main) {
      setTitle(id);
      const back = h("p", { class: "back" }, h("a", { href: "#/taxpayers", "data-testid": "back-to-taxpayers" }, "← ", t("tp.back")));
      const page = h("section", { class: "page" }, back, h("p", { class: "muted" }, t("loading")));
      main.append(page);
      let tp;
      try {
        tp = await api(`/api/taxpayers/${encodeURIComponent(id)}`);
      } catch (err) {
        replace(page, back, h("h1", { "data-testid": "page-title" }, id), errorBox(err));
        return;
      }
      setTitle(tp.name || id);
      const hopsSelect = select(
        "graph-hops",
        [
          ["1", t("graph.hops1")],
          ["2", t("graph.hops2")],
        ],
        String(hops),
        {
          "data-testid": "graph-hops",
          onchange: (e) => {
            hops = Number(e.target.value);
            loadGraph();
          },
        },
      );
      graphSlot = h("div", { class: "graph-slot", "data-testid": "graph-slot" });
      const history = tp.history || [];
      replace(
        page,
        back,
        h(
          "div",
          { class: "page-head" },
          h(
            "div",
            {},
            h("p", { class: "eyebrow" }, t("tp.eyebrow")),
            h("h1", { "data-testid": "page-title" }, tp.name || tp.party_id),
            h("p", { class: "muted" }, h("span", { "data-testid": "tp-id" }, tp.party_id)),
          ),
          h(
            "div",
            { class: "score-box" },
            h("div", { class: "score-label" }, t("tp.score")),
            h("div", { class: "score-value", "data-testid": "tp-score", "data-value": tp.score }, fmtScore(tp.score)),
            h("div", { "data-testid": "tp-band" }, bandBadge(tp.band)),
          ),
        ),
        h(
          "dl",
          { class: "facts" },
          [
            [t("tp.country"), tp.country],
            [t("tp.sector"), tp.sector ? tMaybe(`sector.${tp.sector}`) || tp.sector : null],
            [t("tp.size"), tp.size ? tMaybe(`size.${tp.size}`) || tp.size : null],
            [t("tp.registered"), tp.registration_date ? fmtDate(tp.registration_date) : null],
            [t("tp.employees"), tp.employees == null ? null : fmtInt(tp.employees)],
          ].map(([label, value]) => [h("dt", {}, label), h("dd", {}, value ?? "—")]),
        ),
        h(
          "section",
          { class: "card" },
          h("h2", {}, t("tp.reasons")),
          tp.reasons && tp.reasons.length
            ? h("ol", { class: "reason-list", "data-testid": "tp-reasons" }, tp.reasons.map(reasonCard))
            : h("p", { class: "muted", "data-testid": "tp-reasons" }, t("tp.noReasons")),
        ),
        h(
          "section",
          { class: "card" },
          h("h2", {}, t("tp.history")),
          history.length ? historyChart(history) : h("p", { class: "muted" }, t("tp.noHistory")),
          history.length
            ? h(
                "details",
                {},
                h("summary", {}, t("tp.historyTable")),
                h(
                  "table",
                  { class: "data compact", "data-testid": "history-table" },
                  h("thead", {}, h("tr", {}, th(t("tp.period")), th(t("tp.col.score"), { numeric: true }), th(t("tp.col.band")))),
                  h(
                    "tbody",
                    {},
                    history.map((p) => h("tr", {}, h("td", {}, fmtMonth(p.period)), h("td", { class: "num" }, fmtScore(p.score)), h("td", {}, bandBadge(p.band)))),
                  ),
                ),
              )
            : null,
        ),
        h(
          "section",
          { class: "card" },
          h("div", { class: "card-head" }, h("h2", {}, t("graph.title")), field(t("graph.depth"), hopsSelect, "field-inline")),
          h("p", { class: "muted small" }, t("graph.help")),
          graphSlot,
        ),
      );
      await loadGraph();
    },
    destroy() {
      if (graphHandle) graphHandle.destroy();
    },
  };
}
