// The inspection queue and one declaration (with its inspection outcome).

import { h, replace } from "./dom.js";
import {
  api,
  bandBadge,
  cleanQuery,
  declarationPath,
  errorBox,
  field,
  hashFor,
  nextSort,
  pageOf,
  pager,
  select,
  session,
  setBusy,
  setTitle,
  th,
  fetchResults,
  toLastPage,
} from "./core.js";
import { fmtDate, fmtDay, fmtInt, fmtMoney, fmtNum, fmtRisk, getLang, t } from "./i18n.js";

const QUEUE_FILTERS = ["date_from", "date_to", "office", "country", "chapter", "band", "q"];
const PAGE_SIZE = 50;

/** A declaration's reasons in the page's language. */
function reasonsOf(item) {
  const got = getLang() === "ru" ? item.reasons_ru : item.reasons;
  return got || item.reasons || [];
}

/** Where "back to the queue" goes: the queue as last seen, filters kept. */
export const lastQueue = { hash: "#/queue" };

export function queuePage() {
  let params;
  let form;
  let results;
  let facets = null;
  let seq = 0;

  const current = () => ({
    sort: params.get("sort") || "risk",
    order: params.get("order") || "desc",
  });

  function go(changes) {
    const next = Object.fromEntries(params.entries());
    Object.assign(next, changes);
    location.hash = hashFor("queue", null, next);
  }

  function readForm() {
    const out = {};
    for (const name of QUEUE_FILTERS) out[name] = form.elements[name].value.trim();
    return out;
  }

  function applyForm() {
    go({ ...readForm(), page: "" });
  }

  function buildForm() {
    const p = (k) => params.get(k) || "";
    const offices = [["", t("filter.all")], ...facets.offices.map((o) => [o, o])];
    const countries = [["", t("filter.all")], ...facets.countries.map((c) => [c, c])];
    const chapters = [["", t("filter.all")], ...facets.chapters.map((c) => [c.code, c.name ? `${c.code} · ${c.name}` : c.code])];
    const bands = [["", t("filter.all")], ...facets.bands.map((b) => [b, t(`band.${b}`)])];
    const dateAttrs = { min: facets.date_min, max: facets.date_max };
    form = h(
      "form",
      {
        class: "filters",
        "data-testid": "queue-filters",
        role: "search",
        "aria-label": t("filter.label"),
        onsubmit: (e) => {
          e.preventDefault();
          applyForm();
        },
        onchange: (e) => {
          // Pickers apply at once; the search box waits for Enter / Apply.
          if (e.target.name !== "q") applyForm();
        },
      },
      field(t("queue.dateFrom"), h("input", { id: "date_from", name: "date_from", type: "date", value: p("date_from"), "data-testid": "filter-date-from", ...dateAttrs })),
      field(t("queue.dateTo"), h("input", { id: "date_to", name: "date_to", type: "date", value: p("date_to"), "data-testid": "filter-date-to", ...dateAttrs })),
      field(t("queue.office"), select("office", offices, p("office"), { "data-testid": "filter-office" })),
      field(t("queue.country"), select("country", countries, p("country"), { "data-testid": "filter-country" })),
      field(t("queue.chapter"), select("chapter", chapters, p("chapter"), { "data-testid": "filter-chapter", class: "wide-select" })),
      field(t("queue.band"), select("band", bands, p("band"), { "data-testid": "filter-band" })),
      field(
        t("queue.search"),
        h("input", { id: "q", name: "q", type: "search", value: p("q"), placeholder: t("queue.searchHint"), "data-testid": "filter-q" }),
        "field-grow",
      ),
      h(
        "div",
        { class: "field field-buttons" },
        h("button", { type: "submit", class: "primary", "data-testid": "filter-apply" }, t("filter.apply")),
        h(
          "button",
          {
            type: "button",
            "data-testid": "filter-reset",
            onclick: () => {
              location.hash = hashFor("queue", null, { sort: params.get("sort"), order: params.get("order") });
            },
          },
          t("filter.reset"),
        ),
      ),
    );
    return form;
  }

  function syncForm() {
    if (!form) return;
    for (const name of QUEUE_FILTERS) {
      const el = form.elements[name];
      if (document.activeElement !== el) el.value = params.get(name) || "";
    }
  }

  function row(item) {
    const link = hashFor("declarations", item.declaration_id);
    return h(
      "tr",
      { "data-testid": "queue-row", "data-id": item.declaration_id, "data-band": item.band },
      h(
        "td",
        {},
        h("a", { href: link, "data-testid": "declaration-link" }, item.declaration_id),
        item.lines > 1 ? h("div", { class: "muted small" }, t("queue.lines", { n: fmtInt(item.lines) })) : null,
      ),
      h("td", { class: "nowrap", "data-testid": "cell-date", "data-value": item.date }, fmtDay(item.date)),
      h("td", { "data-testid": "cell-office" }, item.office_id),
      h(
        "td",
        { class: "importer" },
        h("div", {}, item.importer_name || item.importer_id),
        item.importer_name ? h("div", { class: "muted small" }, item.importer_id) : null,
      ),
      h(
        "td",
        { class: "goods" },
        h("div", {}, h("code", {}, item.hs_code), " · ", h("span", { "data-testid": "cell-country" }, item.country_origin)),
        h("div", { class: "muted small clip", title: item.description || "" }, item.description || ""),
      ),
      h("td", { class: "num", "data-testid": "cell-value", "data-value": item.customs_value }, fmtMoney(item.customs_value)),
      h("td", { class: "num", "data-testid": "cell-risk", "data-value": item.risk }, riskMeter(item.risk, item.band)),
      h("td", {}, bandBadge(item.band)),
      h("td", { class: "reason", "data-testid": "cell-reason" }, reasonsOf(item).length ? reasonsOf(item)[0] : "—"),
      h("td", { "data-testid": "cell-outcome" }, outcomeTag(item.outcome)),
    );
  }

  async function load() {
    const mine = ++seq;
    const cur = current();
    const page = pageOf(params);
    const query = cleanQuery({
      ...Object.fromEntries(QUEUE_FILTERS.map((k) => [k, params.get(k)])),
      sort: cur.sort,
      order: cur.order,
      page,
      page_size: PAGE_SIZE,
    });
    const data = await fetchResults(results, `/api/queue?${query}`, query, () => mine === seq);
    if (!data || toLastPage("queue", params, data)) return;
    const onSort = (key) => go({ ...nextSort(cur, key, ["declaration_id"]), page: "" });
    const table = h(
      "table",
      { class: "data queue", "data-testid": "queue-table" },
      h("caption", { class: "sr-only" }, t("queue.caption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          th(t("queue.col.declaration"), { key: "declaration_id", current: cur, onSort }),
          th(t("queue.col.date"), { key: "date", current: cur, onSort }),
          th(t("queue.col.office")),
          th(t("queue.col.importer")),
          th(t("queue.col.goods")),
          th(t("queue.col.value"), { key: "value", current: cur, onSort, numeric: true }),
          th(t("queue.col.risk"), { key: "risk", current: cur, onSort, numeric: true }),
          th(t("queue.col.band")),
          th(t("queue.col.reason")),
          th(t("queue.col.outcome")),
        ),
      ),
      h(
        "tbody",
        {},
        data.items.length
          ? data.items.map(row)
          : h("tr", {}, h("td", { colspan: 10, class: "empty", "data-testid": "empty" }, t("queue.empty"))),
      ),
    );
    const pg = (where) =>
      pager({
        page: data.page,
        pageSize: data.page_size,
        total: data.total,
        noun: "queue.total",
        onPage: (n) => go({ page: n }),
        where,
      });
    replace(results, pg(""), h("div", { class: "table-wrap" }, table), data.total > PAGE_SIZE ? pg("-bottom") : null);
    setBusy(results, false, query);
  }

  return {
    async mount(main, p) {
      params = p;
      setTitle(t("nav.queue"));
      lastQueue.hash = location.hash || "#/queue";
      const page = h("section", { class: "page" }, h("h1", { "data-testid": "page-title" }, t("queue.title")));
      const slot = h("div", {}, h("p", { class: "muted" }, t("loading")));
      results = h("div", { id: "queue-results", "data-testid": "queue-results", "aria-live": "polite" });
      page.append(slot, results);
      main.append(page);
      try {
        facets = await api("/api/queue/facets");
      } catch (err) {
        replace(slot, errorBox(err));
        return;
      }
      replace(slot, buildForm());
      await load();
    },
    update(p) {
      params = p;
      lastQueue.hash = location.hash || "#/queue";
      syncForm();
      if (facets) load();
    },
  };
}

function riskMeter(risk, band) {
  const pct = Math.max(0, Math.min(1, Number(risk) || 0)) * 100;
  return h(
    "div",
    { class: "risk" },
    h("span", {}, fmtRisk(risk)),
    h("span", { class: "meter", "aria-hidden": "true" }, h("span", { class: `meter-fill band-${band}`, style: `width:${pct.toFixed(1)}%` })),
  );
}

function outcomeTag(outcome) {
  if (!outcome) return h("span", { class: "muted" }, "—");
  return h(
    "span",
    { class: outcome.fraud ? "tag tag-fraud" : "tag tag-clean", "data-fraud": String(outcome.fraud) },
    outcome.fraud ? t("outcome.fraudShort") : t("outcome.cleanShort"),
  );
}

export function declarationPage(id) {
  let outcomeSlot;
  let decl;

  function factList(pairs) {
    return h(
      "dl",
      { class: "facts" },
      pairs.map(([label, value, testid]) => [h("dt", {}, label), h("dd", { "data-testid": testid || null }, value)]),
    );
  }

  function outcomeView(outcome) {
    if (!outcome) return h("p", { class: "muted", "data-testid": "outcome-none" }, t("outcome.none"));
    return h(
      "div",
      { class: outcome.fraud ? "outcome outcome-fraud" : "outcome outcome-clean", "data-testid": "outcome-current", "data-fraud": String(outcome.fraud) },
      h("strong", {}, outcome.fraud ? t("outcome.fraudFound") : t("outcome.noFraud")),
      h(
        "span",
        {},
        " · ",
        t("outcome.revenue"),
        ": ",
        h("span", { "data-testid": "outcome-revenue-value" }, outcome.additional_revenue == null ? "—" : fmtMoney(outcome.additional_revenue)),
      ),
      outcome.inspected_on ? h("span", {}, " · ", t("outcome.inspectedOn"), " ", fmtDate(outcome.inspected_on)) : null,
    );
  }

  function outcomeForm() {
    const o = decl.outcome;
    const message = h("div", { class: "form-message", "data-testid": "outcome-message", role: "status", "aria-live": "polite" });
    const radios = h(
      "fieldset",
      { class: "radios" },
      h("legend", {}, t("outcome.question")),
      h(
        "label",
        {},
        h("input", { type: "radio", name: "fraud", value: "yes", id: "fraud-yes", required: true, checked: o ? o.fraud === true : false, "data-testid": "outcome-fraud-yes" }),
        " ",
        t("outcome.yes"),
      ),
      h(
        "label",
        {},
        h("input", { type: "radio", name: "fraud", value: "no", id: "fraud-no", checked: o ? o.fraud === false : false, "data-testid": "outcome-fraud-no" }),
        " ",
        t("outcome.no"),
      ),
    );
    const revenue = h("input", {
      id: "additional_revenue",
      name: "additional_revenue",
      type: "number",
      min: "0",
      step: "0.01",
      inputmode: "decimal",
      value: o && o.additional_revenue != null ? String(o.additional_revenue) : "",
      "data-testid": "outcome-revenue",
    });
    const button = h("button", { type: "submit", class: "primary", "data-testid": "outcome-save" }, t("outcome.save"));
    const form = h(
      "form",
      {
        class: "outcome-form",
        "data-testid": "outcome-form",
        onsubmit: async (e) => {
          e.preventDefault();
          const choice = form.elements.fraud.value;
          if (!choice) {
            replace(message, h("span", { class: "text-error" }, t("outcome.chooseFraud")));
            return;
          }
          const raw = revenue.value.trim();
          const amount = raw === "" ? null : Number(raw);
          if (amount !== null && (!Number.isFinite(amount) || amount < 0)) {
            replace(message, h("span", { class: "text-error" }, t("outcome.badRevenue")));
            return;
          }
          button.disabled = true;
          replace(message, t("saving"));
          try {
            const saved = await api("/api/outcomes", {
              method: "POST",
              json: { declaration_id: decl.declaration_id, fraud: choice === "yes", additional_revenue: amount },
            });
            decl.outcome = saved;
            replace(outcomeSlot, outcomeView(saved));
            replace(message, h("span", { class: "text-ok", "data-testid": "outcome-saved" }, t("outcome.saved")));
          } catch (err) {
            replace(message, errorBox(err));
          } finally {
            button.disabled = false;
          }
        },
      },
      radios,
      h("div", { class: "field" }, h("label", { for: "additional_revenue" }, t("outcome.revenueLabel")), revenue),
      h("div", { class: "field field-buttons" }, button),
      message,
    );
    return form;
  }

  function linesTable(lines) {
    return h(
      "table",
      { class: "data", "data-testid": "decl-lines" },
      h("caption", { class: "sr-only" }, t("decl.lines")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          th(t("decl.col.item"), { numeric: true }),
          th(t("decl.col.hs")),
          th(t("decl.col.description")),
          th(t("decl.col.origin")),
          th(t("decl.col.mass"), { numeric: true }),
          th(t("decl.col.quantity"), { numeric: true }),
          th(t("decl.col.value"), { numeric: true }),
          th(t("decl.col.duty"), { numeric: true }),
          th(t("decl.col.check")),
        ),
      ),
      h(
        "tbody",
        {},
        lines.map((line) =>
          h(
            "tr",
            { "data-testid": "decl-line" },
            h("td", { class: "num" }, line.item_no),
            h("td", {}, h("code", {}, line.hs_code)),
            h("td", {}, line.description || ""),
            h("td", {}, line.country_origin || ""),
            h("td", { class: "num" }, line.net_mass_kg == null ? "—" : fmtNum(line.net_mass_kg, 0, 2)),
            h(
              "td",
              { class: "num" },
              line.quantity == null ? "—" : [fmtNum(line.quantity, 0, 2), line.quantity_unit ? ` ${line.quantity_unit}` : ""],
            ),
            h("td", { class: "num" }, fmtMoney(line.customs_value, line.currency)),
            h("td", { class: "num" }, line.duty == null ? "—" : fmtMoney(line.duty, line.currency)),
            h("td", { "data-testid": "goods-check" }, goodsCheck(line.goods_check)),
          ),
        ),
      ),
    );
  }

  return {
    async mount(main) {
      setTitle(id);
      const back = h("p", { class: "back" }, h("a", { href: lastQueue.hash, "data-testid": "back-to-queue" }, "← ", t("decl.back")));
      const page = h("section", { class: "page" }, back, h("p", { class: "muted" }, t("loading")));
      main.append(page);
      try {
        decl = await api(declarationPath(id));
      } catch (err) {
        replace(page, back, h("h1", { "data-testid": "page-title" }, id), errorBox(err));
        return;
      }
      const imp = decl.importer || {};
      outcomeSlot = h("div", { "data-testid": "outcome-slot" }, outcomeView(decl.outcome));
      replace(
        page,
        back,
        h(
          "div",
          { class: "page-head" },
          h(
            "div",
            {},
            h("p", { class: "eyebrow" }, t("decl.eyebrow")),
            h("h1", { "data-testid": "page-title" }, h("span", { "data-testid": "decl-id" }, decl.declaration_id)),
          ),
          h(
            "div",
            { class: "score-box" },
            h("div", { class: "score-label" }, t("decl.risk")),
            h("div", { class: "score-value", "data-testid": "decl-risk" }, fmtRisk(decl.risk)),
            h("div", { "data-testid": "decl-band" }, bandBadge(decl.band)),
            decl.rank ? h("div", { class: "muted small" }, t("decl.rank", { n: fmtInt(decl.rank) })) : null,
          ),
        ),
        factList([
          [t("decl.date"), fmtDate(decl.date), "decl-date"],
          [t("decl.office"), decl.office_id],
          [
            t("decl.importer"),
            imp.name ? [imp.name, imp.party_id ? h("span", { class: "muted" }, ` (${imp.party_id})`) : null] : imp.party_id || "—",
            "decl-importer",
          ],
          [t("decl.importerCountry"), imp.country || "—"],
          [t("decl.lineCount"), fmtInt(decl.lines.length)],
        ]),
        h(
          "section",
          { class: "card" },
          h("h2", {}, t("decl.reasons")),
          reasonsOf(decl).length
            ? h("ol", { class: "reasons", "data-testid": "decl-reasons" }, reasonsOf(decl).map((r) => h("li", {}, r)))
            : h("p", { class: "muted", "data-testid": "decl-reasons" }, t("decl.noReasons")),
        ),
        h("section", { class: "card" }, h("h2", {}, t("decl.lines")), h("div", { class: "table-wrap" }, linesTable(decl.lines))),
        h(
          "section",
          { class: "card", "aria-labelledby": "outcome-h" },
          h("h2", { id: "outcome-h" }, t("outcome.title")),
          outcomeSlot,
          session.user && ["analyst", "admin"].includes(session.user.role) ? outcomeForm() : null,
        ),
      );
    },
  };
}

function goodsCheck(check) {
  if (!check) return h("span", { class: "muted" }, "—");
  return h(
    "div",
    { class: "goods-check" },
    h("div", {}, check.reason),
    check.suggestion
      ? h("div", { class: "small" }, t("decl.suggested"), ": ", h("code", { "data-testid": "goods-suggestion" }, check.suggestion))
      : null,
    check.score != null ? h("div", { class: "muted small" }, t("decl.checkScore"), ": ", fmtNum(check.score, 2, 2)) : null,
  );
}
