// Russian and English: every label of the interface, and number / date
// formatting for the chosen language (ru-RU or en-GB).

const STORAGE_KEY = "sarap.lang";
const LOCALES = { ru: "ru-RU", en: "en-GB" };
const RUSSIAN_READERS = new Set(["kk", "ky", "be", "hy", "tg", "uz"]);

// key: [English, Russian]. {name} is replaced by vars.name.
const STRINGS = {
  "app.subtitle": ["Risk analysis", "Анализ рисков"],
  "app.footer": [
    "self-hosted risk analysis for customs and tax authorities",
    "анализ рисков для таможенных и налоговых органов на собственных серверах",
  ],
  loading: ["Loading…", "Загрузка…"],
  saving: ["Saving…", "Сохранение…"],
  yes: ["yes", "да"],
  no: ["no", "нет"],

  "lang.label": ["Language", "Язык"],
  "lang.ru": ["Русский", "Русский"],
  "lang.en": ["English", "English"],

  "nav.label": ["Main", "Основное меню"],
  "nav.queue": ["Inspection queue", "Очередь досмотра"],
  "nav.taxpayers": ["Taxpayers", "Налогоплательщики"],
  "nav.turnover": ["Trade turnover", "Товарооборот"],
  "nav.upload": ["Upload data", "Загрузка данных"],
  "nav.admin": ["Administration", "Администрирование"],

  "role.analyst": ["Analyst", "Аналитик"],
  "role.auditor": ["Auditor", "Аудитор"],
  "role.admin": ["Administrator", "Администратор"],

  "auth.title": ["Sign in", "Вход в систему"],
  "auth.intro": [
    "Sign in with the account your administrator gave you.",
    "Войдите под учётной записью, выданной администратором.",
  ],
  "auth.username": ["User name", "Имя пользователя"],
  "auth.password": ["Password", "Пароль"],
  "auth.signIn": ["Sign in", "Войти"],
  "auth.signOut": ["Sign out", "Выйти"],
  "auth.wrong": ["Wrong user name or password.", "Неверное имя пользователя или пароль."],
  "auth.tooMany": ["Too many failed sign-ins: try again in a few minutes.", "Слишком много неудачных попыток входа: повторите через несколько минут."],
  "auth.expired": ["Your session has ended. Please sign in again.", "Сеанс завершён. Войдите снова."],

  "error.title": ["Something went wrong:", "Произошла ошибка:"],
  "error.forbidden": ["Not allowed", "Доступ запрещён"],
  "error.notFound": ["Not found:", "Не найдено:"],
  "error.network": [
    "The server cannot be reached. Check the connection and try again.",
    "Сервер недоступен. Проверьте соединение и повторите попытку.",
  ],
  "error.roleCannot": ["Your role ({role}) cannot open this page.", "Ваша роль ({role}) не даёт доступа к этой странице."],

  "band.high": ["High", "Высокий"],
  "band.medium": ["Medium", "Средний"],
  "band.low": ["Low", "Низкий"],
  "band.none": ["Not scored", "Нет оценки"],

  "filter.label": ["Filters", "Фильтры"],
  "filter.all": ["All", "Все"],
  "filter.apply": ["Apply", "Применить"],
  "filter.reset": ["Clear", "Сбросить"],
  "table.sortBy": ["Sort by {column}", "Сортировать по столбцу «{column}»"],
  "pager.label": ["Pages", "Страницы"],
  "pager.prev": ["Previous", "Назад"],
  "pager.next": ["Next", "Вперёд"],
  "pager.pageOf": ["Page {page} of {pages}", "Страница {page} из {pages}"],

  "queue.title": ["Inspection queue", "Очередь досмотра"],
  "queue.caption": ["Declarations ranked by risk", "Декларации по убыванию риска"],
  "queue.dateFrom": ["Date from", "Дата с"],
  "queue.dateTo": ["Date to", "Дата по"],
  "queue.office": ["Customs office", "Таможенный пост"],
  "queue.country": ["Country of origin", "Страна происхождения"],
  "queue.chapter": ["Goods chapter", "Группа товаров"],
  "queue.band": ["Risk band", "Уровень риска"],
  "queue.search": ["Search", "Поиск"],
  "queue.searchHint": ["Declaration or importer", "Декларация или импортёр"],
  "queue.total": ["{n} declarations", "Деклараций: {n}"],
  "queue.total.one": ["{n} declaration", "Деклараций: {n}"],
  "queue.empty": ["No declarations match these filters.", "Нет деклараций, отвечающих фильтрам."],
  "queue.lines": ["{n} items", "товаров: {n}"],
  "queue.col.declaration": ["Declaration", "Декларация"],
  "queue.col.date": ["Date", "Дата"],
  "queue.col.office": ["Office", "Пост"],
  "queue.col.importer": ["Importer", "Импортёр"],
  "queue.col.goods": ["Goods", "Товар"],
  "queue.col.value": ["Value", "Стоимость"],
  "queue.col.risk": ["Risk", "Риск"],
  "queue.col.band": ["Band", "Уровень"],
  "queue.col.reason": ["Main reason", "Главная причина"],
  "queue.col.outcome": ["Outcome", "Результат"],

  "decl.eyebrow": ["Customs declaration", "Таможенная декларация"],
  "decl.back": ["Back to the queue", "К очереди досмотра"],
  "decl.risk": ["Risk", "Риск"],
  "decl.rank": ["No. {n} in the queue", "№ {n} в очереди"],
  "decl.date": ["Date", "Дата"],
  "decl.office": ["Customs office", "Таможенный пост"],
  "decl.importer": ["Importer", "Импортёр"],
  "decl.importerCountry": ["Importer's country", "Страна импортёра"],
  "decl.lineCount": ["Goods items", "Товарных позиций"],
  "decl.reasons": ["Why it is risky", "Причины риска"],
  "decl.noReasons": ["No reasons recorded.", "Причины не указаны."],
  "decl.lines": ["Goods items", "Товарные позиции"],
  "decl.col.item": ["No.", "№"],
  "decl.col.hs": ["HS code", "Код ТН ВЭД"],
  "decl.col.description": ["Description", "Описание"],
  "decl.col.origin": ["Origin", "Происхождение"],
  "decl.col.mass": ["Net mass, kg", "Вес нетто, кг"],
  "decl.col.quantity": ["Quantity", "Количество"],
  "decl.col.value": ["Customs value", "Таможенная стоимость"],
  "decl.col.duty": ["Duty", "Пошлина"],
  "decl.col.check": ["Goods code check", "Проверка кода товара"],
  "decl.suggested": ["Suggested code", "Предлагаемый код"],
  "decl.checkScore": ["Mismatch score", "Оценка несоответствия"],

  "outcome.title": ["Inspection outcome", "Результат досмотра"],
  "outcome.none": ["No outcome recorded yet.", "Результат ещё не внесён."],
  "outcome.question": ["Was a violation found?", "Выявлено нарушение?"],
  "outcome.yes": ["Yes, a violation", "Да, нарушение"],
  "outcome.no": ["No violation", "Нарушений нет"],
  "outcome.revenueLabel": ["Additional revenue assessed", "Доначислено платежей"],
  "outcome.revenue": ["additional revenue", "доначислено"],
  "outcome.inspectedOn": ["inspected on", "дата досмотра"],
  "outcome.save": ["Save outcome", "Сохранить результат"],
  "outcome.saved": ["Outcome saved.", "Результат сохранён."],
  "outcome.fraudFound": ["Violation found", "Выявлено нарушение"],
  "outcome.noFraud": ["No violation", "Нарушений нет"],
  "outcome.fraudShort": ["Violation", "Нарушение"],
  "outcome.cleanShort": ["Clean", "Без нарушений"],
  "outcome.chooseFraud": ["Choose whether a violation was found.", "Укажите, выявлено ли нарушение."],
  "outcome.badRevenue": ["Additional revenue must be a number, 0 or more.", "Доначисление должно быть числом не меньше 0."],

  "tp.title": ["Taxpayers", "Налогоплательщики"],
  "tp.caption": ["Taxpayers ranked by risk score", "Налогоплательщики по убыванию оценки риска"],
  "tp.searchHint": ["ID or name", "ИИН/БИН или наименование"],
  "tp.total": ["{n} taxpayers", "Налогоплательщиков: {n}"],
  "tp.total.one": ["{n} taxpayer", "Налогоплательщиков: {n}"],
  "tp.empty": ["No taxpayers match these filters.", "Нет налогоплательщиков, отвечающих фильтрам."],
  "tp.col.id": ["ID", "ИИН/БИН"],
  "tp.col.name": ["Name", "Наименование"],
  "tp.col.country": ["Country", "Страна"],
  "tp.col.sector": ["Sector", "Отрасль"],
  "tp.col.score": ["Score", "Оценка"],
  "tp.col.band": ["Band", "Уровень"],
  "tp.col.reason": ["Main reason", "Главная причина"],
  "tp.eyebrow": ["Taxpayer profile", "Профиль налогоплательщика"],
  "tp.back": ["Back to taxpayers", "К списку налогоплательщиков"],
  "tp.score": ["Risk score", "Оценка риска"],
  "tp.country": ["Country", "Страна"],
  "tp.sector": ["Sector", "Отрасль"],
  "tp.size": ["Size", "Размер"],
  "tp.registered": ["Registered", "Дата регистрации"],
  "tp.employees": ["Employees", "Численность работников"],
  "tp.reasons": ["Findings", "Выявленные признаки"],
  "tp.noReasons": ["No findings.", "Признаков риска не выявлено."],
  "tp.reasonScore": ["weight", "вес"],
  "tp.evidence": ["Evidence", "Основания"],
  "tp.history": ["Score history", "История оценки"],
  "tp.historyTable": ["Show as a table", "Показать таблицей"],
  "tp.noHistory": ["No history yet.", "Истории пока нет."],
  "tp.period": ["Period", "Период"],

  "size.micro": ["micro", "микро"],
  "size.small": ["small", "малое"],
  "size.medium": ["medium", "среднее"],
  "size.large": ["large", "крупное"],

  "sector.import": ["import", "импорт"],
  "sector.wholesale": ["wholesale", "оптовая торговля"],
  "sector.retail": ["retail", "розничная торговля"],
  "sector.producer": ["production", "производство"],
  "sector.services": ["services", "услуги"],
  "sector.export": ["export", "экспорт"],

  "agent.network": ["network analysis", "анализ связей"],
  "agent.declarations": ["declarations", "декларации"],
  "agent.goods": ["goods codes", "коды товаров"],
  "agent.taxpayers": ["taxpayer profiles", "профили налогоплательщиков"],

  "ev.invoices": ["Invoices", "Счета-фактуры"],
  "ev.vat": ["VAT", "НДС"],
  "ev.payable": ["VAT payable", "НДС к уплате"],
  "ev.paid": ["Paid", "Уплачено"],
  "ev.via": ["Via", "Через"],
  "ev.share": ["Share", "Доля"],
  "ev.steps": ["Steps", "Звеньев"],
  "ev.age_days": ["Age, days", "Возраст, дней"],
  "ev.staff": ["Staff", "Работников"],
  "ev.sector": ["Sector", "Отрасль"],
  "ev.times_sector_per_head": ["Times the sector's sales per head", "Во сколько раз выше обычного для отрасли на сотрудника"],
  "ev.pass_through": ["Pass-through", "Транзитная доля"],
  "ev.refund": ["Refund", "Возмещение"],
  "ev.output_vat": ["Output VAT", "Исходящий НДС"],
  "ev.hs6": ["HS6", "Код ТН ВЭД (6)"],
  "ev.markup": ["Markup", "Наценка"],
  "ev.usual_markup": ["Usual markup", "Обычная наценка"],
  "ev.shared": ["Shared", "Общий признак"],
  "ev.value": ["Value", "Значение"],
  "ev.group_size": ["Group size", "Размер группы"],
  "ev.flagged": ["Flagged in group", "Под подозрением в группе"],
  "ev.counterparties": ["Counterparties", "Контрагенты"],
  "ev.path": ["Chain", "Цепочка"],
  "ev.days": ["Days", "Дней"],
  "ev.amount": ["Amount", "Сумма"],
  "ev.declarations": ["Declarations", "Декларации"],
  "ev.max_risk": ["Highest risk", "Наибольший риск"],
  "ev.sold": ["Sold", "Продано"],
  "ev.resold": ["Resold", "Перепродано"],
  "ev.declared": ["Declared", "Задекларировано"],
  "ev.export_share": ["Export share", "Доля экспорта"],
  "ev.suggested": ["Suggested code", "Предлагаемый код"],
  "ev.windows": ["Windows", "Периоды"],
  "ev.shared.address": ["address", "адрес"],
  "ev.shared.director": ["director", "руководитель"],
  "ev.shared.bank_account": ["bank account", "банковский счёт"],

  "graph.title": ["Supply chain", "Цепочка поставок"],
  "graph.depth": ["Depth", "Глубина"],
  "graph.hops1": ["Direct partners", "Прямые контрагенты"],
  "graph.hops2": ["Two steps", "Два звена"],
  "graph.help": [
    "Invoices between firms. Drag a firm to move it, scroll to zoom, drag the background to pan; click a firm to open its profile.",
    "Счета-фактуры между фирмами. Перетащите фирму, чтобы сдвинуть её; колесо мыши — масштаб; перетаскивание фона — сдвиг; щелчок по фирме открывает её профиль.",
  ],
  "graph.label": ["Supply-chain graph: {nodes} firms, {edges} links", "Граф цепочки поставок: фирм {nodes}, связей {edges}"],
  "graph.empty": ["No invoices link this taxpayer to others.", "Счетов-фактур с другими фирмами нет."],
  "graph.fit": ["Fit", "Вписать"],
  "graph.center": ["This taxpayer", "Этот налогоплательщик"],
  "graph.riskyEdge": ["risky link", "рискованная связь"],
  "graph.edge": ["invoices (seller → buyer)", "счета-фактуры (продавец → покупатель)"],
  "graph.invoices": ["{n} invoices", "счетов-фактур: {n}"],
  "graph.invoices.one": ["{n} invoice", "счетов-фактур: {n}"],
  "graph.tableSummary": ["Links as a table ({n})", "Связи таблицей ({n})"],
  "graph.col.seller": ["Seller", "Продавец"],
  "graph.col.buyer": ["Buyer", "Покупатель"],
  "graph.col.amount": ["Amount, USD", "Сумма, долл. США"],
  "graph.col.invoices": ["Invoices", "Счетов-фактур"],
  "graph.col.risky": ["Risky", "Риск"],

  "chart.historyLabel": ["Risk score over {n} periods, latest {score}", "Оценка риска за периодов: {n}, последняя {score}"],
  "chart.historyCaption": ["Risk score (0–100) by period; dots coloured by band.", "Оценка риска (0–100) по периодам; цвет точки — уровень риска."],
  "chart.turnoverLabel": ["Trade value in {year} against {previous}", "Стоимость товарооборота в {year} г. в сравнении с {previous} г."],
  "chart.topN": ["The chart shows the first {n} rows; the table has them all.", "На графике первые {n} строк; в таблице — все."],

  "turnover.title": ["Trade turnover", "Товарооборот"],
  "turnover.by": ["Group by", "Группировка"],
  "turnover.by.partner": ["Partner country", "Страна-партнёр"],
  "turnover.by.pair": ["Country pair", "Пара стран"],
  "turnover.by.chapter": ["Goods chapter", "Группа товаров"],
  "turnover.by.month": ["Month", "Месяц"],
  "turnover.year": ["Year", "Год"],
  "turnover.latestYear": ["Latest", "Последний"],
  "turnover.country": ["Reporting country", "Отчитывающаяся страна"],
  "turnover.partners": ["Partner countries", "Страны-партнёры"],
  "turnover.partnersHelp": ["Codes separated by commas, or a group:", "Коды через запятую или группа:"],
  "turnover.group.eaeu": ["EAEU", "ЕАЭС"],
  "turnover.group.centralAsia": ["Central Asia", "Центральная Азия"],
  "turnover.heading": ["{year} against {previous}, USD", "{year} г. в сравнении с {previous} г., долл. США"],
  "turnover.caption": ["Trade turnover", "Товарооборот"],
  "turnover.col.key": ["Group", "Группа"],
  "turnover.col.value": ["Value {year}", "Стоимость {year}"],
  "turnover.col.previous": ["Value {year}", "Стоимость {year}"],
  "turnover.col.change": ["Change", "Изменение"],
  "turnover.total": ["Total", "Итого"],
  "turnover.months": [
    "Both years are compared over their first {n} months.",
    "Годы сравниваются за первые месяцы (число месяцев: {n}).",
  ],
  "turnover.empty": ["No trade for this selection.", "Нет торговли для этого выбора."],
  "turnover.note": [
    "Sources: customs declarations (country of origin to the importer's country) and cross-border e-invoices. Values in US dollars.",
    "Источники: таможенные декларации (из страны происхождения в страну импортёра) и трансграничные электронные счета-фактуры. Стоимость в долларах США.",
  ],

  "upload.title": ["Upload data", "Загрузка данных"],
  "upload.intro": [
    "Load a file of declarations, parties, invoices or VAT returns (CSV, Parquet, Excel, JSON). Rows that fail a check are set aside in quarantine with the reason.",
    "Загрузите файл деклараций, участников, счетов-фактур или деклараций по НДС (CSV, Parquet, Excel, JSON). Строки, не прошедшие проверку, попадают в карантин с указанием причины.",
  ],
  "upload.fileLabel": ["File", "Файл"],
  "upload.mapping": ["Column mapping", "Сопоставление столбцов"],
  "upload.mappingAuto": ["Detect automatically", "Определить автоматически"],
  "upload.mappingKcs": ["KCS export (kcs)", "Выгрузка KCS (kcs)"],
  "upload.encoding": ["Encoding (CSV, JSON)", "Кодировка (CSV, JSON)"],
  "upload.encodingAuto": ["Detect automatically", "Определить автоматически"],
  "upload.encodingWestern": ["Windows-1252 (Western European)", "Windows-1252 (западноевропейская)"],
  "upload.encodingTurkish": ["Windows-1254 (Turkish)", "Windows-1254 (турецкая)"],
  "upload.submit": ["Upload", "Загрузить"],
  "upload.chooseFile": ["Choose a file first.", "Сначала выберите файл."],
  "upload.uploading": ["Uploading {name}…", "Загрузка {name}…"],
  "upload.summary": ["Import summary", "Итоги загрузки"],
  "upload.file": ["File", "Файл"],
  "upload.table": ["Table", "Таблица"],
  "upload.read": ["Rows read", "Прочитано строк"],
  "upload.loaded": ["Rows loaded", "Загружено строк"],
  "upload.duplicates": ["Already present", "Уже были загружены"],
  "upload.quarantined": ["Quarantined", "В карантине"],
  "upload.someQuarantined": [
    "{n} rows were set aside; see the reasons below.",
    "Отложено строк: {n}; причины указаны ниже.",
  ],
  "upload.scoreLater": [
    "New rows are scored the next time the agents run:",
    "Новые строки получат оценку при следующем запуске агентов:",
  ],
  "upload.allLoaded": ["Every row passed the checks.", "Все строки прошли проверку."],
  "upload.reasons": ["Reasons", "Причины"],
  "upload.reason": ["Reason", "Причина"],
  "upload.count": ["Rows", "Строк"],
  "upload.quarantine": ["Quarantined rows", "Строки в карантине"],
  "upload.firstN": ["The first {n} of {total}.", "Первые {n} из {total}."],
  "upload.row": ["Row", "Строка"],
  "upload.raw": ["Data as read", "Данные строки"],

  "runs.title": ["Agents", "Агенты"],
  "runs.help": [
    "Run every agent on the workspace, as the sarap run command does: recorded inspection outcomes become labels, uploaded declarations get scored, taxpayer profiles are rebuilt.",
    "Запустить всех агентов над рабочей базой, как команда sarap run: внесённые результаты досмотров становятся метками, загруженные декларации получают оценку, профили налогоплательщиков пересчитываются.",
  ],
  "runs.start": ["Run the agents now", "Запустить агентов"],
  "runs.state": ["State", "Состояние"],
  "runs.state.idle": ["not run since the server started", "не запускались с момента старта сервера"],
  "runs.state.running": ["running…", "выполняются…"],
  "runs.state.done": ["finished", "завершено"],
  "runs.state.failed": ["failed", "ошибка"],
  "runs.startedBy": ["Started by", "Запустил"],
  "runs.startedAt": ["Started", "Начало"],
  "runs.finishedAt": ["Finished", "Окончание"],
  "runs.profiles": ["Profiles rebuilt", "Пересчитано профилей"],
  "runs.error": ["Error", "Ошибка"],

  "admin.title": ["Administration", "Администрирование"],
  "admin.users": ["Users", "Пользователи"],
  "admin.username": ["User name", "Имя пользователя"],
  "admin.password": ["Password", "Пароль"],
  "admin.role": ["Role", "Роль"],
  "admin.created": ["Created", "Создан"],
  "admin.addUser": ["Add user", "Добавить пользователя"],
  "admin.userAdded": ["User {name} added.", "Пользователь {name} добавлен."],
  "admin.removeUser": ["Remove", "Удалить"],
  "admin.confirmRemove": ["Remove user {name}? Their sessions end.", "Удалить пользователя {name}? Его сеансы будут завершены."],
  "admin.userRemoved": ["User {name} removed.", "Пользователь {name} удалён."],
  "admin.setPassword": ["Set a new password", "Задать новый пароль"],
  "admin.newPassword": ["New password", "Новый пароль"],
  "admin.passwordSet": ["Password of {name} changed; their sessions ended.", "Пароль пользователя {name} изменён, его сеансы завершены."],
  "admin.audit": ["Audit log", "Журнал аудита"],
  "admin.auditHelp": [
    "Every view and change is written here; each entry carries the hash of the one before, so any edit breaks the chain.",
    "Здесь записывается каждый просмотр и каждое изменение; запись содержит хеш предыдущей, поэтому любая правка разрывает цепочку.",
  ],
  "admin.auditTotal": ["{n} entries", "Записей: {n}"],
  "admin.auditTotal.one": ["{n} entry", "Записей: {n}"],
  "admin.at": ["Time", "Время"],
  "admin.action": ["Action", "Действие"],
  "admin.object": ["Object", "Объект"],
  "admin.hash": ["Hash", "Хеш"],
  // What the server writes to the audit log (action, then object type).
  "audit.sign_in": ["sign-in", "вход"],
  "audit.sign_out": ["sign-out", "выход"],
  "audit.view": ["view", "просмотр"],
  "audit.view_graph": ["view of the graph", "просмотр графа связей"],
  "audit.record_outcome": ["outcome recorded", "внесён результат досмотра"],
  "audit.upload": ["upload", "загрузка"],
  "audit.add_user": ["user added", "добавлен пользователь"],
  "audit.remove_user": ["user removed", "удалён пользователь"],
  "audit.set_password": ["password changed", "изменён пароль"],
  "audit.run_agents": ["agents run", "запуск агентов"],
  "audit.verify": ["chain checked", "проверка цепочки"],
  "audit.object.session": ["session", "сеанс"],
  "audit.object.declaration": ["declaration", "декларация"],
  "audit.object.taxpayer": ["taxpayer", "налогоплательщик"],
  "audit.object.file": ["file", "файл"],
  "audit.object.user": ["user", "пользователь"],
  "audit.object.workspace": ["workspace", "рабочая база"],
  "audit.object.audit_log": ["audit log", "журнал аудита"],
  "admin.verify": ["Verify the chain", "Проверить цепочку"],
  "admin.verifying": ["Checking…", "Проверка…"],
  "admin.verifyOk": ["The chain is intact ({n} entries).", "Цепочка не нарушена (записей: {n})."],
  "admin.verifyBad": ["The chain is broken at entry {seq} ({n} entries).", "Цепочка нарушена на записи {seq} (записей: {n})."],
};

function initialLang() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "ru" || saved === "en") return saved;
  } catch {
    // Storage can be off (private mode); the browser language decides.
  }
  // The first of the browser's languages that the page speaks; Kazakh,
  // Kyrgyz, Belarusian, Armenian, Tajik and Uzbek browsers get Russian,
  // which their users read.
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of wanted) {
    const code = String(tag).toLowerCase().split("-")[0];
    if (code === "en") return "en";
    if (code === "ru" || RUSSIAN_READERS.has(code)) return "ru";
  }
  return "en";
}

let lang = initialLang();

export function getLang() {
  return lang;
}

export function setLang(code) {
  lang = code === "ru" ? "ru" : "en";
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered; still switched for this page.
  }
  document.documentElement.lang = lang;
}

function fill(text, vars) {
  return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : text;
}

/** The label for key in the current language; the key itself if unknown. */
export function t(key, vars) {
  const pair = STRINGS[key];
  if (!pair) return key;
  return fill(lang === "ru" ? pair[1] : pair[0], vars);
}

/** Like t(), but null for an unknown key (for labels of open-ended values). */
export function tMaybe(key, vars) {
  return STRINGS[key] ? t(key, vars) : null;
}

const cache = new Map();
function nf(options) {
  const key = lang + JSON.stringify(options);
  if (!cache.has(key)) cache.set(key, new Intl.NumberFormat(LOCALES[lang], options));
  return cache.get(key);
}
function df(options) {
  const key = "d" + lang + JSON.stringify(options);
  if (!cache.has(key)) cache.set(key, new Intl.DateTimeFormat(LOCALES[lang], options));
  return cache.get(key);
}

const isNum = (v) => v !== null && v !== undefined && v !== "" && Number.isFinite(Number(v));

/** t(key) of a count: the key's ".one" form (English singular) when n is 1. */
export function tCount(key, n) {
  return t(n === 1 && STRINGS[`${key}.one`] ? `${key}.one` : key, { n: fmtInt(n) });
}

export function fmtInt(v) {
  return isNum(v) ? nf({ maximumFractionDigits: 0 }).format(Number(v)) : "—";
}

export function fmtNum(v, min = 0, max = 2) {
  return isNum(v) ? nf({ minimumFractionDigits: min, maximumFractionDigits: max }).format(Number(v)) : "—";
}

/** Money: with a currency sign when the code is a real currency, else plain. */
export function fmtMoney(v, currency, digits = 2) {
  if (!isNum(v)) return "—";
  const opts = { minimumFractionDigits: digits, maximumFractionDigits: digits };
  if (currency && /^[A-Z]{3}$/.test(currency)) {
    try {
      return nf({ style: "currency", currency, currencyDisplay: "narrowSymbol", ...opts }).format(Number(v));
    } catch {
      return `${nf(opts).format(Number(v))} ${currency}`;
    }
  }
  return nf(opts).format(Number(v));
}

/** Short money for chart labels: 1.2M / 1,2 млн. */
export function fmtCompact(v) {
  return isNum(v) ? nf({ notation: "compact", maximumFractionDigits: 1 }).format(Number(v)) : "—";
}

export function fmtPct(v) {
  return isNum(v) ? nf({ style: "percent", maximumFractionDigits: 1, signDisplay: "exceptZero" }).format(Number(v)) : "—";
}

/** A share (0.78 -> 78%), no sign. */
export function fmtShare(v) {
  return isNum(v) ? nf({ style: "percent", maximumFractionDigits: 1 }).format(Number(v)) : "—";
}

/** Declaration risk, a probability: three decimals. */
export function fmtRisk(v) {
  return isNum(v) ? nf({ minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(Number(v)) : "—";
}

/** Taxpayer score, 0-100: one decimal at most. */
export function fmtScore(v) {
  return isNum(v) ? nf({ maximumFractionDigits: 1 }).format(Number(v)) : "—";
}

function parseDay(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(text || ""));
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
}

/** "2024-03-05" -> "5 Mar 2024" / "5 мар. 2024 г." */
export function fmtDate(text) {
  const d = parseDay(text);
  return d ? df({ day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(d) : text || "—";
}

/** Short, for table cells: "05/03/2024" / "05.03.2024". */
export function fmtDay(text) {
  const d = parseDay(text);
  return d ? df({ day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" }).format(d) : text || "—";
}

/** "2024-03-01" -> "Mar 2024" / "мар. 2024 г." */
export function fmtMonth(text) {
  const d = parseDay(text);
  return d ? df({ month: "short", year: "numeric", timeZone: "UTC" }).format(d) : text || "—";
}

/** 3 -> "March" / "март". */
export function fmtMonthName(month) {
  if (!(month >= 1 && month <= 12)) return String(month);
  return df({ month: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2000, month - 1, 1)));
}

/** An ISO timestamp in local time. */
export function fmtDateTime(text) {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text || "—" : df({ dateStyle: "medium", timeStyle: "medium" }).format(d);
}
