-- The governance report: one self-contained HTML page with every section, data escaped, no
-- external asset; read-only; readable by auditors. (scripts/report_test.sh renders it in Chromium.)
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
DROP ROLE IF EXISTS report_auditor, report_nobody;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;
SET search_path = public, afu9_policy;

-- An empty database: every section is there, saying so.
SELECT policy_report() ~ '^<!DOCTYPE html><html lang="en">.*</html>$' AS whole_page,
       ARRAY(SELECT m[1] FROM regexp_matches(policy_report(), '<section id="([a-z]+)"><h2>([^<]+)</h2>', 'g') m) AS sections,
       policy_report() LIKE '%No experiment has decided a run.%' AS no_experiments;

-- A rule whose name is markup, a rollback, an experiment and verdicts.
SELECT version FROM publish_policy('v1.1.0', jsonb_set(
    jsonb_set(active_policy(), '{classification_rules,0,errorClass}', '"<script>alert(1)</script>"'),
    '{playbooks}', (active_policy()->'playbooks') - 'ACM_DNS_VALIDATION_PENDING'
                   || jsonb_build_object('<script>alert(1)</script>', active_policy()->'playbooks'->'ACM_DNS_VALIDATION_PENDING')));
SELECT (activate_policy('v1.0.0')).id IS NOT NULL AS rolled_back;
SELECT running FROM start_policy_experiment('canary', '[{"version":"v1.0.0","weight":1},{"version":"v1.1.0","weight":1}]');
INSERT INTO workflow_executions (id, workflow_id, status)
SELECT md5('r' || i)::uuid, 'w', 'failed' FROM generate_series(1, 40) i;
SELECT count(generate_verdict(id, '[{"resourceType": "AWS::CloudFormation::Stack", "statusReason": "Stack is in ROLLBACK_IN_PROGRESS state"}]'))
  FROM workflow_executions;
SELECT seal_policy_ledger() > 0 AS sealed;
WITH r AS (SELECT policy_report() AS html)
SELECT html NOT LIKE '%<script%' AS no_markup_from_data,
       html LIKE '%&lt;script&gt;alert(1)&lt;/script&gt;%' AS escaped,
       html NOT SIMILAR TO '%(src=|href=|@import|url\()%' AS no_external_assets,
       regexp_replace(html, 'xmlns="http://www.w3.org/2000/svg"', '', 'g') NOT LIKE '%http%' AS no_links,
       (SELECT count(*) FROM regexp_matches(html, '<svg ', 'g')) AS charts,
       html LIKE '%<strong class="bad">rollback</strong>%' AS rollback_marked,
       html LIKE '%<p class="ok">Intact%' AS ledger_intact,
       html LIKE '%v1.0.0 &rarr; v1.1.0%' AS diff_shown,
       html LIKE '%<td>canary</td><td>1 (control)</td>%' AS experiment_shown,
       html LIKE '%<td>canary</td></tr>%' AS running_experiment_shown
  FROM r;

-- A repository's report: its scope and the global one.
SELECT policy_report(interval '1 day', 'cccccccc-0000-0000-0000-000000000001')
       LIKE '%Repository cccccccc-0000-0000-0000-000000000001, from%' AS scoped;
SELECT policy_report(interval '0');
\echo :SQLSTATE
SELECT policy_report(NULL);
\echo :SQLSTATE

-- Tampering shows in the report.
BEGIN;
ALTER TABLE policy_versions DISABLE TRIGGER policy_versions_reject_change;
UPDATE policy_versions SET published_by = 'someone else' WHERE version = 'v1.1.0';
SELECT policy_report() LIKE '%<p class="bad">1 problem(s) found.</p>%' AS tampering_reported;
ROLLBACK;

-- A busy window: the page shows the latest 200 events and 20 changes, and says so.
SELECT count((activate_policy(CASE WHEN g % 2 = 0 THEN 'v1.0.0' ELSE 'v1.1.0' END)).id) AS activations
  FROM generate_series(1, 210) g;
WITH r AS (SELECT policy_report() AS html)
SELECT (SELECT count(*) FROM regexp_matches(html, '<h3>', 'g')) AS changes_shown,
       substring(html FROM '<p class="empty">The [0-9]+ events before these') AS note
  FROM r;

-- Read-only: it runs in a read-only transaction. Auditors may read it; others may not.
BEGIN READ ONLY;
SELECT length(policy_report()) > 0 AS read_only;
COMMIT;
CREATE ROLE report_auditor;
CREATE ROLE report_nobody;
SELECT grant_policy_auditor('report_auditor');
SET ROLE report_auditor;
SELECT length(policy_report()) > 0 AS auditor_reads;
RESET ROLE;
SET ROLE report_nobody;
SELECT policy_report();
\echo :SQLSTATE
RESET ROLE;
SET client_min_messages = warning;
DROP EXTENSION afu9_policy CASCADE;
DROP TABLE verdicts, workflow_executions CASCADE;
DROP ROLE report_auditor, report_nobody;
