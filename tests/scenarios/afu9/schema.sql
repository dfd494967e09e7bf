-- AFU-9 control center (adaefler-art/codefactory-control @ 89fc1264): the shape its migrations
-- 001/004/005/006/011/012 leave for workflow_executions, verdicts, policy_snapshots and their
-- direct neighbours. Written as one final-state script; column order, constraint, index and
-- trigger names follow the migrated database, because an extension install must leave them alone.
-- Not modelled: repositories, agent_runs, mcp_*, webhook_events, the cost tables (009) and their
-- AFTER UPDATE trigger trigger_auto_calculate_execution_cost.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- Shared by every BEFORE UPDATE trigger of the app.
CREATE FUNCTION update_updated_at_column() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$fn$;

CREATE TABLE workflows (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        varchar(255) NOT NULL UNIQUE,
    description text,
    definition  jsonb NOT NULL DEFAULT '{}',
    version     integer DEFAULT 1,
    enabled     boolean DEFAULT true,
    created_at  timestamp DEFAULT now(),
    updated_at  timestamp DEFAULT now()
);
CREATE INDEX idx_workflows_name ON workflows (name);
CREATE INDEX idx_workflows_enabled ON workflows (enabled);
CREATE TRIGGER update_workflows_updated_at BEFORE UPDATE ON workflows
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- version is not unique: every app-written snapshot says v1.0.0.
CREATE TABLE policy_snapshots (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    version    varchar(50) NOT NULL,
    policies   jsonb NOT NULL,
    created_at timestamp DEFAULT now(),
    metadata   jsonb
);
CREATE INDEX idx_policy_snapshots_version ON policy_snapshots (version);
CREATE INDEX idx_policy_snapshots_created_at ON policy_snapshots (created_at DESC);

-- policy_snapshot_id (005) and pause_metadata (012) were added by ALTER, hence last.
CREATE TABLE workflow_executions (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_id        uuid REFERENCES workflows (id) ON DELETE CASCADE,
    repository_id      uuid,  -- no FK in the app
    status             varchar(50) NOT NULL DEFAULT 'pending',
    input              jsonb,
    output             jsonb,
    context            jsonb,
    started_at         timestamp DEFAULT now(),
    completed_at       timestamp,
    error              text,
    triggered_by       varchar(255),
    github_run_id      varchar(255),
    created_at         timestamp DEFAULT now(),
    updated_at         timestamp DEFAULT now(),
    policy_snapshot_id uuid
        CONSTRAINT workflow_executions_policy_snapshot_id_fkey
        REFERENCES policy_snapshots (id) ON DELETE SET NULL,
    pause_metadata     jsonb,
    CONSTRAINT chk_execution_status
        CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled', 'paused'))
);
COMMENT ON COLUMN workflow_executions.policy_snapshot_id IS
    'Snapshot of the classification policy in force for this run; linked by an UPDATE after the INSERT';
COMMENT ON COLUMN workflow_executions.pause_metadata IS
    'HOLD bookkeeping: pausedAt, pausedBy, reason, pausedAtStepIndex; abort details under abortMetadata';
CREATE INDEX idx_executions_workflow_id ON workflow_executions (workflow_id);
CREATE INDEX idx_executions_repository_id ON workflow_executions (repository_id);
CREATE INDEX idx_executions_status ON workflow_executions (status);
CREATE INDEX idx_executions_started_at ON workflow_executions (started_at DESC);
CREATE INDEX idx_executions_policy_snapshot_id ON workflow_executions (policy_snapshot_id);
CREATE INDEX idx_executions_started_completed ON workflow_executions (started_at, completed_at)
    WHERE status IN ('completed', 'failed');
CREATE INDEX idx_executions_repository_time ON workflow_executions (repository_id, started_at DESC)
    WHERE repository_id IS NOT NULL;
CREATE INDEX idx_executions_paused ON workflow_executions (status) WHERE status = 'paused';

CREATE TABLE workflow_steps (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    execution_id uuid REFERENCES workflow_executions (id) ON DELETE CASCADE,
    step_name    varchar(255) NOT NULL,
    step_index   integer NOT NULL,
    status       varchar(50) NOT NULL DEFAULT 'pending',
    input        jsonb,
    output       jsonb,
    started_at   timestamp,
    completed_at timestamp,
    duration_ms  integer,
    error        text,
    retry_count  integer DEFAULT 0,
    created_at   timestamp DEFAULT now(),
    updated_at   timestamp DEFAULT now(),
    CONSTRAINT chk_step_status CHECK (status IN ('pending', 'running', 'completed', 'failed', 'skipped'))
);
CREATE INDEX idx_steps_execution_id ON workflow_steps (execution_id);
CREATE INDEX idx_steps_status ON workflow_steps (status);
CREATE INDEX idx_steps_execution_step ON workflow_steps (execution_id, step_index);
CREATE TRIGGER update_workflow_steps_updated_at BEFORE UPDATE ON workflow_steps
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- scope_id is a run id when level = 'run', but without an FK.
CREATE TABLE kpi_snapshots (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kpi_name      varchar(100) NOT NULL,
    kpi_version   varchar(20) NOT NULL DEFAULT '1.0.0',
    level         varchar(20) NOT NULL,
    scope_id      uuid,
    value         numeric(15, 4),
    unit          varchar(50),
    metadata      jsonb,
    calculated_at timestamp NOT NULL DEFAULT now(),
    period_start  timestamp NOT NULL,
    period_end    timestamp NOT NULL,
    created_at    timestamp DEFAULT now(),
    CONSTRAINT chk_kpi_level CHECK (level IN ('factory', 'product', 'run'))
);
CREATE INDEX idx_kpi_snapshots_name_time ON kpi_snapshots (kpi_name, calculated_at DESC);
CREATE INDEX idx_kpi_snapshots_level ON kpi_snapshots (level);
CREATE INDEX idx_kpi_snapshots_scope ON kpi_snapshots (scope_id) WHERE scope_id IS NOT NULL;
CREATE INDEX idx_kpi_snapshots_period ON kpi_snapshots (period_start, period_end);
CREATE INDEX idx_kpi_snapshots_version ON kpi_snapshots (kpi_version);

-- Writes inside the status UPDATE itself, so a failure here rolls the transition back.
CREATE FUNCTION create_run_kpi_snapshot() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF NEW.status IN ('completed', 'failed') AND OLD.status NOT IN ('completed', 'failed') THEN
        INSERT INTO kpi_snapshots (kpi_name, kpi_version, level, scope_id, value, unit,
                                   calculated_at, period_start, period_end)
        VALUES ('run_duration', '1.0.0', 'run', NEW.id,
                extract(epoch FROM NEW.completed_at - NEW.started_at) * 1000, 'milliseconds',
                now(), NEW.started_at, NEW.completed_at),
               ('run_success', '1.0.0', 'run', NEW.id,
                CASE NEW.status WHEN 'completed' THEN 1 ELSE 0 END, 'boolean',
                now(), NEW.started_at, NEW.completed_at);
    END IF;
    RETURN NEW;
END
$fn$;

CREATE TRIGGER update_workflow_executions_updated_at BEFORE UPDATE ON workflow_executions
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER trigger_create_run_kpi_snapshot AFTER UPDATE ON workflow_executions
    FOR EACH ROW EXECUTE FUNCTION create_run_kpi_snapshot();

-- Both FKs nullable; CASCADE from runs but RESTRICT towards snapshots. verdict_type is from 011.
CREATE TABLE verdicts (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    execution_id       uuid CONSTRAINT verdicts_execution_id_fkey
                           REFERENCES workflow_executions (id) ON DELETE CASCADE,
    policy_snapshot_id uuid CONSTRAINT verdicts_policy_snapshot_id_fkey
                           REFERENCES policy_snapshots (id) ON DELETE RESTRICT,
    fingerprint_id     varchar(64) NOT NULL,
    error_class        varchar(100) NOT NULL,
    service            varchar(255) NOT NULL,
    confidence_score   integer NOT NULL,
    proposed_action    varchar(50) NOT NULL,
    tokens             text[] NOT NULL DEFAULT '{}',
    signals            jsonb NOT NULL,
    playbook_id        varchar(100),
    created_at         timestamp DEFAULT now(),
    metadata           jsonb,
    verdict_type       varchar(50) NOT NULL DEFAULT 'PENDING',
    CONSTRAINT chk_confidence_score CHECK (confidence_score >= 0 AND confidence_score <= 100),
    CONSTRAINT chk_proposed_action
        CHECK (proposed_action IN ('WAIT_AND_RETRY', 'OPEN_ISSUE', 'HUMAN_REQUIRED')),
    CONSTRAINT chk_verdict_type
        CHECK (verdict_type IN ('APPROVED', 'REJECTED', 'DEFERRED', 'ESCALATED', 'WARNING',
                                'BLOCKED', 'PENDING'))
);
CREATE INDEX idx_verdicts_execution_id ON verdicts (execution_id);
CREATE INDEX idx_verdicts_policy_snapshot_id ON verdicts (policy_snapshot_id);
CREATE INDEX idx_verdicts_fingerprint_id ON verdicts (fingerprint_id);
CREATE INDEX idx_verdicts_error_class ON verdicts (error_class);
CREATE INDEX idx_verdicts_confidence_score ON verdicts (confidence_score DESC);
CREATE INDEX idx_verdicts_created_at ON verdicts (created_at DESC);
CREATE INDEX idx_verdicts_verdict_type ON verdicts (verdict_type);

CREATE TABLE verdict_audit_log (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    verdict_id uuid REFERENCES verdicts (id) ON DELETE CASCADE,
    event_type varchar(50) NOT NULL,
    event_data jsonb,
    created_at timestamp DEFAULT now(),
    created_by varchar(255)
);
CREATE INDEX idx_verdict_audit_verdict_id ON verdict_audit_log (verdict_id);
CREATE INDEX idx_verdict_audit_event_type ON verdict_audit_log (event_type);
CREATE INDEX idx_verdict_audit_created_at ON verdict_audit_log (created_at DESC);

CREATE TABLE verdict_outcomes (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    verdict_id     uuid NOT NULL REFERENCES verdicts (id) ON DELETE CASCADE,
    execution_id   uuid NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
    outcome        varchar(50) NOT NULL,
    outcome_reason text,
    decided_by     varchar(255),
    decided_at     timestamp DEFAULT now(),
    metadata       jsonb,
    created_at     timestamp DEFAULT now(),
    CONSTRAINT chk_verdict_outcome CHECK (outcome IN ('accepted', 'overridden', 'escalated', 'unknown'))
);
CREATE INDEX idx_verdict_outcomes_verdict ON verdict_outcomes (verdict_id);
CREATE INDEX idx_verdict_outcomes_execution ON verdict_outcomes (execution_id);
CREATE INDEX idx_verdict_outcomes_outcome ON verdict_outcomes (outcome);
CREATE INDEX idx_verdict_outcomes_decided_at ON verdict_outcomes (decided_at DESC);

-- Views. They pin column types of the base tables; executions_with_policy predates 012 and so
-- has no pause_metadata, and verdicts_with_policy has no policy_snapshot_id/signals/metadata.
CREATE VIEW executions_with_policy AS
SELECT e.id, e.workflow_id, e.status, e.input, e.output, e.context, e.started_at,
       e.completed_at, e.error, e.triggered_by, e.github_run_id, e.created_at, e.updated_at,
       e.policy_snapshot_id,
       ps.version    AS policy_version,
       ps.policies   AS policy_definition,
       ps.created_at AS policy_created_at
  FROM workflow_executions e
  LEFT JOIN policy_snapshots ps ON ps.id = e.policy_snapshot_id;

CREATE VIEW verdicts_with_policy AS
SELECT v.id, v.execution_id, v.fingerprint_id, v.error_class, v.service, v.confidence_score,
       v.proposed_action, v.verdict_type, v.tokens, v.playbook_id, v.created_at,
       ps.version    AS policy_version,
       ps.policies   AS policy_definition,
       we.workflow_id,
       we.status     AS execution_status,
       we.started_at AS execution_started_at
  FROM verdicts v
  JOIN policy_snapshots ps ON ps.id = v.policy_snapshot_id
  JOIN workflow_executions we ON we.id = v.execution_id;

CREATE VIEW verdict_statistics AS
SELECT error_class, service, verdict_type,
       count(*)                                           AS total_count,
       avg(confidence_score)                              AS avg_confidence,
       min(confidence_score)                              AS min_confidence,
       max(confidence_score)                              AS max_confidence,
       mode() WITHIN GROUP (ORDER BY proposed_action)     AS most_common_action,
       count(DISTINCT execution_id)                       AS affected_executions
  FROM verdicts
 GROUP BY error_class, service, verdict_type;

CREATE VIEW verdict_type_summary AS
SELECT verdict_type,
       count(*)                     AS total_count,
       avg(confidence_score)        AS avg_confidence,
       count(DISTINCT error_class)  AS distinct_error_classes,
       count(DISTINCT service)      AS distinct_services,
       count(DISTINCT execution_id) AS affected_executions,
       min(created_at)              AS first_seen,
       max(created_at)              AS last_seen
  FROM verdicts
 GROUP BY verdict_type
 ORDER BY total_count DESC;

-- Always exactly one row; the unique index (on calculated_at, as in the app) exists so that
-- REFRESH ... CONCURRENTLY works.
CREATE MATERIALIZED VIEW mv_factory_kpis_24h AS
SELECT avg(extract(epoch FROM completed_at - started_at) * 1000)
           FILTER (WHERE status IN ('completed', 'failed'))                   AS mtti_ms,
       round(count(*) FILTER (WHERE status = 'completed')::numeric
             / nullif(count(*) FILTER (WHERE status IN ('completed', 'failed')), 0) * 100,
             2)                                                               AS success_rate_pct,
       count(*)                                                               AS total_executions,
       count(*) FILTER (WHERE status = 'completed')                           AS completed_executions,
       count(*) FILTER (WHERE status = 'failed')                              AS failed_executions,
       count(*) FILTER (WHERE status = 'running')                             AS running_executions,
       avg(extract(epoch FROM completed_at - started_at) * 1000)
           FILTER (WHERE status = 'completed')                                AS avg_duration_ms,
       min(started_at)                                                        AS period_start,
       max(started_at)                                                        AS period_end,
       now()                                                                  AS calculated_at
  FROM workflow_executions
 WHERE started_at >= now() - interval '24 hours';
CREATE UNIQUE INDEX mv_factory_kpis_24h_calculated_at_idx ON mv_factory_kpis_24h (calculated_at);

CREATE FUNCTION refresh_kpi_materialized_views() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY mv_factory_kpis_24h;
END
$fn$;
