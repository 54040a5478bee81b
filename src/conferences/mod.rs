//! Conferences: their rules as data (`spec`), price tiers (`pricing`),
//! storage (`store`) and operations (`ops`: create, patch, list, quote).

pub mod ops;
pub mod pricing;
pub mod spec;
pub mod store;

pub use store::Conference;
