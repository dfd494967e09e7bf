//! Policy experiments: while one runs in a scope, the snapshot trigger gives each new run one of
//! its arms (a published version) by the run's id. The assignment is a pure function of the
//! experiment's name, the run id and the weights in force, so anyone can recompute it; SQL's
//! afu9_policy.policy_experiment_bucket() is the same function.

use sha2::{Digest, Sha256};

/// One allocation of an experiment: its arms in order, each with its weight.
pub(crate) struct Experiment {
    name: String,
    /// (arm id, policy version id, weights up to and including this arm).
    arms: Vec<(i64, i64, u64)>,
}

impl Experiment {
    /// None when the arms do not line up or weigh nothing (the functions that start and
    /// reweight experiments refuse such allocations).
    pub(crate) fn new(name: String, arm_ids: Vec<i64>, version_ids: Vec<i64>, weights: Vec<i64>) -> Option<Experiment> {
        if arm_ids.len() != version_ids.len() || arm_ids.len() != weights.len() {
            return None;
        }
        let mut upto = 0u64;
        let arms = arm_ids
            .into_iter()
            .zip(version_ids)
            .zip(weights)
            .map(|((arm, version), weight)| {
                upto += weight.max(0) as u64;
                (arm, version, upto)
            })
            .collect();
        (upto > 0).then_some(Experiment { name, arms })
    }

    /// The arm (id, policy version id) of a run: the first whose cumulative weight exceeds the
    /// run's bucket modulo the total weight.
    pub(crate) fn assign(&self, run_id: Option<&pgrx::Uuid>) -> (i64, i64) {
        let total = self.arms.last().map_or(1, |a| a.2);
        let point = run_id.map_or(0, |id| bucket(&self.name, id)) % total;
        let (arm, version, _) = *self
            .arms
            .iter()
            .find(|a| point < a.2)
            .expect("the point is below the total weight");
        (arm, version)
    }
}

/// The first four bytes, big-endian, of SHA-256 of "<experiment>:<run id>" (UTF-8, the id in its
/// canonical lowercase text).
pub(crate) fn bucket(experiment: &str, run_id: &pgrx::Uuid) -> u64 {
    let digest = Sha256::digest(format!("{experiment}:{run_id}").as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) as u64
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn the_bucket_is_the_one_sql_computes() {
        for id in ["00000000-0000-0000-0000-000000000000", "f47ac10b-58cc-4372-a567-0e02b2c3d479"] {
            let uuid = Spi::get_one::<pgrx::Uuid>(&format!("SELECT '{id}'::uuid")).unwrap().unwrap();
            let sql = Spi::get_one::<i64>(&format!(
                "SELECT afu9_policy.policy_experiment_bucket('canary-1', '{id}')"
            ));
            assert_eq!(sql, Ok(Some(super::bucket("canary-1", &uuid) as i64)));
        }
    }
}
