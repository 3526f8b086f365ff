// Shared pieces of the pages: the session, API calls, hash routes, and the
// small widgets every list page uses (band badge, sortable header, pager).

import { h, replace } from "./dom.js";
import { fmtInt, t, tCount } from "./i18n.js";

/** The signed-in user ({username, role, csrf_token, expires_at}) or null. */
export const session = { user: null };

/** Set by app.js: what to do when the API says we are signed out. */
export const hooks = { unauthorized: () => {} };

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.body = body;
  }
}

function detailOf(status, body, statusText) {
  if (body && typeof body.detail === "string" && body.detail) return body.detail;
  if (body && body.detail) return JSON.stringify(body.detail);
  return `${status} ${statusText || ""}`.trim();
}

/**
 * Call the API. json: a body to send as JSON; form: a FormData.
 * Unsafe methods carry the CSRF token. Returns the parsed JSON (or null);
 * throws ApiError with the server's readable `detail` otherwise.
 */
export async function api(path, { method = "GET", json, form } = {}) {
  const headers = { Accept: "application/json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  if (method !== "GET" && session.user && session.user.csrf_token) {
    headers["X-CSRF-Token"] = session.user.csrf_token;
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, t("error.network"));
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const detail = detailOf(res.status, data, res.statusText);
    if (res.status === 401 && path !== "/api/login" && path !== "/api/me") {
      hooks.unauthorized(detail);
    }
    throw new ApiError(res.status, detail, data);
  }
  return data;
}

/** Path of a declaration in the API: its id keeps its slashes. */
export function declarationPath(id) {
  return "/api/declarations/" + id.split("/").map(encodeURIComponent).join("/");
}

/** A hash route: hashFor("declarations", "55101/011224/1") -> "#/declarations/55101%2F..." */
export function hashFor(name, id, params) {
  let out = "#/" + name;
  if (id !== undefined && id !== null && id !== "") out += "/" + encodeURIComponent(id);
  const query = params ? cleanQuery(params) : "";
  return query ? out + "?" + query : out;
}

/** Query string of the non-empty entries of params (object or URLSearchParams). */
export function cleanQuery(params) {
  const out = new URLSearchParams();
  const entries = params instanceof URLSearchParams ? params.entries() : Object.entries(params);
  for (const [k, v] of entries) {
    if (v !== null && v !== undefined && v !== "") out.set(k, String(v));
  }
  return out.toString();
}

export function canSee(route) {
  const role = session.user && session.user.role;
  return Boolean(role && ROLES[route] && ROLES[route].includes(role));
}

/** Which roles may open each page (mirrors the API's rules). */
export const ROLES = {
  queue: ["analyst", "admin"],
  declarations: ["analyst", "admin"],
  taxpayers: ["auditor", "admin"],
  turnover: ["analyst", "auditor", "admin"],
  upload: ["admin"],
  admin: ["admin"],
};

/** A readable error box; nothing for 401 (the sign-in page is already up). */
export function errorBox(err) {
  if (err instanceof ApiError && err.status === 401) return null;
  const detail = err instanceof ApiError ? err.detail : String(err && err.message ? err.message : err);
  let title = t("error.title");
  if (err instanceof ApiError && err.status === 403) title = t("error.forbidden");
  if (err instanceof ApiError && err.status === 404) title = t("error.notFound");
  return h(
    "div",
    { class: "alert alert-error", role: "alert", "data-testid": "error" },
    h("strong", {}, title),
    " ",
    h("span", { "data-testid": "error-detail" }, detail),
  );
}

export function bandBadge(band) {
  if (!band) return h("span", { class: "band band-none" }, t("band.none"));
  return h("span", { class: `band band-${band}`, "data-testid": "band", "data-band": band }, t(`band.${band}`));
}

/**
 * A table header cell; with a sort key it holds a button that sorts by it.
 * current: {sort, order}; onSort(key) is called on click.
 */
export function th(label, { key, current, onSort, numeric = false } = {}) {
  const cls = numeric ? "num" : null;
  if (!key) return h("th", { scope: "col", class: cls }, label);
  const active = current.sort === key;
  const order = active ? current.order : "none";
  const ariaSort = active ? (order === "asc" ? "ascending" : "descending") : "none";
  const arrow = active ? (order === "asc" ? "▲" : "▼") : "↕";
  return h(
    "th",
    { scope: "col", class: cls, "aria-sort": ariaSort },
    h(
      "button",
      {
        type: "button",
        class: "sort",
        "data-testid": `sort-${key}`,
        title: t("table.sortBy", { column: label }),
        onclick: () => onSort(key),
      },
      label,
      h("span", { class: "sort-arrow", "aria-hidden": "true" }, arrow),
    ),
  );
}

/** Next {sort, order} after clicking a header: same column flips the order. */
export function nextSort(current, key, ascFirst = []) {
  if (current.sort === key) return { sort: key, order: current.order === "asc" ? "desc" : "asc" };
  return { sort: key, order: ascFirst.includes(key) ? "asc" : "desc" };
}

/** Prev / next buttons with "page x of y" and the total. */
export function pager({ page, pageSize, total, onPage, noun, where = "" }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return h(
    "nav",
    { class: "pager", "aria-label": t("pager.label"), "data-testid": `pager${where}` },
    h(
      "button",
      { type: "button", "data-testid": `pager-prev${where}`, disabled: page <= 1, onclick: () => onPage(page - 1) },
      "← ",
      t("pager.prev"),
    ),
    h(
      "span",
      { "data-testid": `pager-info${where}`, "data-page": page, "data-pages": pages },
      t("pager.pageOf", { page: fmtInt(page), pages: fmtInt(pages) }),
    ),
    h(
      "button",
      { type: "button", "data-testid": `pager-next${where}`, disabled: page >= pages, onclick: () => onPage(page + 1) },
      t("pager.next"),
      " →",
    ),
    h("span", { class: "pager-total", "data-testid": `pager-total${where}`, "data-total": total }, tCount(noun, total)),
  );
}

/** A label + control pair for filter forms. */
export function field(label, control, extraClass) {
  return h("div", { class: extraClass ? `field ${extraClass}` : "field" }, h("label", { for: control.id }, label), control);
}

export function select(id, options, value, attrs = {}) {
  return h(
    "select",
    { id, name: id, ...attrs },
    options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value ?? "") }, label)),
  );
}

/**
 * A page past the last one (the list has shrunk since the address was made:
 * inspected declarations leave the queue at the next run) is replaced by
 * the last page. Returns true when it went there.
 */
export function toLastPage(name, params, data) {
  const pages = Math.ceil(data.total / data.page_size);
  if (!data.total || data.page <= pages) return false;
  location.replace(hashFor(name, null, { ...Object.fromEntries(params.entries()), page: pages }));
  return true;
}

/** Int page number from params, at least 1. */
export function pageOf(params) {
  const n = parseInt(params.get("page") || "1", 10);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/** Set the page's title in the tab. */
export function setTitle(text) {
  document.title = `${text} · Sarap`;
}

/**
 * Mark a results region as loading / ready for the given query. It also
 * records the address it answers, so a check (a test, say) can tell a fresh
 * answer from the one before.
 */
export function setBusy(el, busy, query) {
  if (busy) el.dataset.hash = location.hash;
  el.setAttribute("aria-busy", busy ? "true" : "false");
  el.dataset.state = busy ? "loading" : "ready";
  if (query !== undefined) el.dataset.query = query;
}

/**
 * Fetch `url` for a results region: busy while it loads, the API's error in
 * its place when it fails. Returns the answer, or null when it failed or a
 * newer load has started since (`isCurrent()` false).
 */
export async function fetchResults(results, url, query, isCurrent) {
  setBusy(results, true);
  try {
    const data = await api(url);
    return isCurrent() ? data : null;
  } catch (err) {
    if (isCurrent()) {
      replace(results, errorBox(err));
      setBusy(results, false, query);
    }
    return null;
  }
}
