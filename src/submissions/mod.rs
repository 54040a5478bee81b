//! Submissions: motions, amendments, policy submissions, CAC and award
//! nominations; their rules (`rules`, `words`, `eligibility`), storage and
//! operations (submit, review, withdraw, list).

pub mod eligibility;
pub mod ops;
pub mod rules;
pub mod store;
pub mod words;

pub use store::SubmissionRow;
