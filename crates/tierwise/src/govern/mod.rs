//! Governance (DESIGN 4.2, 4.3): policy rules in CEL, agents that propose, a policy that
//! approves, rejects or escalates to a person, and a hash-chained decision log.
//!
//! - `rules`: the `[[rules]]`, `[[roles]]`, `[budgets]` and `[thrash]` of a policy, checked
//!   when the policy loads;
//! - `context`: what a rule sees (documented, typed), read off the live analysis;
//! - `decide`: the [`Governor`]: proposals in, verdicts and log entries out;
//! - `agents`: the [`Agent`] trait and the built-in agents;
//! - `orchestrate`: the [`Orchestrator`] that runs them per event over a [`Ledger`] (memory
//!   or a store) and commits approved actions as events;
//! - `log`: the chain, its JSON lines and their verification.

mod agents;
mod context;
mod decide;
mod frames;
mod log;
mod orchestrate;
#[cfg(test)]
mod tests;

pub use crate::rules::{
    Action, Budgets, Condition, Governance, Role, RoleSpec, Rule, RuleSpec, Thrash, compile,
};
pub use crate::rules::{
    BudgetFacts, EventFacts, Limit, ProposalFacts, RowFacts, RuleContext, UnitFacts, VARIABLES,
};
pub use agents::{Agent, MitigationAgent, OnboardingAgent, RiskAgent, View, moved_units};
pub use context::FactSource;
pub use decide::{Commit, Governor, Pending, Proposal, Seen, Verdict};
pub use frames::{log_frame, pending_frame};
pub use log::{ChainError, Entry, Fired, GENESIS, Log, verify_jsonl};
pub use orchestrate::{GOVERNOR_SOURCE, Handled, Ledger, Orchestrator, builtin_agents};

/// Errors of governance.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GovernError {
    /// The policy's rules, roles or budgets do not check.
    #[error("policy rules: {0}")]
    Policy(String),
    #[error("no decision {0:?}")]
    UnknownDecision(String),
    #[error("decision {0:?} was already decided")]
    AlreadyDecided(String),
    #[error("no role {0:?} in the policy")]
    UnknownRole(String),
    /// A stored log whose chain does not hold.
    #[error("{0}")]
    Log(String),
    /// An approved action could not be committed (the store refused it).
    #[error("commit: {0}")]
    Commit(String),
    #[error("role {role:?} may not approve decision {id:?}: {reason}")]
    NotAllowed {
        id: String,
        role: String,
        reason: String,
    },
}
