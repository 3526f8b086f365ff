// Administration: file upload (with its quarantine), users and the audit log.

import { h, replace } from "./dom.js";
import { api, errorBox, field, hashFor, pageOf, pager, select, session, setBusy, setTitle, th, toLastPage } from "./core.js";
import { fmtDateTime, fmtInt, getLang, t, tMaybe } from "./i18n.js";

export function uploadPage() {
  let result;

  function summary(data) {
    const ru = getLang() === "ru";
    const reasons = Object.entries((ru && data.reasons_ru) || data.reasons || {}).sort((a, b) => b[1] - a[1]);
    const facts = [
      [t("upload.file"), data.file, "upload-file-name"],
      [t("upload.table"), data.table, "upload-table"],
      [t("upload.read"), fmtInt(data.rows_read), "upload-read"],
      [t("upload.loaded"), fmtInt(data.rows_loaded), "upload-loaded"],
      [t("upload.duplicates"), fmtInt(data.rows_duplicate), "upload-duplicates"],
      [t("upload.quarantined"), fmtInt(data.rows_quarantined), "upload-quarantined"],
    ];
    const quarantine = data.quarantine || [];
    return [
      h(
        "section",
        { class: "card", "data-testid": "upload-summary" },
        h("h2", {}, t("upload.summary")),
        h(
          "dl",
          { class: "facts facts-wide" },
          facts.map(([label, value, testid]) => [
            h("dt", {}, label),
            h("dd", { "data-testid": testid, "data-value": String(value ?? "") }, value ?? "—"),
          ]),
        ),
        data.rows_quarantined
          ? h("p", { class: "alert alert-warn" }, t("upload.someQuarantined", { n: fmtInt(data.rows_quarantined) }))
          : h("p", { class: "alert alert-ok" }, t("upload.allLoaded")),
        data.rows_loaded ? h("p", { class: "muted small" }, t("upload.scoreLater"), " ", h("a", { href: hashFor("admin") }, t("nav.admin"))) : null,
      ),
      reasons.length
        ? h(
            "section",
            { class: "card" },
            h("h2", {}, t("upload.reasons")),
            h(
              "table",
              { class: "data compact", "data-testid": "upload-reasons" },
              h("thead", {}, h("tr", {}, th(t("upload.reason")), th(t("upload.count"), { numeric: true }))),
              h(
                "tbody",
                {},
                reasons.map(([reason, n]) =>
                  h("tr", { "data-testid": "upload-reason" }, h("td", {}, reason), h("td", { class: "num" }, fmtInt(n))),
                ),
              ),
            ),
          )
        : null,
      quarantine.length
        ? h(
            "section",
            { class: "card" },
            h("h2", {}, t("upload.quarantine")),
            quarantine.length < data.rows_quarantined
              ? h("p", { class: "muted small" }, t("upload.firstN", { n: fmtInt(quarantine.length), total: fmtInt(data.rows_quarantined) }))
              : null,
            h(
              "div",
              { class: "table-wrap" },
              h(
                "table",
                { class: "data", "data-testid": "upload-quarantine" },
                h("thead", {}, h("tr", {}, th(t("upload.row"), { numeric: true }), th(t("upload.reason")), th(t("upload.raw")))),
                h(
                  "tbody",
                  {},
                  quarantine.map((q) =>
                    h(
                      "tr",
                      { "data-testid": "quarantine-row", "data-row": q.row_number },
                      h("td", { class: "num" }, fmtInt(q.row_number)),
                      h("td", { class: "reason", "data-testid": "quarantine-reason" }, (ru && q.reason_ru) || q.reason),
                      h("td", {}, rawRow(q.raw)),
                    ),
                  ),
                ),
              ),
            ),
          )
        : null,
    ];
  }

  return {
    mount(main) {
      setTitle(t("nav.upload"));
      const fileInput = h("input", {
        id: "upload-file",
        name: "file",
        type: "file",
        required: true,
        accept: ".csv,.parquet,.xlsx,.json,.jsonl",
        "data-testid": "upload-file",
      });
      const mapping = select(
        "upload-mapping",
        [
          ["", t("upload.mappingAuto")],
          ["kcs", t("upload.mappingKcs")],
        ],
        "",
        { name: "mapping", "data-testid": "upload-mapping" },
      );
      // The import detects UTF-8 and the Cyrillic code pages; a file in
      // another one (a partner's, say) is read as the clerk says.
      const encoding = select(
        "upload-encoding",
        [
          ["", t("upload.encodingAuto")],
          ["utf-8", "UTF-8"],
          ["cp1251", "Windows-1251"],
          ["kz1048", "KZ-1048"],
          ["koi8_r", "KOI8-R"],
          ["cp866", "CP866 (DOS)"],
          ["cp1252", t("upload.encodingWestern")],
          ["cp1254", t("upload.encodingTurkish")],
        ],
        "",
        { name: "encoding", "data-testid": "upload-encoding" },
      );
      const button = h("button", { type: "submit", class: "primary", "data-testid": "upload-submit" }, t("upload.submit"));
      result = h("div", { id: "upload-result", "data-testid": "upload-result", "aria-live": "polite" });
      const form = h(
        "form",
        {
          class: "filters upload-form",
          "data-testid": "upload-form",
          onsubmit: async (e) => {
            e.preventDefault();
            const file = fileInput.files && fileInput.files[0];
            if (!file) {
              replace(result, h("p", { class: "text-error", role: "alert" }, t("upload.chooseFile")));
              return;
            }
            const body = new FormData();
            body.append("file", file, file.name);
            if (mapping.value) body.append("mapping", mapping.value);
            if (encoding.value) body.append("encoding", encoding.value);
            button.disabled = true;
            setBusy(result, true);
            replace(result, h("p", { class: "muted" }, t("upload.uploading", { name: file.name })));
            try {
              const data = await api("/api/uploads", { method: "POST", form: body });
              replace(result, summary(data));
            } catch (err) {
              replace(result, errorBox(err));
            } finally {
              button.disabled = false;
              setBusy(result, false, file.name);
            }
          },
        },
        field(t("upload.fileLabel"), fileInput, "field-grow"),
        field(t("upload.mapping"), mapping),
        field(t("upload.encoding"), encoding),
        h("div", { class: "field field-buttons" }, button),
      );
      main.append(
        h(
          "section",
          { class: "page" },
          h("h1", { "data-testid": "page-title" }, t("upload.title")),
          h("p", { class: "muted" }, t("upload.intro")),
          form,
          result,
        ),
      );
    },
  };
}

/** A quarantined row as "field: value" pairs (raw comes as JSON text or an object). */
function rawRow(raw) {
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return h("code", { class: "raw" }, value);
    }
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([k]) => !k.startsWith("_"));
    return h(
      "code",
      { class: "raw" },
      entries.map(([k, v], i) => [i ? "; " : "", h("span", { class: "raw-key" }, k), "=", v === null ? "∅" : String(v)]),
    );
  }
  return h("code", { class: "raw" }, String(value));
}

const AUDIT_PAGE_SIZE = 25;

/** Run every agent (POST /api/runs) and follow its state until it ends. */
function agentsCard() {
  const status = h("div", { class: "runs-status", "data-testid": "runs-status", role: "status", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "primary", "data-testid": "runs-start" }, t("runs.start"));
  let timer = 0;

  function describe(r) {
    const state = r.state || "idle";
    const facts = [[t("runs.state"), h("span", { class: `run-state run-${state}`, "data-testid": "runs-state", "data-state": state }, tMaybe(`runs.state.${state}`) || state)]];
    if (r.started_by) facts.push([t("runs.startedBy"), r.started_by]);
    if (r.started_at) facts.push([t("runs.startedAt"), fmtDateTime(r.started_at)]);
    if (r.finished_at) facts.push([t("runs.finishedAt"), fmtDateTime(r.finished_at)]);
    if (r.profiles != null) facts.push([t("runs.profiles"), fmtInt(r.profiles)]);
    if (r.error) facts.push([t("runs.error"), h("span", { class: "text-error" }, r.error)]);
    const ran = r.ran && typeof r.ran === "object" ? Object.entries(r.ran) : [];
    return [
      h("dl", { class: "facts facts-wide" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      ran.length
        ? h("ul", { class: "run-list" }, ran.map(([agent, what]) => h("li", {}, h("strong", {}, tMaybe(`agent.${agent}`) || agent), ": ", String(what))))
        : null,
    ];
  }

  function show(r) {
    replace(status, describe(r));
    button.disabled = r.state === "running";
    clearTimeout(timer);
    if (r.state === "running") timer = setTimeout(poll, 2000);
  }

  async function poll() {
    if (!status.isConnected && timer) return; // the page was left
    try {
      show(await api("/api/runs"));
    } catch (err) {
      replace(status, errorBox(err));
    }
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      show(await api("/api/runs", { method: "POST" }));
    } catch (err) {
      replace(status, errorBox(err));
      button.disabled = false;
    }
  });
  poll();
  return h(
    "section",
    { class: "card", "data-testid": "runs-card" },
    h("div", { class: "card-head" }, h("h2", {}, t("runs.title")), button),
    h("p", { class: "muted small" }, t("runs.help")),
    status,
  );
}

export function adminPage() {
  let params;
  let usersSlot;
  let userMessage;
  let auditSlot;
  let verifySlot;
  let seq = 0;

  /** A user path in the API: the name keeps its slashes, as declaration ids do. */
  function userPath(name) {
    return "/api/users/" + name.split("/").map(encodeURIComponent).join("/");
  }

  async function removeUser(name) {
    if (!window.confirm(t("admin.confirmRemove", { name }))) return;
    try {
      await api(userPath(name), { method: "DELETE" });
      replace(userMessage, h("span", { class: "text-ok" }, t("admin.userRemoved", { name })));
      loadUsers();
    } catch (err) {
      replace(userMessage, errorBox(err));
    }
  }

  /** A new password for one user (chosen from the list); their sessions end. */
  function passwordForm(users) {
    const form = h(
      "form",
      {
        class: "filters",
        "data-testid": "user-password-form",
        "aria-label": t("admin.setPassword"),
        onsubmit: async (e) => {
          e.preventDefault();
          const name = form.elements.reset_username.value;
          try {
            await api(userPath(name) + "/password", { method: "POST", json: { password: form.elements.reset_password.value } });
            replace(userMessage, h("span", { class: "text-ok" }, t("admin.passwordSet", { name })));
            form.reset();
          } catch (err) {
            replace(userMessage, errorBox(err));
          }
        },
      },
      field(
        t("admin.username"),
        select(
          "reset_username",
          users.map((u) => [u.username, u.username]),
          "",
          { "data-testid": "user-password-username" },
        ),
      ),
      field(
        t("admin.newPassword"),
        h("input", { id: "reset_password", name: "reset_password", type: "password", required: true, minlength: "10", autocomplete: "new-password", "data-testid": "user-password-password" }),
      ),
      h("div", { class: "field field-buttons" }, h("button", { type: "submit", class: "primary", "data-testid": "user-password-submit" }, t("admin.setPassword"))),
    );
    return form;
  }

  async function loadUsers() {
    try {
      const users = await api("/api/users");
      const me = session.user && session.user.username;
      replace(
        usersSlot,
        h(
          "table",
          { class: "data compact", "data-testid": "users-table" },
          h("thead", {}, h("tr", {}, th(t("admin.username")), th(t("admin.role")), th(t("admin.created")), th(""))),
          h(
            "tbody",
            {},
            users.map((u) =>
              h(
                "tr",
                { "data-testid": "user-row", "data-username": u.username },
                h("td", {}, u.username),
                h("td", {}, t(`role.${u.role}`)),
                h("td", {}, u.created_at ? fmtDateTime(u.created_at) : "—"),
                h(
                  "td",
                  {},
                  // One's own user is removed by another admin.
                  u.username === me
                    ? null
                    : h("button", { type: "button", "data-testid": "user-remove", onclick: () => removeUser(u.username) }, t("admin.removeUser")),
                ),
              ),
            ),
          ),
        ),
        h("h3", {}, t("admin.setPassword")),
        passwordForm(users),
      );
    } catch (err) {
      replace(usersSlot, errorBox(err));
    }
  }

  function addUserForm() {
    const message = h("div", { class: "form-message", role: "status", "aria-live": "polite", "data-testid": "user-add-message" });
    const form = h(
      "form",
      {
        class: "filters",
        "data-testid": "user-add-form",
        "aria-label": t("admin.addUser"),
        onsubmit: async (e) => {
          e.preventDefault();
          const payload = {
            username: form.elements.new_username.value.trim(),
            password: form.elements.new_password.value,
            role: form.elements.new_role.value,
          };
          try {
            await api("/api/users", { method: "POST", json: payload });
            replace(message, h("span", { class: "text-ok" }, t("admin.userAdded", { name: payload.username })));
            form.reset();
            loadUsers();
          } catch (err) {
            replace(message, errorBox(err));
          }
        },
      },
      field(t("admin.username"), h("input", { id: "new_username", name: "new_username", required: true, autocomplete: "off", "data-testid": "user-add-username" })),
      field(
        t("admin.password"),
        h("input", { id: "new_password", name: "new_password", type: "password", required: true, minlength: "10", autocomplete: "new-password", "data-testid": "user-add-password" }),
      ),
      field(
        t("admin.role"),
        select(
          "new_role",
          ["analyst", "auditor", "admin"].map((r) => [r, t(`role.${r}`)]),
          "analyst",
          { "data-testid": "user-add-role" },
        ),
      ),
      h("div", { class: "field field-buttons" }, h("button", { type: "submit", class: "primary", "data-testid": "user-add-submit" }, t("admin.addUser"))),
      message,
    );
    return form;
  }

  async function loadAudit() {
    const mine = ++seq;
    const page = pageOf(params);
    setBusy(auditSlot, true);
    let data;
    try {
      data = await api(`/api/audit?page=${page}&page_size=${AUDIT_PAGE_SIZE}`);
    } catch (err) {
      if (mine === seq) replace(auditSlot, errorBox(err));
      return;
    }
    if (mine !== seq || toLastPage("admin", params, data)) return;
    replace(
      auditSlot,
      pager({
        page,
        pageSize: AUDIT_PAGE_SIZE,
        total: data.total,
        noun: "admin.auditTotal",
        onPage: (n) => (location.hash = hashFor("admin", null, { page: n })),
      }),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data compact", "data-testid": "audit-table" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              th("#", { numeric: true }),
              th(t("admin.at")),
              th(t("admin.username")),
              th(t("admin.action")),
              th(t("admin.object")),
              th(t("admin.hash")),
            ),
          ),
          h(
            "tbody",
            {},
            data.items.map((a) =>
              h(
                "tr",
                { "data-testid": "audit-row" },
                h("td", { class: "num" }, fmtInt(a.seq)),
                h("td", { class: "nowrap" }, fmtDateTime(a.at)),
                h("td", {}, a.username || "—"),
                h("td", { "data-testid": "audit-action", "data-action": a.action }, tMaybe(`audit.${a.action}`) || a.action),
                h(
                  "td",
                  { "data-testid": "audit-object" },
                  [a.object_type && (tMaybe(`audit.object.${a.object_type}`) || a.object_type), a.object_id].filter(Boolean).join(" "),
                ),
                h("td", {}, h("code", { title: a.hash || "" }, (a.hash || "").slice(0, 12))),
              ),
            ),
          ),
        ),
      ),
    );
    setBusy(auditSlot, false, String(page));
  }

  async function verify(button) {
    button.disabled = true;
    replace(verifySlot, t("admin.verifying"));
    try {
      const v = await api("/api/audit/verify");
      replace(
        verifySlot,
        h(
          "span",
          { class: v.ok ? "text-ok" : "text-error", "data-testid": "audit-verify-result", "data-ok": String(v.ok) },
          v.ok ? t("admin.verifyOk", { n: fmtInt(v.entries) }) : t("admin.verifyBad", { n: fmtInt(v.entries), seq: v.first_bad }),
        ),
      );
    } catch (err) {
      replace(verifySlot, errorBox(err));
    } finally {
      button.disabled = false;
    }
  }

  return {
    mount(main, p) {
      params = p;
      setTitle(t("nav.admin"));
      usersSlot = h("div", {}, h("p", { class: "muted" }, t("loading")));
      userMessage = h("div", { class: "form-message", role: "status", "aria-live": "polite", "data-testid": "user-message" });
      auditSlot = h("div", { "data-testid": "audit-results" });
      verifySlot = h("span", { class: "verify-result", role: "status", "aria-live": "polite" });
      const verifyButton = h("button", { type: "button", "data-testid": "audit-verify", onclick: () => verify(verifyButton) }, t("admin.verify"));
      main.append(
        h(
          "section",
          { class: "page" },
          h("h1", { "data-testid": "page-title" }, t("admin.title")),
          h("section", { class: "card" }, h("h2", {}, t("admin.users")), usersSlot, userMessage, h("h3", {}, t("admin.addUser")), addUserForm()),
          agentsCard(),
          h(
            "section",
            { class: "card" },
            h("div", { class: "card-head" }, h("h2", {}, t("admin.audit")), h("div", {}, verifyButton, " ", verifySlot)),
            h("p", { class: "muted small" }, t("admin.auditHelp")),
            auditSlot,
          ),
        ),
      );
      loadUsers();
      return loadAudit();
    },
    update(p) {
      params = p;
      return loadAudit();
    },
  };
}
