//! Staff lists: delegate and dinner lists (CSV, streamed; XLSX), the
//! conference summary, and the motions and CAC nominations CSVs.

pub mod ops;
pub mod rules;
pub mod store;
