//! Invoices and credit notes: numbered per conference without gaps, fixed
//! once issued, printed by `documents`.

pub mod ops;
pub mod rules;
pub mod store;

pub use store::InvoiceRow;
