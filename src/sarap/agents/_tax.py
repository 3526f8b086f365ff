"""Findings about taxpayers from e-invoices, VAT returns and registrations.

What a VAT control system checks, each as one SQL statement over the
workspace, each finding with its evidence and a sentence in English and
Russian:

- ``unmatched_deduction``: the buyer deducts VAT on invoices the seller never
  put in its sales book (or put there with less VAT);
- ``unreported_sales``: the seller of such invoices;
- ``unpaid_vat``: VAT declared payable and not paid (a missing trader);
- ``chain_beneficiary``: deducts VAT its supplier never paid, or buys from
  one who does (one and two steps down the chain);
- ``one_day_firm``: young, no staff, passes on nearly all it buys;
- ``size_anomaly``: sells far more per member of staff than firms of its
  sector do, or is young and already among its sector's biggest sellers;
- ``refund_claim``: claims VAT back on exports out of proportion to its sales;
- ``import_markup``: resells imported goods far above their declared customs
  value (undervalued imports);
- ``shared_identity``: shares a director, address or bank account with
  several other firms, some of them already flagged;
- ``risky_counterparties``: a large share of its trade is with flagged
  firms (the risk of known offenders spreads to their counterparties).

Money cycles and bursts in the invoice graph come from :mod:`_graph`.
"""

from __future__ import annotations

from sarap.backends import Backend

FINDING_COLUMNS = (
    "party_id",
    "kind",
    "score",
    "period",
    "reason_en",
    "reason_ru",
    "evidence",
)


# Amounts in US dollars where the workspace has the currency's rate on that
# day (``exchange_rates``), else left as they are (and compared only with
# amounts in the same currency).
RATE_JOIN = (
    "ASOF LEFT JOIN exchange_rates r "
    "ON {table}.currency = r.currency AND {day} >= r.valid_from"
)
IN_USD = "{amount} * COALESCE(r.usd_per_unit, 1.0)"
IN_CURRENCY = (
    "CASE WHEN r.usd_per_unit IS NULL THEN COALESCE({table}.currency, '') "
    "ELSE 'USD' END"
)


# A return's VAT payable, or refund claimed when negative: output minus input
# VAT where the export has no such column (the data model defines it so).
PAYABLE = "COALESCE(vat_payable, output_vat - input_vat, 0)"


def _money(x: str) -> str:
    return f"format('{{:,.0f}}', {x})"


def _money_ru(x: str) -> str:
    """``x`` as Russian writes money: 12 321 994 (no-break spaces, as the web
    page shows it)."""
    return f"replace({_money(x)}, ',', chr(160))"


def _times_ru(x: str) -> str:
    """A ratio to one decimal with the Russian decimal comma: 17,9."""
    return f"replace(CAST(round({x}, 1) AS VARCHAR), '.', ',')"


def plural_ru(n: str, one: str, few: str, many: str) -> str:
    """SQL for the Russian word that goes with the count ``n``: 1 фирма,
    2 фирмы, 5 фирм (21 as 1, 12 as 5)."""
    return (
        f"CASE WHEN {n} % 10 = 1 AND {n} % 100 <> 11 THEN '{one}' "
        f"WHEN {n} % 10 BETWEEN 2 AND 4 AND {n} % 100 NOT BETWEEN 12 AND 14 "
        f"THEN '{few}' ELSE '{many}' END"
    )


UNMATCHED_SQL = """
WITH s AS (SELECT * FROM invoices WHERE reported_by = 'seller'),
     b AS (SELECT * FROM invoices WHERE reported_by = 'buyer'),
     gap AS (
    -- Lines are matched, invoices counted: one row per invoice.
    SELECT b.buyer_id, b.seller_id, b.invoice_id, max(b.issued_on) AS issued_on,
           sum(COALESCE(b.vat, 0) - COALESCE(s.vat, 0)) AS missing_vat
    FROM b LEFT JOIN s USING (invoice_id, line_no)
    WHERE s.invoice_id IS NULL OR COALESCE(b.vat, 0) > COALESCE(s.vat, 0) + 0.01
    GROUP BY b.buyer_id, b.seller_id, b.invoice_id
), claimed AS (
    SELECT buyer_id, sum(COALESCE(vat, 0)) AS input_vat FROM b GROUP BY buyer_id
), by_buyer AS (
    SELECT buyer_id, count(*) AS n, sum(missing_vat) AS vat,
           count(DISTINCT seller_id) AS sellers,
           list(invoice_id ORDER BY missing_vat DESC)[1:5] AS examples,
           date_trunc('month', max(issued_on)) AS period
    FROM gap GROUP BY buyer_id
), by_seller AS (
    SELECT seller_id, count(*) AS n, sum(missing_vat) AS vat,
           count(DISTINCT buyer_id) AS buyers,
           list(invoice_id ORDER BY missing_vat DESC)[1:5] AS examples,
           date_trunc('month', max(issued_on)) AS period
    FROM gap GROUP BY seller_id
)
SELECT g.buyer_id AS party_id, 'unmatched_deduction' AS kind,
       least(1.0, 0.7 + g.vat / NULLIF(c.input_vat, 0)) AS score, g.period,
       'deducts ' || {vat} || ' VAT on ' || g.n
         || ' invoice(s) from ' || g.sellers
         || ' seller(s) that never declared them' AS reason_en,
       'вычет НДС ' || {vat_ru} || ' по счетам-фактурам (' || g.n
         || ' шт.) от продавцов (' || g.sellers
         || '), не отразивших их в книге продаж' AS reason_ru,
       to_json({{'invoices': g.examples, 'vat': g.vat}})::VARCHAR AS evidence
FROM by_buyer g JOIN claimed c USING (buyer_id)
UNION ALL
SELECT seller_id, 'unreported_sales', least(1.0, 0.5 + 0.05 * n), period,
       'issued ' || n || ' invoice(s) with ' || {vat_s}
         || ' VAT that buyers deducted and it never declared',
       'выставил счета-фактуры (' || n || ' шт.) с НДС ' || {vat_s_ru}
         || ', принятых покупателями к вычету и не задекларированных',
       to_json({{'invoices': examples, 'vat': vat}})::VARCHAR
FROM by_seller
""".format(
    vat=_money("g.vat"),
    vat_s=_money("vat"),
    vat_ru=_money_ru("g.vat"),
    vat_s_ru=_money_ru("vat"),
)

# Months whose payment is not known (returns exported without payments)
# say nothing about it: counted as unpaid, every taxpayer was a missing trader.
UNPAID_SQL = """
WITH r AS (
    SELECT party_id, sum(greatest({payable_vat}, 0)) AS payable,
           sum(vat_paid) AS paid, count(*) AS months,
           max(period) AS period
    FROM vat_returns WHERE vat_paid IS NOT NULL GROUP BY party_id
)
SELECT party_id, 'unpaid_vat' AS kind,
       least(1.0, 1 - paid / payable) AS score, period,
       'paid ' || {paid} || ' of ' || {payable}
         || ' VAT declared payable over ' || months || ' month(s)',
       'уплачено ' || {paid_ru} || ' из ' || {payable_ru}
         || ' НДС к уплате за ' || months || ' мес.',
       to_json({{'payable': payable, 'paid': paid}})::VARCHAR
FROM r WHERE payable > 0 AND paid < 0.5 * payable
""".format(
    paid=_money("paid"),
    payable=_money("payable"),
    paid_ru=_money_ru("paid"),
    payable_ru=_money_ru("payable"),
    payable_vat=PAYABLE,
)

# Down the chain from parties with unpaid VAT (``_t_missing``): those who
# deducted their VAT, and those who bought from them in turn.
CHAIN_SQL = """
WITH b AS (SELECT * FROM invoices WHERE reported_by = 'buyer'),
input AS (
    SELECT buyer_id AS party_id, sum(COALESCE(vat, 0)) AS input_vat
    FROM b GROUP BY buyer_id
), step1 AS (
    SELECT b.buyer_id AS party_id, sum(COALESCE(b.vat, 0)) AS vat,
           count(DISTINCT b.seller_id) AS sources, 1 AS steps,
           list(DISTINCT b.seller_id)[1:5] AS via,
           date_trunc('month', max(b.issued_on)) AS period
    FROM b JOIN _t_missing m ON m.party_id = b.seller_id
    GROUP BY b.buyer_id
), share1 AS (
    SELECT s.*, s.vat / NULLIF(i.input_vat, 0) AS share
    FROM step1 s JOIN input i USING (party_id)
), step2 AS (
    -- Buyers of firms that took most of their input VAT from missing traders.
    SELECT b.buyer_id AS party_id, sum(COALESCE(b.vat, 0)) AS vat,
           count(DISTINCT b.seller_id) AS sources, 2 AS steps,
           list(DISTINCT b.seller_id)[1:5] AS via,
           date_trunc('month', max(b.issued_on)) AS period
    FROM b JOIN share1 s ON s.party_id = b.seller_id AND s.share >= 0.5
    WHERE b.buyer_id NOT IN (SELECT party_id FROM _t_missing)
    GROUP BY b.buyer_id
), share2 AS (
    SELECT s.*, s.vat / NULLIF(i.input_vat, 0) AS share
    FROM step2 s JOIN input i USING (party_id)
)
SELECT party_id, 'chain_beneficiary' AS kind,
       least(1.0, share) * CASE WHEN steps = 1 THEN 1.0 ELSE 0.7 END AS score,
       period,
       CASE WHEN steps = 1
            THEN 'deducts ' || {vat} || ' VAT (' || {pct} || '% of its input VAT) '
                 || 'from ' || sources || ' supplier(s) that did not pay it'
            ELSE 'buys from ' || sources
                 || ' firm(s) that deduct VAT nobody paid (' || {vat}
                 || ' VAT, ' || {pct} || '% of its input VAT)' END,
       CASE WHEN steps = 1
            THEN 'вычет НДС ' || {vat_ru} || ' (' || {pct} || '% вычетов), '
                 || 'не уплаченного поставщиками (' || sources || ')'
            ELSE 'закупки у фирм (' || sources
                 || '), заявивших к вычету неуплаченный НДС (' || {vat_ru}
                 || ' НДС, ' || {pct} || '% вычетов)' END,
       to_json({{'via': via, 'vat': vat, 'share': share, 'steps': steps}})::VARCHAR
FROM (SELECT * FROM share1 UNION ALL SELECT * FROM share2)
WHERE share >= 0.2
""".format(
    vat=_money("vat"),
    vat_ru=_money_ru("vat"),
    pct="CAST(round(100 * least(1.0, share)) AS INTEGER)",
)

ONE_DAY_SQL = """
WITH s AS (SELECT * FROM invoices WHERE reported_by = 'seller'),
flows AS (
    SELECT p.party_id, p.registration_date, COALESCE(p.employees, 0) AS staff,
           (SELECT sum(amount) FROM s WHERE s.seller_id = p.party_id) AS sold,
           (SELECT sum(amount) FROM s WHERE s.buyer_id = p.party_id) AS bought,
           (SELECT min(issued_on) FROM s WHERE s.seller_id = p.party_id) AS first_sale,
           (SELECT max(issued_on) FROM s WHERE s.seller_id = p.party_id) AS last_sale
    FROM parties p
), scored AS (
    SELECT *, least(sold, bought) / NULLIF(greatest(sold, bought), 0) AS pass,
           date_diff('day', registration_date, first_sale) AS age_days
    FROM flows WHERE sold > 0
)
SELECT party_id, 'one_day_firm' AS kind,
       0.4 + 0.3 * (pass >= 0.95)::INTEGER + 0.3 * (age_days <= 90)::INTEGER
         AS score, date_trunc('month', last_sale) AS period,
       'registered ' || age_days || ' days before its first sale, '
         || staff || ' staff, passes on '
         || CAST(round(100 * pass) AS INTEGER) || '% of '
         || {sold} || ' it sold',
       'зарегистрирована за ' || age_days || ' дн. до первой продажи, '
         || staff || ' ' || {staff_ru} || ', транзит '
         || CAST(round(100 * pass) AS INTEGER) || '% от продаж ' || {sold_ru},
       to_json({{'age_days': age_days, 'staff': staff, 'pass_through': pass,
                'sold': sold}})::VARCHAR
FROM scored
WHERE staff <= 1 AND pass >= 0.9 AND age_days IS NOT NULL AND age_days <= 365
""".format(
    sold=_money("sold"),
    sold_ru=_money_ru("sold"),
    staff_ru=plural_ru("staff", "сотрудник", "сотрудника", "сотрудников"),
)

# Age and size against the firm's own sector: sales per head (staff + 1) ten
# times the sector's median, or a firm under a year old already selling more
# than 95 % of its sector. Sales in US dollars where rates are known.
SIZE_SQL = """
WITH s AS (
    SELECT seller_id AS party_id, sum({usd}) AS sold,
           min(issued_on) AS first_sale,
           date_trunc('month', max(issued_on)) AS period
    FROM invoices i {join} WHERE reported_by = 'seller' GROUP BY seller_id
), f AS (
    SELECT p.party_id, COALESCE(p.sector, '') AS sector,
           COALESCE(p.employees, 0) AS staff, s.sold, s.period,
           s.sold / (COALESCE(p.employees, 0) + 1) AS per_head,
           date_diff('day', p.registration_date, s.first_sale) AS age_days
    FROM parties p JOIN s USING (party_id) WHERE s.sold > 0
), peers AS (
    SELECT sector, median(per_head) AS usual, quantile_cont(sold, 0.95) AS big,
           count(*) AS firms
    FROM f GROUP BY sector
), m AS (
    SELECT f.*, per_head / NULLIF(usual, 0) AS times,
           COALESCE(age_days <= 365 AND sold >= big, false) AS young_and_big
    FROM f JOIN peers USING (sector) WHERE firms >= 20
)
SELECT party_id, 'size_anomaly' AS kind,
       least(1.0, 0.3 + 0.05 * least(times, 10)
             + 0.2 * young_and_big::INTEGER) AS score, period,
       'sold ' || {sold} || ' with ' || staff || ' staff: '
         || round(times, 1) || ' times the sales per head of its sector'
         || CASE WHEN young_and_big THEN ', ' || age_days
                 || ' days after registering' ELSE '' END,
       'продажи ' || {sold_ru}
         || CASE WHEN staff = 0 THEN ' без сотрудников'
                 ELSE ' при ' || staff || ' ' || {staff_ru} END
         || ': в ' || {times_ru} || ' раза выше обычных для отрасли на сотрудника'
         || CASE WHEN young_and_big THEN ', через ' || age_days
                 || ' дн. после регистрации' ELSE '' END,
       to_json({{'sold': sold, 'staff': staff, 'sector': sector,
                'times_sector_per_head': times, 'age_days': age_days}})::VARCHAR
FROM m WHERE times >= 10 OR young_and_big
""".format(
    sold=_money("sold"),
    sold_ru=_money_ru("sold"),
    staff_ru=plural_ru("staff", "сотруднике", "сотрудниках", "сотрудниках"),
    times_ru=_times_ru("times"),
    usd=IN_USD.format(amount="amount"),
    join=RATE_JOIN.format(table="i", day="i.issued_on"),
)

REFUND_SQL = """
WITH r AS (
    SELECT party_id, sum(-least({payable}, 0)) AS refund,
           sum(COALESCE(output_vat, 0)) AS output, max(period) AS period
    FROM vat_returns GROUP BY party_id
), x AS (
    SELECT seller_id AS party_id,
           sum(amount) FILTER (WHERE seller_country IS DISTINCT FROM buyer_country)
             / NULLIF(sum(amount), 0) AS export_share
    FROM invoices WHERE reported_by = 'seller' GROUP BY seller_id
)
SELECT r.party_id, 'refund_claim' AS kind,
       least(1.0, 0.4 + 0.6 * refund / (refund + output + 1)) AS score, period,
       'claims ' || {refund} || ' VAT back against ' || {output} || ' output VAT, '
         || CASE WHEN export_share IS NULL THEN 'no sales invoices'
                 ELSE CAST(round(100 * export_share) AS INTEGER)
                      || '% of sales exported' END,
       'к возмещению ' || {refund_ru} || ' НДС при исчисленном ' || {output_ru}
         || ', '
         || CASE WHEN export_share IS NULL THEN 'счетов-фактур на продажу нет'
                 ELSE 'экспорт ' || CAST(round(100 * export_share) AS INTEGER)
                      || '% продаж' END,
       to_json({{'refund': refund, 'output_vat': output,
                'export_share': export_share}})::VARCHAR
FROM r LEFT JOIN x USING (party_id)
WHERE refund > 0 AND refund > 2 * output
""".format(
    refund=_money("refund"),
    output=_money("output"),
    refund_ru=_money_ru("refund"),
    output_ru=_money_ru("output"),
    payable=PAYABLE,
)

# Imported goods sold on at many times their declared customs value: the
# import was likely undervalued. Compared per importer and 6-digit code.
MARKUP_SQL = """
WITH imp AS (
    SELECT importer_id AS party_id, substr(hs_code, 1, 6) AS hs6,
           {cur_d} AS cur_in, sum({usd_d}) AS declared,
           date_trunc('month', max(date)) AS period
    FROM declarations d {join_d} GROUP BY 1, 2, 3
), sold AS (
    SELECT seller_id AS party_id, substr(hs_code, 1, 6) AS hs6,
           {cur_i} AS cur_out, sum({usd_i}) AS resold
    FROM invoices i {join_i}
    WHERE reported_by = 'seller' AND hs_code IS NOT NULL
    GROUP BY 1, 2, 3
), m AS (
    SELECT party_id, hs6, cur_in, cur_out, declared, resold,
           resold / declared AS markup, period
    FROM imp JOIN sold USING (party_id, hs6) WHERE declared > 0
), peers AS (
    -- What importers of the same goods, paying and selling in the same
    -- currencies, usually make on them (the data model has no exchange
    -- rates: only like is compared with like).
    SELECT hs6, cur_in, cur_out, median(markup) AS usual, count(*) AS importers
    FROM m GROUP BY hs6, cur_in, cur_out
), worst AS (
    SELECT party_id, arg_max(hs6, markup / usual) AS hs6,
           arg_max(markup, markup / usual) AS markup,
           arg_max(usual, markup / usual) AS usual,
           arg_max(declared, markup / usual) AS declared,
           arg_max(resold, markup / usual) AS resold,
           arg_max(cur_in, markup / usual) AS cur_in,
           arg_max(cur_out, markup / usual) AS cur_out, max(period) AS period
    FROM m JOIN peers USING (hs6, cur_in, cur_out)
    WHERE importers >= 5
    GROUP BY party_id
)
SELECT party_id, 'import_markup' AS kind,
       least(1.0, 0.2 + 0.1 * markup / usual) AS score, period,
       'resold HS ' || hs6 || ' for ' || round(markup / usual, 1)
         || ' times what importers of the same goods make on them ('
         || {resold} || ' ' || cur_out || ' against a declared customs value of '
         || {declared} || ' ' || cur_in || ')',
       'перепродал товар ТН ВЭД ' || hs6 || ' с наценкой в '
         || {times_ru} || ' раза выше обычной у импортёров ('
         || {resold_ru} || ' ' || cur_out || ' при таможенной стоимости '
         || {declared_ru} || ' ' || cur_in || ')',
       to_json({{'hs6': hs6, 'markup': markup, 'usual_markup': usual,
                'declared': declared, 'resold': resold}})::VARCHAR
FROM worst WHERE markup >= 3 * usual
""".format(
    resold=_money("resold"),
    declared=_money("declared"),
    resold_ru=_money_ru("resold"),
    declared_ru=_money_ru("declared"),
    times_ru=_times_ru("markup / usual"),
    cur_d=IN_CURRENCY.format(table="d"),
    usd_d=IN_USD.format(amount="customs_value"),
    join_d=RATE_JOIN.format(table="d", day="d.date"),
    cur_i=IN_CURRENCY.format(table="i"),
    usd_i=IN_USD.format(amount="amount"),
    join_i=RATE_JOIN.format(table="i", day="i.issued_on"),
)

# Firms that share a director, an address or a bank account (``_t_flagged``
# holds parties with any other finding).
SHARED_SQL = """
WITH a AS (
    SELECT party_id, 'director' AS what, director_id AS value FROM parties
    WHERE director_id IS NOT NULL
    UNION ALL SELECT party_id, 'address', address_id FROM parties
    WHERE address_id IS NOT NULL
    UNION ALL SELECT party_id, 'bank account', bank_account FROM parties
    WHERE bank_account IS NOT NULL
), g AS (
    SELECT what, value, count(*) AS size,
           count(*) FILTER (WHERE party_id IN (SELECT party_id FROM _t_flagged))
             AS flagged
    FROM a GROUP BY what, value HAVING count(*) >= 3
), best AS (
    SELECT a.party_id, arg_max(g.what, g.flagged * 100 + g.size) AS what,
           arg_max(g.value, g.flagged * 100 + g.size) AS value,
           arg_max(g.size, g.flagged * 100 + g.size) AS size,
           arg_max(g.flagged, g.flagged * 100 + g.size) AS flagged
    FROM a JOIN g USING (what, value) GROUP BY a.party_id
)
SELECT party_id, 'shared_identity' AS kind,
       least(1.0, 0.2 + 0.15 * flagged + 0.02 * size) AS score,
       CAST(NULL AS DATE) AS period,
       'shares its ' || what || ' with ' || (size - 1) || ' other firm(s), '
         || flagged || ' of the group flagged',
       'общий ' || CASE what WHEN 'director' THEN 'руководитель'
                             WHEN 'address' THEN 'адрес'
                             ELSE 'банковский счёт' END
         || ' с другими фирмами (' || (size - 1) || '), под подозрением в группе: '
         || flagged,
       to_json({'shared': what, 'value': value, 'group_size': size,
                'flagged': flagged})::VARCHAR
FROM best WHERE flagged >= 1 OR size >= 5
"""


COUNTERPARTY_SQL = """
WITH t AS (
    SELECT seller_id AS party_id, buyer_id AS other, amount, issued_on
    FROM invoices WHERE reported_by = 'seller'
    UNION ALL
    SELECT buyer_id, seller_id, amount, issued_on
    FROM invoices WHERE reported_by = 'buyer'
), s AS (
    SELECT t.party_id,
           sum(amount) FILTER (WHERE f.party_id IS NOT NULL)
             / NULLIF(sum(amount), 0) AS share,
           count(DISTINCT t.other) FILTER (WHERE f.party_id IS NOT NULL) AS n,
           list(DISTINCT t.other) FILTER (WHERE f.party_id IS NOT NULL) AS who,
           date_trunc('month', max(issued_on)) AS period
    FROM t LEFT JOIN _t_flagged f ON f.party_id = t.other
    WHERE t.party_id NOT IN (SELECT party_id FROM _t_flagged)
    GROUP BY t.party_id
)
SELECT party_id, 'risky_counterparties' AS kind, 0.5 * least(1.0, share) AS score,
       period,
       CAST(round(100 * share) AS INTEGER) || '% of its trade is with '
         || n || ' flagged firm(s)',
       CAST(round(100 * share) AS INTEGER) || '% оборота приходится на '
         || 'фирмы под подозрением (' || n || ')',
       to_json({'share': share, 'counterparties': who[1:5]})::VARCHAR
FROM s WHERE share >= 0.5
"""


def tax_findings(backend: Backend) -> list[str]:
    """Run every check over the workspace behind ``backend``; the findings
    land in the temporary table ``_tax_findings``. Returns the kinds found."""
    be = backend
    cols = ", ".join(FINDING_COLUMNS)
    be.execute(
        "CREATE OR REPLACE TEMP TABLE _tax_findings (party_id VARCHAR, kind VARCHAR, "
        "score DOUBLE, period DATE, reason_en VARCHAR, reason_ru VARCHAR, "
        "evidence VARCHAR)"
    )
    for sql in (
        UNMATCHED_SQL,
        UNPAID_SQL,
        ONE_DAY_SQL,
        REFUND_SQL,
        MARKUP_SQL,
    ):
        be.execute(f"INSERT INTO _tax_findings ({cols}) {sql}")
    be.execute(
        "CREATE OR REPLACE TEMP TABLE _t_missing AS SELECT DISTINCT party_id "
        "FROM _tax_findings WHERE kind = 'unpaid_vat' AND score >= 0.8"
    )
    be.execute(f"INSERT INTO _tax_findings ({cols}) {CHAIN_SQL}")
    be.execute(
        "CREATE OR REPLACE TEMP TABLE _t_flagged AS SELECT DISTINCT party_id "
        "FROM _tax_findings WHERE score >= 0.5"
    )
    be.execute(f"INSERT INTO _tax_findings ({cols}) {SHARED_SQL}")
    be.execute(f"INSERT INTO _tax_findings ({cols}) {COUNTERPARTY_SQL}")
    # Last: size alone flags no one for the checks above (see WEIGHTS).
    be.execute(f"INSERT INTO _tax_findings ({cols}) {SIZE_SQL}")
    be.execute("DROP TABLE IF EXISTS _t_missing; DROP TABLE IF EXISTS _t_flagged")
    kinds = be.sql("SELECT DISTINCT kind FROM _tax_findings ORDER BY kind")
    return [str(k) for k in kinds.column("kind").to_pylist()]
