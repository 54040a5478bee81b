//! Staff lists and figures: delegate and dinner lists (CSV, streamed;
//! XLSX), the conference summary and dashboard, and the motions and CAC
//! nominations CSVs.

pub mod dashboard;
pub mod ops;
pub mod rules;
pub mod store;
