-- Policy v1.0.0 (spec section 1), stored as data and activated at install. It ships with the
-- extension: its publication and first activation carry a fixed time and the actor
-- afu9_policy, so that every installation, and a restore (which installs it again), has the
-- same rows, and the ledger's hash of them still holds.
-- Patterns are case-insensitive regular expressions, tried rule by rule, pattern by pattern.
WITH doc(body) AS (
    SELECT $policy$
{
  "classification_rules": [
    {"errorClass": "ACM_DNS_VALIDATION_PENDING", "service": "ACM", "confidence": 0.90,
     "tokens": ["ACM", "DNS", "validation", "pending"],
     "patterns": ["DNS validation.*pending", "Certificate.*validation.*not complete",
                  "waiting.*DNS.*validation", "CNAME.*record.*not.*found"]},
    {"errorClass": "ROUTE53_DELEGATION_PENDING", "service": "Route53", "confidence": 0.90,
     "tokens": ["Route53", "delegation", "NS", "pending"],
     "patterns": ["delegation.*pending", "NS.*records.*not.*configured",
                  "name servers.*not.*updated", "zone.*delegation.*incomplete"]},
    {"errorClass": "CFN_ROLLBACK_LOCK", "service": "CloudFormation", "confidence": 0.95,
     "tokens": ["CloudFormation", "ROLLBACK", "locked"],
     "patterns": ["Stack.*is in.*ROLLBACK", "rollback.*in progress", "UPDATE_ROLLBACK_IN_PROGRESS",
                  "ROLLBACK_IN_PROGRESS", "cannot.*update.*rolling back"]},
    {"errorClass": "CFN_IN_PROGRESS_LOCK", "service": "CloudFormation", "confidence": 0.95,
     "tokens": ["CloudFormation", "IN_PROGRESS", "locked"],
     "patterns": ["Stack.*is in.*IN_PROGRESS", "cannot.*update.*stack.*in progress",
                  "Stack.*is in.*UPDATE_IN_PROGRESS", "Stack.*is in.*CREATE_IN_PROGRESS",
                  "another update is in progress"]},
    {"errorClass": "MISSING_SECRET", "service": "SecretsManager", "confidence": 0.85,
     "tokens": ["SecretsManager", "secret", "not found"],
     "patterns": ["ResourceNotFoundException.*Secrets Manager", "secret.*not found",
                  "Secrets Manager can't find", "does not exist.*secret", "secret.*does not exist",
                  "InvalidParameterException.*SecretId"]},
    {"errorClass": "MISSING_ENV_VAR", "service": "Configuration", "confidence": 0.80,
     "tokens": ["configuration", "environment", "missing"],
     "patterns": ["missing required configuration", "environment variable.*not set",
                  "required.*env.*not.*defined", "configuration.*not.*provided"]},
    {"errorClass": "DEPRECATED_CDK_API", "service": "CDK", "confidence": 0.75,
     "tokens": ["CDK", "deprecated", "API"],
     "patterns": ["deprecated.*API", "method.*deprecated", "use.*instead of.*deprecated",
                  "\\[DEPRECATED\\]"]},
    {"errorClass": "UNIT_MISMATCH", "service": "Configuration", "confidence": 0.80,
     "tokens": ["unit", "mismatch", "configuration"],
     "patterns": ["expected.*MB.*but got.*KB", "unit mismatch", "expected.*MiB.*but got.*MB",
                  "expected.*seconds.*but got.*milliseconds", "invalid unit"]}
  ],
  "playbooks": {
    "ACM_DNS_VALIDATION_PENDING": {"action": "WAIT_AND_RETRY", "playbookId": "acm-dns-validation"},
    "ROUTE53_DELEGATION_PENDING": {"action": "HUMAN_REQUIRED", "playbookId": "route53-delegation"},
    "CFN_ROLLBACK_LOCK":          {"action": "OPEN_ISSUE",     "playbookId": "cfn-rollback"},
    "CFN_IN_PROGRESS_LOCK":       {"action": "WAIT_AND_RETRY", "playbookId": "cfn-in-progress"},
    "MISSING_SECRET":             {"action": "OPEN_ISSUE",     "playbookId": "missing-secret"},
    "MISSING_ENV_VAR":            {"action": "OPEN_ISSUE",     "playbookId": "missing-env"},
    "DEPRECATED_CDK_API":         {"action": "OPEN_ISSUE",     "playbookId": "deprecated-cdk"},
    "UNIT_MISMATCH":              {"action": "OPEN_ISSUE",     "playbookId": "unit-mismatch"},
    "UNKNOWN":                    {"action": "OPEN_ISSUE",     "playbookId": "unknown-error"}
  },
  "confidence_normalization": {
    "scale": "0-100",
    "formula": "round_half_up(raw_confidence * 100)",
    "deterministic": true
  }
}
$policy$::jsonb
), stored AS (
    INSERT INTO afu9_policy.policy_documents (hash, body, created_at)
    SELECT pg_catalog.sha256(pg_catalog.convert_to(body::text, 'UTF8')), body, '2025-01-15 00:00:00+00' FROM doc
    RETURNING hash, created_at
), published AS (
    INSERT INTO afu9_policy.policy_versions (version, document_hash, published_at, published_by)
    SELECT 'v1.0.0', hash, created_at, 'afu9_policy' FROM stored
    RETURNING id, published_at, published_by
)
INSERT INTO afu9_policy.policy_activations (policy_version_id, activated_at, activated_by)
SELECT id, published_at, published_by FROM published;
