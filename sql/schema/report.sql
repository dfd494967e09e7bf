-- The governance report: one self-contained HTML page (inline CSS and SVG, no script, no external
-- asset) a person writes with psql -Atc "SELECT afu9_policy.policy_report()" > report.html.
-- Every value from the database is HTML-escaped: rule patterns, role names and versions are
-- data, never markup. Read-only: the ledger is verified as sealed, not sealed.

CREATE OR REPLACE FUNCTION _html(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
           COALESCE(value, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;');
COMMENT ON FUNCTION _html(text) IS 'Internal: text escaped for HTML (& < > " '' ); NULL as empty.';

-- A table row of already-escaped cells.
CREATE OR REPLACE FUNCTION _html_row(cells text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, afu9_policy, pg_temp
RETURN '<tr>' || (SELECT string_agg('<td>' || coalesce(c, '') || '</td>', '' ORDER BY n)
                    FROM unnest(cells) WITH ORDINALITY AS t(c, n)) || '</tr>';
COMMENT ON FUNCTION _html_row(text[]) IS 'Internal: an HTML table row of cells already escaped (NULL as empty).';

-- A table of rows made by _html_row (a list, read once: no quadratic subscripting).
CREATE OR REPLACE FUNCTION _html_table(headers text[], rows text[], empty text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    SELECT CASE WHEN coalesce(cardinality(rows), 0) = 0 THEN '<p class="empty">' || afu9_policy._html(empty) || '</p>'
           ELSE '<table><thead><tr>' || (SELECT string_agg('<th>' || afu9_policy._html(h) || '</th>', '' ORDER BY n)
                                           FROM unnest(headers) WITH ORDINALITY AS t(h, n))
                || '</tr></thead><tbody>' || array_to_string(rows, '') || '</tbody></table>' END
$$;
COMMENT ON FUNCTION _html_table(text[], text[], text) IS 'Internal: an HTML table of escaped headers over rows made by _html_row; the empty text when there are no rows.';

-- An SVG picture's opening tag, with its title (what a screen reader says, what hovering shows).
CREATE OR REPLACE FUNCTION _svg_open(width integer, height integer, title text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, afu9_policy, pg_temp
RETURN format('<svg xmlns="http://www.w3.org/2000/svg" role="img" width="%1$s" height="%2$s" viewBox="0 0 %1$s %2$s"><title>%3$s</title>',
              width, height, afu9_policy._html(title));
COMMENT ON FUNCTION _svg_open(integer, integer, text) IS 'Internal: the opening <svg> tag of a picture of that size, with its escaped title.';

-- A legend: a coloured square and a name per series, in a row from (x, y).
CREATE OR REPLACE FUNCTION _svg_legend(names text[], colors text[], x integer, y integer, step integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, afu9_policy, pg_temp
RETURN coalesce((SELECT string_agg(format('<rect x="%s" y="%s" width="10" height="10" fill="%s"/><text x="%s" y="%s" font-size="12">%s</text>',
                                          x + (i - 1) * step, y, colors[i], x + (i - 1) * step + 14, y + 9, afu9_policy._html(names[i])), '' ORDER BY i)
                   FROM generate_series(1, coalesce(array_length(names, 1), 0)) AS i), '');
COMMENT ON FUNCTION _svg_legend(text[], text[], integer, integer, integer) IS 'Internal: an SVG legend, one coloured square and escaped name per series.';

-- A line chart of percentages (0..100) over labelled points; NULL values leave gaps.
CREATE OR REPLACE FUNCTION _svg_line_chart(title text, labels text[], names text[], series jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    colors constant text[] := '{#1f77b4,#d62728,#2ca02c,#9467bd}';
    w constant integer := 720;
    h constant integer := 220;
    left_pad constant integer := 44;
    n integer := coalesce(array_length(labels, 1), 0);
    svg text;
    i integer;
    points text;
    dots text;
BEGIN
    svg := _svg_open(w, h + 50, title);
    FOR i IN 0..4 LOOP
        svg := svg || format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#ddd"/><text x="%s" y="%s" font-size="11" text-anchor="end">%s%%</text>',
                             left_pad, 10 + i * h / 4, w - 10, 10 + i * h / 4, left_pad - 6, 14 + i * h / 4, 100 - i * 25);
    END LOOP;
    IF n > 0 THEN
        svg := svg || format('<text x="%s" y="%s" font-size="11">%s</text><text x="%s" y="%s" font-size="11" text-anchor="end">%s</text>',
                             left_pad, h + 26, _html(labels[1]), w - 10, h + 26, _html(labels[n]));
    END IF;
    FOR i IN 1..coalesce(array_length(names, 1), 0) LOOP
        -- A line through the days with a value, and a dot on each (a single day is a dot).
        SELECT string_agg(format('%s,%s', x, y), ' ' ORDER BY k),
               string_agg(format('<circle cx="%s" cy="%s" r="3" fill="%s"><title>%s: %s%%</title></circle>',
                                 x, y, colors[i], _html(labels[k]), v), '' ORDER BY k)
          INTO points, dots
          FROM (SELECT k, v, round(left_pad + (k - 1) * (w - 10 - left_pad)::numeric / greatest(n - 1, 1), 1) AS x,
                       round(10 + (100 - v::numeric) * h / 100, 1) AS y
                  FROM jsonb_array_elements_text(series->(i - 1)) WITH ORDINALITY AS t(v, k)
                 WHERE v IS NOT NULL) p;
        IF points IS NOT NULL THEN
            svg := svg || format('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>', colors[i], points) || dots;
        END IF;
    END LOOP;
    RETURN svg || _svg_legend(names, colors, left_pad, h + 36, 180) || '</svg>';
END
$$;
COMMENT ON FUNCTION _svg_line_chart(text, text[], text[], jsonb) IS
    'Internal: an inline SVG line chart of percentage series (a JSON array of arrays, null for no value) over labels.';

-- Stacked bars of shares (each bar's parts sum to its total), one bar per label.
CREATE OR REPLACE FUNCTION _svg_stacked_bars(title text, labels text[], parts text[], counts jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    colors constant text[] := '{#2ca02c,#ff7f0e,#d62728,#7f7f7f,#1f77b4}';
    bar constant integer := 56;
    h constant integer := 180;
    n integer := coalesce(array_length(labels, 1), 0);
    svg text;
    i integer;
    j integer;
    total numeric;
    y numeric;
    share numeric;
BEGIN
    svg := _svg_open(greatest(n * (bar + 24) + 40, 200 * coalesce(array_length(parts, 1), 1)), h + 70, title);
    FOR i IN 1..n LOOP
        total := (SELECT sum(value::numeric) FROM jsonb_each_text(counts->(i - 1)));
        y := 10;
        FOR j IN 1..coalesce(array_length(parts, 1), 0) LOOP
            share := coalesce((counts->(i - 1)->>parts[j])::numeric, 0) / nullif(total, 0);
            IF share > 0 THEN
                svg := svg || format('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s: %s%%</title></rect>',
                                     20 + (i - 1) * (bar + 24), round(y, 1), bar, round(share * h, 1), colors[j],
                                     _html(parts[j]), round(share * 100, 1));
                y := y + share * h;
            END IF;
        END LOOP;
        svg := svg || format('<text x="%s" y="%s" font-size="11" text-anchor="middle">%s</text>',
                             20 + (i - 1) * (bar + 24) + bar / 2, h + 26, _html(labels[i]));
    END LOOP;
    RETURN svg || _svg_legend(parts, colors, 20, h + 46, 200) || '</svg>';
END
$$;
COMMENT ON FUNCTION _svg_stacked_bars(text, text[], text[], jsonb) IS
    'Internal: an inline SVG chart of 100% stacked bars, one per label, from a JSON array of {part: count} objects.';

-- Events on a time axis: publications, activations, rollbacks (red) and experiment changes.
CREATE OR REPLACE FUNCTION _svg_timeline(title text, since timestamptz, events jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    w constant integer := 720;
    span double precision := greatest(extract(epoch FROM now() - since), 1);
    svg text;
BEGIN
    svg := _svg_open(w, 150, title)
        || format('<line x1="20" y1="60" x2="%s" y2="60" stroke="#555"/>'
                  '<text x="20" y="140" font-size="11">%s</text><text x="%s" y="140" font-size="11" text-anchor="end">%s</text>',
                  w - 20, _html(to_char(since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')),
                  w - 20, _html(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')));
    svg := svg || coalesce((
        SELECT string_agg(format('<circle cx="%1$s" cy="60" r="6" fill="%2$s"><title>%3$s</title></circle>'
                                 '<text x="%1$s" y="%4$s" font-size="10" text-anchor="%6$s" fill="%2$s">%5$s</text>',
                                 x,
                                 CASE e->>'event' WHEN 'rollback' THEN '#d62728' WHEN 'publish' THEN '#7f7f7f'
                                                  WHEN 'activate' THEN '#1f77b4' ELSE '#9467bd' END,
                                 _html(format('%s %s (%s) %s', e->>'event', e->>'label', e->>'scope', e->>'at')),
                                 (ARRAY[40, 88, 26, 102])[n % 4 + 1], _html(e->>'label'),
                                 -- Labels near an end of the axis stay inside the picture.
                                 CASE WHEN x > w - 80 THEN 'end' WHEN x < 80 THEN 'start' ELSE 'middle' END), '' ORDER BY n)
          FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, n),
               LATERAL (SELECT round((20 + (w - 40) * least(greatest(extract(epoch FROM (e->>'at')::timestamptz - since) / span, 0), 1))::numeric, 1) AS x) p), '');
    RETURN svg || '</svg>';
END
$$;
COMMENT ON FUNCTION _svg_timeline(text, timestamptz, jsonb) IS
    'Internal: an inline SVG timeline of events ({event, label, scope, at}) from a time until now; rollbacks in red.';

CREATE OR REPLACE FUNCTION policy_report(since interval DEFAULT interval '30 days', repository_id uuid DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    started timestamptz := now() - since;
    scope text := afu9_policy.policy_scope_name(repository_id);
    problems bigint;
    body text := '';
    rows text[];
    events jsonb;
    days text[];
    series jsonb;
    versions text[];
    mix jsonb;
    change record;
    -- Rows of the history table (and a tenth as many diffs): a page a person reads.
    shown constant integer := 200;
BEGIN
    IF since IS NULL OR since <= interval '0' THEN
        RAISE EXCEPTION 'invalid report window %: must be a positive interval', coalesce(since::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- It reads with the caller's rights: say so once, rather than name whichever table the
    -- executor happens to check first.
    IF EXISTS (SELECT FROM unnest(ARRAY['afu9_policy.policy_ledger', 'afu9_policy.policy_ledger_rows', 'afu9_policy.policy_versions',
                                        'afu9_policy.policy_activations', 'afu9_policy.policy_experiment_allocations',
                                        'public.workflow_executions', 'public.verdicts']) AS t(rel)
                WHERE NOT has_table_privilege(rel, 'SELECT')) THEN
        RAISE EXCEPTION 'permission denied for the governance report: % cannot read the policy tables, runs and verdicts', current_user
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'It reads with the caller''s rights: grant_policy_auditor(role) gives them.';
    END IF;

    -- Ledger verification, as sealed (the report writes nothing).
    -- One verification (it hashes every chained row): the count, and the first 50 problems.
    SELECT count(*), (array_agg(_html_row(ARRAY[_html(p.table_name), _html(p.row_id), _html(p.kind), _html(p.detail)])))[1:50]
      INTO problems, rows
      FROM afu9_policy.verify_policy_ledger() p;
    body := body || '<section id="ledger"><h2>Ledger verification</h2>'
        || CASE WHEN problems = 0 THEN '<p class="ok">Intact: every sealed row and link verifies.</p>'
                ELSE format('<p class="bad">%s problem(s) found.</p>', problems) END
        || _html_table('{chain,sealed rows}',
                       (SELECT array_agg(_html_row(ARRAY[_html(c), coalesce(max_position, 0)::text]) ORDER BY o)
                          FROM unnest(afu9_policy._ledger_chains()) WITH ORDINALITY AS t(c, o)
                          LEFT JOIN LATERAL (SELECT max(l.position) AS max_position FROM afu9_policy.policy_ledger l
                                              WHERE l.chain = t.c) m ON true), 'No chains.')
        || CASE WHEN problems > 0 THEN _html_table('{table,row,problem,detail}', rows, '') ELSE '' END
        || '</section>';

    -- The version in force per scope, and running experiments.
    SELECT array_agg(_html_row(ARRAY[_html(afu9_policy.policy_scope_name(a.repository_id)), _html(v.version),
                           _html(to_char(a.activated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')), _html(a.activated_by),
                           _html(CASE WHEN x.running THEN x.name END)]) ORDER BY a.repository_id NULLS FIRST)
      INTO rows
      FROM (SELECT DISTINCT ON (p.repository_id) p.* FROM afu9_policy.policy_activations p
             WHERE policy_report.repository_id IS NULL OR p.repository_id IS NULL OR p.repository_id = policy_report.repository_id
             ORDER BY p.repository_id, p.id DESC) a
      JOIN afu9_policy.policy_versions v ON v.id = a.policy_version_id
      -- The scope's newest allocation: its experiment runs unless that is a stop.
      LEFT JOIN LATERAL (SELECT xx.name, al.running FROM afu9_policy.policy_experiment_allocations al
                           JOIN afu9_policy.policy_experiments xx ON xx.id = al.experiment_id
                          WHERE al.repository_id IS NOT DISTINCT FROM a.repository_id
                          ORDER BY al.id DESC LIMIT 1) x ON true;
    body := body || '<section id="active"><h2>Active versions</h2>'
        || _html_table('{scope,version,activated at (UTC),by,running experiment}', rows, 'No version is active.') || '</section>';

    -- History: publications, activations and rollbacks, experiment changes.
    SELECT coalesce(jsonb_agg(jsonb_build_object('event', h.event, 'label', h.label, 'scope', h.scope, 'at', h.at, 'actor', h.actor)
                              ORDER BY h.at, h.ord), '[]')
      INTO events
      FROM (SELECT ph.event, ph.version AS label, afu9_policy.policy_scope_name(ph.repository_id) AS scope,
                   ph.occurred_at AS at, ph.actor, 0 AS ord
              FROM afu9_policy.policy_history ph
             WHERE ph.occurred_at >= started
               AND (policy_report.repository_id IS NULL OR ph.repository_id IS NULL OR ph.repository_id = policy_report.repository_id)
            UNION ALL
            SELECT 'experiment ' || eh.event, eh.experiment, afu9_policy.policy_scope_name(eh.repository_id), eh.occurred_at, eh.actor, 1
              FROM afu9_policy.policy_experiment_history eh
             WHERE eh.occurred_at >= started
               AND (policy_report.repository_id IS NULL OR eh.repository_id IS NULL OR eh.repository_id = policy_report.repository_id)) h;
    body := body || '<section id="history"><h2>History</h2>' || _svg_timeline('Policy history', started, events)
        || _html_table('{when (UTC),event,version / experiment,scope,by}',
                       (SELECT array_agg(_html_row(ARRAY[_html(to_char((e->>'at')::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')),
                                               CASE WHEN e->>'event' = 'rollback' THEN '<strong class="bad">rollback</strong>'
                                                    ELSE _html(e->>'event') END,
                                               _html(e->>'label'), _html(e->>'scope'), _html(e->>'actor')]) ORDER BY n)
                          FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, n)
                         WHERE n > jsonb_array_length(events) - shown),
                       'Nothing happened in this window.')
        || CASE WHEN jsonb_array_length(events) > shown
                THEN format('<p class="empty">The %s events before these are in the timeline above and in policy_history.</p>',
                            jsonb_array_length(events) - shown) ELSE '' END
        || '</section>';

    -- What each activation in the window changed against the version in force before it.
    body := body || '<section id="diffs"><h2>Changes</h2>';
    FOR change IN
        -- The latest of them (all are in policy_history), oldest first.
        SELECT * FROM (
            SELECT * FROM (
                SELECT ph.version, ph.repository_id, ph.event, ph.occurred_at, ph.activation_id,
                       lag(ph.version) OVER (PARTITION BY ph.repository_id ORDER BY ph.activation_id) AS previous
                  FROM afu9_policy.policy_history ph
                 WHERE ph.activation_id IS NOT NULL
                   AND (policy_report.repository_id IS NULL OR ph.repository_id IS NULL OR ph.repository_id = policy_report.repository_id)
            ) a
             WHERE a.occurred_at >= started AND a.previous IS DISTINCT FROM a.version AND a.previous IS NOT NULL
             ORDER BY a.activation_id DESC LIMIT shown / 10
        ) latest ORDER BY latest.activation_id
    LOOP
        SELECT array_agg(_html_row(ARRAY[_html(d.change), _html(d.item), _html(d.field), _html(left(d.old_value::text, 200)),
                               _html(left(d.new_value::text, 200))]))
          INTO rows
          FROM (SELECT * FROM afu9_policy.policy_diff(change.previous, change.version, change.repository_id) LIMIT 50) d;
        body := body || format('<h3>%s: %s &rarr; %s (%s)</h3>', _html(afu9_policy.policy_scope_name(change.repository_id)),
                               _html(change.previous), _html(change.version), _html(change.event))
            || _html_table('{change,item,field,old,new}', rows, 'The documents are the same.');
    END LOOP;
    body := body || '</section>';

    -- KPI trends: per day, coverage (runs with a snapshot) and linkage (verdicts with one).
    WITH day AS (
        SELECT d::date AS d FROM generate_series(date_trunc('day', started), date_trunc('day', now()), interval '1 day') d
    ), runs AS (
        SELECT e.created_at::date AS d, count(*) AS n, count(e.policy_snapshot_id) AS covered
          FROM public.workflow_executions e
         WHERE e.created_at >= date_trunc('day', started)
           AND (policy_report.repository_id IS NULL OR e.repository_id = policy_report.repository_id)
         GROUP BY 1
    ), judged AS (
        SELECT v.created_at::date AS d, count(*) AS n, count(v.policy_snapshot_id) AS linked
          FROM public.verdicts v JOIN public.workflow_executions e ON e.id = v.execution_id
         WHERE v.created_at >= date_trunc('day', started)
           AND (policy_report.repository_id IS NULL OR e.repository_id = policy_report.repository_id)
         GROUP BY 1
    )
    SELECT array_agg(to_char(day.d, 'YYYY-MM-DD') ORDER BY day.d),
           jsonb_build_array(jsonb_agg(round(runs.covered * 100.0 / nullif(runs.n, 0), 2) ORDER BY day.d),
                             jsonb_agg(round(judged.linked * 100.0 / nullif(judged.n, 0), 2) ORDER BY day.d))
      INTO days, series
      FROM day LEFT JOIN runs ON runs.d = day.d LEFT JOIN judged ON judged.d = day.d;
    SELECT array_agg(r.policy_version || CASE WHEN r.repository_id IS NULL THEN '' ELSE ' (' || left(r.repository_id::text, 8) || ')' END
                     ORDER BY r.repository_id NULLS FIRST, afu9_policy.policy_version_key(r.policy_version)),
           jsonb_agg(r.actions ORDER BY r.repository_id NULLS FIRST, afu9_policy.policy_version_key(r.policy_version))
      INTO versions, mix
      FROM afu9_policy.policy_version_results r
     WHERE r.verdicts > 0
       AND (policy_report.repository_id IS NULL OR r.repository_id IS NULL OR r.repository_id = policy_report.repository_id);
    body := body || '<section id="kpis"><h2>KPI trends</h2>'
        || _svg_line_chart('Coverage and linkage per day', days, '{coverage,linkage}', series)
        || _svg_stacked_bars('Verdict mix per version', versions, '{WAIT_AND_RETRY,OPEN_ISSUE,HUMAN_REQUIRED}', coalesce(mix, '[]'))
        || _html_table('{version scope,version,runs,failure rate,verdicts,UNKNOWN rate,escalation rate,mean confidence,mean time to insight}',
                       (SELECT array_agg(_html_row(ARRAY[_html(afu9_policy.policy_scope_name(r.repository_id)), _html(r.policy_version),
                                               r.runs::text, coalesce(r.failure_rate::text, ''), r.verdicts::text,
                                               coalesce(r.unknown_rate::text, ''), coalesce(r.escalation_rate::text, ''),
                                               coalesce(r.avg_confidence::text, ''), _html(r.mean_time_to_insight::text)]))
                          FROM afu9_policy.policy_version_results r
                         WHERE policy_report.repository_id IS NULL OR r.repository_id IS NULL
                            OR r.repository_id = policy_report.repository_id),
                       'No runs have snapshots yet.')
        || '</section>';

    -- Experiments: each arm against the control.
    body := body || '<section id="experiments"><h2>Experiments</h2>'
        || _html_table('{experiment,arm,version,runs,failure rate (95% CI),verdicts,UNKNOWN rate (95% CI),escalation rate,p (failure / UNKNOWN / escalation),significant}',
                       (SELECT array_agg(_html_row(ARRAY[_html(r.experiment), r.arm::text || CASE WHEN r.control THEN ' (control)' ELSE '' END,
                                               _html(r.policy_version), r.runs::text,
                                               format('%s [%s, %s]', r.failure_rate, r.failure_rate_low, r.failure_rate_high),
                                               r.verdicts::text,
                                               format('%s [%s, %s]', r.unknown_rate, r.unknown_rate_low, r.unknown_rate_high),
                                               coalesce(r.escalation_rate::text, ''),
                                               CASE WHEN r.control THEN '' ELSE format('%s / %s / %s', r.failure_rate_p_value,
                                                   r.unknown_rate_p_value, r.escalation_rate_p_value) END,
                                               _html(array_to_string(r.significant_differences, ', '))]))
                          FROM afu9_policy.policy_experiment_results r
                         WHERE policy_report.repository_id IS NULL OR r.repository_id IS NULL
                            OR r.repository_id = policy_report.repository_id),
                       'No experiment has decided a run.')
        || '</section>';

    RETURN '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>afu9_policy governance report</title><style>'
        || 'body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:28px}'
        || 'table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}'
        || 'th{background:#f3f3f3}.ok{color:#2ca02c;font-weight:bold}.bad{color:#d62728;font-weight:bold}.empty{color:#777}svg{display:block;margin:8px 0}'
        || '</style></head><body><h1>afu9_policy governance report</h1>'
        || format('<p>%s, from %s to %s (UTC); database %s.</p>', _html(initcap(left(scope, 1)) || substr(scope, 2)),
                  _html(to_char(started AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')), _html(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')),
                  _html(current_database()))
        || body || '</body></html>';
END
$$;
COMMENT ON FUNCTION policy_report(interval, uuid) IS
    'The governance report as one self-contained HTML page (inline CSS and SVG, no scripts, no external assets): ledger verification, active versions, history with rollbacks (timeline), what each activation changed, KPI trends per day (coverage, linkage), verdict mix and results per version, experiment results. For the window given and a repository (with the global scope) or all. Write it with psql -Atc "SELECT afu9_policy.policy_report()" > report.html. Read-only; 22023 for a window that is not positive.';
