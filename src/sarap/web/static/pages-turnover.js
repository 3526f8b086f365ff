// Trade turnover: value this year against the previous one, grouped by
// partner country, country pair, goods chapter or month.

import { h, replace } from "./dom.js";
import { cleanQuery, fetchResults, field, hashFor, select, setBusy, setTitle, th } from "./core.js";
import { turnoverChart } from "./charts.js";
import { fmtInt, fmtMoney, fmtMonth, fmtMonthName, fmtPct, t } from "./i18n.js";

const BY = ["partner", "pair", "chapter", "month"];
// Country groups offered as one click; the field stays free text.
const GROUPS = {
  eaeu: "AM,BY,KG,KZ,RU",
  centralAsia: "KG,KZ,TJ,TM,UZ",
};

export function turnoverPage() {
  let params;
  let form;
  let results;
  let years = [];
  let seq = 0;

  function go(changes) {
    const next = Object.fromEntries(params.entries());
    Object.assign(next, changes);
    location.hash = hashFor("turnover", null, next);
  }

  function normaliseList(text) {
    return text
      .split(/[\s,;]+/)
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean)
      .join(",");
  }

  function apply() {
    go({
      by: form.elements.by.value,
      year: form.elements.year.value,
      country: form.elements.country.value.trim().toUpperCase(),
      partners: normaliseList(form.elements.partners.value),
    });
  }

  function yearOptions(selected) {
    const opts = [["", t("turnover.latestYear")], ...years.map((y) => [String(y), String(y)])];
    return opts.map(([v, label]) => h("option", { value: v, selected: v === String(selected || "") }, label));
  }

  function buildForm() {
    const by = params.get("by") || "partner";
    const country = h("input", {
      id: "country",
      name: "country",
      type: "text",
      maxlength: "2",
      size: "4",
      autocomplete: "off",
      pattern: "[A-Za-z]{2}",
      value: params.get("country") || "",
      placeholder: "KZ",
      "data-testid": "turnover-country",
    });
    const partners = h("input", {
      id: "partners",
      name: "partners",
      type: "text",
      autocomplete: "off",
      value: params.get("partners") || "",
      placeholder: "CN,RU,TR",
      "aria-describedby": "partners-help",
      "data-testid": "turnover-partners",
    });
    const groupButtons = Object.entries(GROUPS).map(([key, list]) =>
      h(
        "button",
        {
          type: "button",
          class: "small-button",
          "data-testid": `turnover-group-${key}`,
          title: list,
          onclick: () => {
            partners.value = list;
            apply();
          },
        },
        t(`turnover.group.${key}`),
      ),
    );
    form = h(
      "form",
      {
        class: "filters",
        "data-testid": "turnover-form",
        "aria-label": t("filter.label"),
        onsubmit: (e) => {
          e.preventDefault();
          apply();
        },
        onchange: (e) => {
          if (e.target.name === "by" || e.target.name === "year") apply();
        },
      },
      field(t("turnover.by"), select("by", BY.map((b) => [b, t(`turnover.by.${b}`)]), by, { "data-testid": "turnover-by" })),
      field(t("turnover.year"), h("select", { id: "year", name: "year", "data-testid": "turnover-year" }, yearOptions(params.get("year")))),
      field(t("turnover.country"), country),
      h(
        "div",
        { class: "field field-grow" },
        h("label", { for: "partners" }, t("turnover.partners")),
        partners,
        h("div", { class: "help", id: "partners-help" }, t("turnover.partnersHelp"), " ", groupButtons),
      ),
      h(
        "div",
        { class: "field field-buttons" },
        h("button", { type: "submit", class: "primary", "data-testid": "turnover-apply" }, t("filter.apply")),
        h("button", { type: "button", "data-testid": "turnover-reset", onclick: () => (location.hash = hashFor("turnover")) }, t("filter.reset")),
      ),
    );
    return form;
  }

  function labelOf(by, row) {
    if (by === "month") {
      // Months come as "01".."12" (or "YYYY-MM"): named in the language.
      if (/^\d{1,2}$/.test(row.key)) return fmtMonthName(Number(row.key));
      if (/^\d{4}-\d{2}/.test(row.key)) return fmtMonth(row.key.slice(0, 7) + "-01");
    }
    return row.label || row.key;
  }

  async function load() {
    const mine = ++seq;
    const query = cleanQuery({
      by: params.get("by") || "partner",
      year: params.get("year"),
      country: params.get("country"),
      partners: params.get("partners"),
    });
    const data = await fetchResults(results, `/api/turnover?${query}`, query, () => mine === seq);
    if (!data) return;
    years = data.years || [];
    replace(form.elements.year, ...yearOptions(params.get("year") || ""));
    // Show which year "latest" resolved to.
    if (!params.get("year")) form.elements.year.options[0].textContent = `${t("turnover.latestYear")} (${data.year})`;
    const rows = data.rows.map((r) => ({ ...r, label: labelOf(data.by, r) }));
    const money = (v) => fmtMoney(v, "USD", 0);
    const table = h(
      "table",
      { class: "data", "data-testid": "turnover-table" },
      h("caption", { class: "sr-only" }, t("turnover.caption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          th(t(`turnover.by.${data.by}`) || t("turnover.col.key")),
          th(t("turnover.col.value", { year: data.year }), { numeric: true }),
          th(t("turnover.col.previous", { year: data.previous_year }), { numeric: true }),
          th(t("turnover.col.change"), { numeric: true }),
        ),
      ),
      h(
        "tbody",
        {},
        rows.length
          ? rows.map((r) =>
              h(
                "tr",
                { "data-testid": "turnover-row", "data-key": r.key },
                h("td", {}, r.label, r.label !== r.key && data.by !== "month" ? h("span", { class: "muted small" }, ` ${r.key}`) : null),
                h("td", { class: "num", "data-testid": "cell-value" }, money(r.value)),
                h("td", { class: "num" }, money(r.previous)),
                h("td", { class: changeClass(r.change) }, r.change == null ? "—" : fmtPct(r.change)),
              ),
            )
          : h("tr", {}, h("td", { colspan: 4, class: "empty", "data-testid": "empty" }, t("turnover.empty"))),
      ),
      h(
        "tfoot",
        {},
        h(
          "tr",
          { "data-testid": "turnover-total" },
          h("th", { scope: "row" }, t("turnover.total")),
          h("td", { class: "num", "data-testid": "turnover-total-value" }, money(data.total.value)),
          h("td", { class: "num" }, money(data.total.previous)),
          h("td", { class: changeClass(data.total.change) }, data.total.change == null ? "—" : fmtPct(data.total.change)),
        ),
      ),
    );
    replace(
      results,
      h("h2", {}, t("turnover.heading", { year: data.year, previous: data.previous_year })),
      rows.length ? turnoverChart(rows, { year: data.year, previousYear: data.previous_year }) : null,
      h("div", { class: "table-wrap" }, table),
      data.months && data.months < 12
        ? h("p", { class: "muted small", "data-testid": "turnover-months" }, t("turnover.months", { n: fmtInt(data.months) }))
        : null,
      h("p", { class: "muted small" }, t("turnover.note")),
    );
    setBusy(results, false, query);
  }

  return {
    mount(main, p) {
      params = p;
      setTitle(t("nav.turnover"));
      results = h("div", { id: "turnover-results", "data-testid": "turnover-results", "aria-live": "polite" });
      main.append(h("section", { class: "page" }, h("h1", { "data-testid": "page-title" }, t("turnover.title")), buildForm(), results));
      return load();
    },
    update(p) {
      params = p;
      form.elements.by.value = params.get("by") || "partner";
      form.elements.country.value = params.get("country") || "";
      form.elements.partners.value = params.get("partners") || "";
      return load();
    },
  };
}

function changeClass(change) {
  if (change == null) return "num";
  return change > 0 ? "num up" : change < 0 ? "num down" : "num";
}
