// Sarap analyst application: sign-in, the header, and the hash router.
// Routes: #/queue, #/declarations/<id>, #/taxpayers, #/taxpayers/<id>,
// #/turnover, #/upload, #/admin; a route's query (after "?") holds its
// filters, sort and page, so a reload shows the same view.

import { h, replace } from "./dom.js";
import { api, ApiError, canSee, errorBox, hashFor, hooks, session, setTitle } from "./core.js";
import { getLang, setLang, t } from "./i18n.js";
import { declarationPage, queuePage } from "./pages-queue.js";
import { taxpayerPage, taxpayersPage } from "./pages-taxpayers.js";
import { turnoverPage } from "./pages-turnover.js";
import { adminPage, uploadPage } from "./pages-admin.js";

const NAV = ["queue", "taxpayers", "turnover", "upload", "admin"];

const PAGES = {
  queue: () => queuePage(),
  declarations: (id) => (id ? declarationPage(id) : null),
  taxpayers: (id) => (id ? taxpayerPage(id) : taxpayersPage()),
  turnover: () => turnoverPage(),
  upload: () => uploadPage(),
  admin: () => adminPage(),
};

const view = { page: null, key: null, notice: null };

function parseHash() {
  let raw = location.hash.replace(/^#\/?/, "");
  let query = "";
  const at = raw.indexOf("?");
  if (at >= 0) {
    query = raw.slice(at + 1);
    raw = raw.slice(0, at);
  }
  const [name, ...rest] = raw.split("/");
  let id = null;
  if (rest.length && rest.join("/") !== "") {
    try {
      id = decodeURIComponent(rest.join("/"));
    } catch {
      id = rest.join("/");
    }
  }
  return { name: name || "", id, params: new URLSearchParams(query) };
}

function homeRoute() {
  return NAV.find((name) => canSee(name)) || "turnover";
}

function leavePage() {
  if (view.page && view.page.destroy) view.page.destroy();
  view.page = null;
  view.key = null;
}

// ---- header -------------------------------------------------------------

function renderHeader() {
  document.getElementById("footer").textContent = `Sarap · ${t("app.footer")}`;
  const header = document.getElementById("topbar");
  const user = session.user;
  const langSwitch = h(
    "div",
    { class: "lang-switch", role: "group", "aria-label": t("lang.label") },
    ["ru", "en"].map((code) =>
      h(
        "button",
        {
          type: "button",
          lang: code,
          "aria-pressed": String(getLang() === code),
          "data-testid": `lang-${code}`,
          title: t(`lang.${code}`),
          onclick: () => switchLanguage(code),
        },
        code.toUpperCase(),
      ),
    ),
  );
  const brand = h(
    "div",
    { class: "brand" },
    h("span", { class: "brand-mark", "aria-hidden": "true" }, "S"),
    h("span", { class: "brand-name" }, "Sarap"),
    h("span", { class: "brand-sub" }, t("app.subtitle")),
  );
  if (!user) {
    replace(header, h("div", { class: "topbar-inner" }, brand, h("div", { class: "topbar-right" }, langSwitch)));
    return;
  }
  const current = parseHash().name;
  const nav = h(
    "nav",
    { class: "mainnav", "aria-label": t("nav.label"), "data-testid": "nav" },
    h(
      "ul",
      {},
      NAV.filter((name) => canSee(name)).map((name) => {
        const active = name === current || (name === "queue" && current === "declarations");
        return h(
          "li",
          {},
          h("a", { href: hashFor(name), "data-testid": `nav-${name}`, "aria-current": active ? "page" : null }, t(`nav.${name}`)),
        );
      }),
    ),
  );
  const who = h(
    "div",
    { class: "who" },
    h("span", { class: "who-name", "data-testid": "user-name" }, user.username),
    h("span", { class: "who-role", "data-testid": "user-role", "data-role": user.role }, t(`role.${user.role}`)),
  );
  const logout = h("button", { type: "button", class: "logout", "data-testid": "logout", onclick: signOut }, t("auth.signOut"));
  replace(header, h("div", { class: "topbar-inner" }, brand, nav, h("div", { class: "topbar-right" }, who, langSwitch, logout)));
}

function switchLanguage(code) {
  setLang(code);
  // Everything on screen is redrawn in the new language.
  renderHeader();
  leavePage();
  render();
}

// ---- sign-in ------------------------------------------------------------

function renderSignin() {
  leavePage();
  renderHeader();
  setTitle(t("auth.title"));
  const main = document.getElementById("main");
  const message = h("div", { class: "form-message", "aria-live": "assertive", "data-testid": "signin-error" });
  if (view.notice) replace(message, h("p", { class: "alert alert-warn", role: "alert" }, view.notice));
  const button = h("button", { type: "submit", class: "primary wide", "data-testid": "signin-submit" }, t("auth.signIn"));
  const form = h(
    "form",
    {
      class: "signin",
      "data-testid": "signin-form",
      "aria-labelledby": "signin-h",
      onsubmit: async (e) => {
        e.preventDefault();
        button.disabled = true;
        replace(message);
        try {
          session.user = await api("/api/login", {
            method: "POST",
            json: { username: form.elements.username.value.trim(), password: form.elements.password.value },
          });
          view.notice = null;
          if (!PAGES[parseHash().name]) history.replaceState(null, "", hashFor(homeRoute()));
          render();
        } catch (err) {
          const status = err instanceof ApiError ? err.status : 0;
          const text =
            status === 401 ? t("auth.wrong") : status === 429 ? t("auth.tooMany") : err.detail || String(err);
          replace(message, h("p", { class: "alert alert-error", role: "alert" }, text));
          form.elements.password.value = "";
          form.elements.password.focus();
        } finally {
          button.disabled = false;
        }
      },
    },
    h("h1", { id: "signin-h", "data-testid": "page-title" }, t("auth.title")),
    h("p", { class: "muted" }, t("auth.intro")),
    h(
      "div",
      { class: "field" },
      h("label", { for: "username" }, t("auth.username")),
      h("input", { id: "username", name: "username", autocomplete: "username", required: true, autofocus: true, "data-testid": "signin-username" }),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "password" }, t("auth.password")),
      h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true, "data-testid": "signin-password" }),
    ),
    message,
    button,
  );
  replace(main, h("section", { class: "signin-page" }, form));
  form.elements.username.focus();
}

async function signOut() {
  try {
    await api("/api/logout", { method: "POST" });
  } catch (err) {
    // Signed out either way: the session is dropped here too.
    if (!(err instanceof ApiError)) throw err;
  }
  session.user = null;
  view.notice = null;
  history.replaceState(null, "", location.pathname + location.search);
  renderSignin();
}

hooks.unauthorized = () => {
  if (!session.user) return;
  session.user = null;
  view.notice = t("auth.expired");
  renderSignin();
};

// ---- routing ------------------------------------------------------------

function render() {
  if (!session.user) {
    renderSignin();
    return;
  }
  const route = parseHash();
  if (!PAGES[route.name] || (route.name === "declarations" && !route.id)) {
    location.replace(hashFor(homeRoute()));
    return;
  }
  renderHeader();
  const main = document.getElementById("main");
  const key = `${route.name}/${route.id ?? ""}`;
  if (!canSee(route.name)) {
    leavePage();
    setTitle(t("error.forbidden"));
    replace(
      main,
      h(
        "section",
        { class: "page" },
        h("h1", { "data-testid": "page-title" }, t("error.forbidden")),
        errorBox(new ApiError(403, t("error.roleCannot", { role: t(`role.${session.user.role}`) }))),
      ),
    );
    return;
  }
  if (view.key === key && view.page && view.page.update) {
    view.page.update(route.params);
    return;
  }
  leavePage();
  const page = PAGES[route.name](route.id);
  view.page = page;
  view.key = key;
  replace(main);
  window.scrollTo(0, 0);
  Promise.resolve(page.mount(main, route.params)).catch((err) => {
    if (view.page === page) main.append(errorBox(err) || "");
  });
}

async function start() {
  document.documentElement.lang = getLang();
  try {
    session.user = await api("/api/me");
  } catch (err) {
    session.user = null;
    if (!(err instanceof ApiError && err.status === 401)) view.notice = err.detail || String(err);
  }
  window.addEventListener("hashchange", render);
  render();
}

start();
